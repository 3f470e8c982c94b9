from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.models import Account

from . import export
from .forms import BulkForm, EditForm, PairFilterForm
from .models import Cursor, TrainingPair

REVIEW_PERMISSIONS = ("training.view_trainingpair", "training.change_trainingpair")
COUNT_CAP = 10_000
# Counting matches of a search tests each pair's texts: stop sooner ("1000+").
SEARCH_COUNT_CAP = 1_000
DECISIONS = {"approve": TrainingPair.approve, "reject": TrainingPair.reject, "reset": TrainingPair.reset}


def review_required(view):
    # Anonymous users go to the login page; signed-in users without the permissions get 403.
    return login_required(permission_required(REVIEW_PERMISSIONS, raise_exception=True)(view))


def _list_url(filters):
    return reverse("training:pairs") + (f"?{filters}" if filters else "")


def _status_tabs(form):
    """The status tabs: each status's count under the other filters, and its link."""
    cap = SEARCH_COUNT_CAP if form.filters["q"] else COUNT_CAP
    counts = form.matching(TrainingPair.objects.all()).status_counts(cap=cap)
    return [
        {
            "value": value,
            "label": label,
            "count": counts[value],
            "capped": counts[value] > cap,
            "cap": cap,
            "query": form.querystring(status=value),
            "current": value == form.filters["status"],
        }
        for value, label in TrainingPair.Status.choices
    ]


def _row_links(pairs, filters):
    """Give each row its links, built here once: one reverse() per page, not per link."""
    base = reverse("training:pairs")
    query = f"?{filters}" if filters else ""
    for pair in pairs:
        pair.url = f"{base}{pair.pk}/"
        pair.detail_url = pair.url + query
    return pairs


def _row_queryset():
    return TrainingPair.objects.with_previews().select_related("account")


@require_GET
@review_required
def pair_list(request):
    form = PairFilterForm(request.GET)
    f = form.filters
    tabs = _status_tabs(form)
    # A search matching few pairs of this status is read through the trigram indexes (see in_review_order).
    sparse = bool(f["q"]) and not next(t["capped"] for t in tabs if t["current"])
    pairs, has_previous, has_next = (
        form.matching(_row_queryset())
        .filter(status=f["status"])
        .page(size=f["size"], newest=f["sort"] == "newest", after=f["after"], before=f["before"], sparse=sparse)
    )
    base = form.querystring()
    filters = request.GET.urlencode()
    context = {
        "form": form,
        "f": f,
        "pairs": _row_links(pairs, filters),
        "tabs": tabs,
        "filters": filters,
        "filter_items": [(k, v) for k, v in QueryDict(base).items() if k != "status"],
        "previous_url": f"?{base}&before={Cursor.of(pairs[0])}" if has_previous and pairs else None,
        "next_url": f"?{base}&after={Cursor.of(pairs[-1])}" if has_next and pairs else None,
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "training/pair_list.html#results", context)
    context["accounts"] = Account.objects.order_by("address").only("id", "address")
    return render(request, "training/pair_list.html", context)


@require_POST
@review_required
def pair_decide(request, pk, action):
    """Approve, reject or reset one pair; htmx gets the row and the new counts, a plain post goes back."""
    if action not in DECISIONS:
        raise Http404
    pair = get_object_or_404(_row_queryset(), pk=pk)
    DECISIONS[action](pair, by=request.user)
    filters = request.POST.get("filters", "")
    if not request.htmx:
        return redirect(_list_url(filters))
    form = PairFilterForm(QueryDict(filters))
    _row_links([pair], filters)
    context = {"pair": pair, "tabs": _status_tabs(form), "filters": filters, "f": form.filters}
    return render(request, "training/pair_list.html#row_update", context)


@require_POST
@review_required
def pair_bulk(request):
    """Approve or reject the selected pairs, or all matching the filter: first a confirmation with the count."""
    form = BulkForm(request.POST)
    filters = request.POST.get("filters", "")
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Choose approve or reject.")
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = _list_url(filters)
            return response
        return redirect(_list_url(filters))
    filter_form = PairFilterForm(QueryDict(filters))
    # Only pairs still in the status the reviewer was looking at: a pair someone else decided meanwhile is left.
    pairs = filter_form.matching(TrainingPair.objects.all()).filter(status=filter_form.filters["status"])
    if form.cleaned_data["scope"] != "all":
        pairs = pairs.filter(pk__in=form.cleaned_data["ids"])
    if form.cleaned_data["confirmed"]:
        if form.cleaned_data["upto"] is not None:
            pairs = pairs.filter(pk__lte=form.cleaned_data["upto"])
        done = pairs.decide(form.status, by=request.user)
        verb = "Approved" if form.cleaned_data["action"] == "approve" else "Rejected"
        messages.success(request, f"{verb} {done} pair{'' if done == 1 else 's'}.")
        return redirect(_list_url(filters))
    context = {
        "bulk": form.cleaned_data,
        "count": pairs.count(),
        "upto": TrainingPair.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "filters": filters,
        "f": filter_form.filters,
        "back_url": _list_url(filters),
    }
    template = "training/pair_bulk.html#confirm" if request.htmx else "training/pair_bulk.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@review_required
def pair_detail(request, pk):
    """Both full texts side by side with the original messages; the reviewer edits, saves, or saves and approves."""
    pair = get_object_or_404(
        TrainingPair.objects.select_related("account", "client_message", "reply_message", "reviewed_by"), pk=pk
    )
    filters = request.POST.get("filters", "") if request.method == "POST" else request.GET.urlencode()
    status, conflict, saved = 200, None, False
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            approve = "approve" in request.POST
            try:
                pair.edit(
                    by=request.user,
                    client_text=data["client_text"],
                    reply_text=data["reply_text"],
                    version=data["version"],
                    approve=approve,
                )
            except TrainingPair.EditConflict:
                # Show what is saved now beside the reviewer's text, which stays in the form; saving again is
                # then a deliberate choice, made against the current version.
                pair = get_object_or_404(
                    TrainingPair.objects.select_related("account", "client_message", "reply_message", "reviewed_by"),
                    pk=pk,
                )
                conflict = pair
                form = EditForm(
                    initial={**data, "version": pair.updated_at, "filters": filters},
                )
                status = 409
            else:
                saved = True
                if not request.htmx:
                    messages.success(request, "Saved and approved." if approve else "Saved.")
                    if approve:
                        return redirect(_list_url(filters))
                    return redirect(reverse("training:pair", args=[pair.pk]) + (f"?{filters}" if filters else ""))
        else:
            status = 422
    if request.method == "GET" or saved:
        form = EditForm(
            initial={
                "client_text": pair.final_client_text,
                "reply_text": pair.final_reply_text,
                "version": pair.updated_at,
                "filters": filters,
            }
        )
    context = {
        "pair": pair,
        "form": form,
        "conflict": conflict,
        "saved": saved,
        "filters": filters,
        "back_url": _list_url(filters),
    }
    if saved:
        # The drawer stays open on the list: refresh that row and the counts too.
        filter_form = PairFilterForm(QueryDict(filters))
        context.update(
            row=_row_links([_row_queryset().get(pk=pair.pk)], filters)[0], tabs=_status_tabs(filter_form), f=filter_form.filters
        )
    template = "training/pair_detail.html#detail" if request.htmx else "training/pair_detail.html"
    return render(request, template, context, status=status)


@require_GET
@review_required
def pair_export(request):
    """Approved pairs matching the filters, streamed as JSONL (OpenAI chat fine-tuning format) or CSV."""
    form = PairFilterForm(request.GET)
    pairs = form.matching(TrainingPair.objects.approved()).in_review_order(newest=False)
    fmt = "csv" if request.GET.get("format") == "csv" else "jsonl"
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        response = StreamingHttpResponse(export.csv_lines(pairs), content_type="text/csv; charset=utf-8")
    else:
        system_prompt = request.GET.get("system_prompt", "").strip()
        response = StreamingHttpResponse(
            export.jsonl_lines(pairs, system_prompt=system_prompt), content_type="application/jsonl; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="training-pairs-{stamp}.{fmt}"'
    return response

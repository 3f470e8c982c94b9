import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .forms import DisconnectForm
from .gmail.client import GmailError
from .models import Account
from .oauth import ConnectError, account_connect, account_disconnect, account_needs_send_scope, oauth_flow_start
from .push import CertsUnavailable, PushRefused, account_watch, push_handle, push_parse, push_verify
from .tasks import sync_account_enqueue

logger = logging.getLogger(__name__)


def staff_required(view):
    """Staff connect their own mailboxes; anyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def gmail_accounts(request):
    accounts = list(
        Account.objects.for_provider("gmail")
        .filter(owner=request.user)
        .select_related("credentials")
        .annotate(message_count=Count("messages", distinct=True), pair_count=Count("training_pairs", distinct=True))
        .order_by("address")
    )
    configured = bool(settings.GOOGLE_CLIENT_ID)
    for account in accounts:
        account.needs_send_scope = account_needs_send_scope(account)
        account.offer_reconnect = configured and (
            account.needs_send_scope
            or account.status in (Account.Status.RECONNECT_NEEDED, Account.Status.DISABLED)
        )
    context = {
        "accounts": accounts,
        "configured": configured,
        "push_enabled": bool(settings.GMAIL_PUSH_TOPIC),
    }
    return render(request, "integrations/gmail.html", context)


@staff_required
@require_POST
def gmail_connect(request):
    account = None
    if request.POST.get("account"):
        account = get_object_or_404(Account, pk=request.POST["account"], owner=request.user)
    try:
        url = oauth_flow_start(user=request.user, session_key=request.session.session_key, account=account)
    except ConnectError as error:
        messages.error(request, f"Gmail was not connected: {error}")
        return redirect("integrations:gmail")
    return HttpResponseRedirect(url)


@never_cache
@staff_required
@require_GET
def gmail_callback(request):
    try:
        account = account_connect(user=request.user, session_key=request.session.session_key, params=request.GET)
    except ConnectError as error:
        messages.error(request, f"Gmail was not connected: {error}")
        return redirect("integrations:gmail")
    try:
        account_watch(account=account)
    except GmailError as error:
        logger.warning("users.watch for account %s failed: %s", account.pk, error.status or error.reason)
        messages.warning(request, "Push notifications could not be turned on; mail is synced on a schedule instead.")
    sync_account_enqueue(account.pk)
    messages.success(request, f"{account.address} is connected. Its mail is being synced.")
    return redirect("integrations:gmail")


@staff_required
def gmail_disconnect(request, account_id):
    account = get_object_or_404(Account, pk=account_id, owner=request.user)
    form = DisconnectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        delete_mail = form.cleaned_data["mail"] == DisconnectForm.DELETE
        address = account.address
        account_disconnect(account=account, delete_mail=delete_mail)
        kept = "deleted with its mail and pairs" if delete_mail else "disconnected; its mail and pairs are kept"
        messages.success(request, f"{address} was {kept}.")
        return redirect("integrations:gmail")
    return render(request, "integrations/disconnect.html", {"account": account, "form": form})


@csrf_exempt
@require_POST
def gmail_push(request):
    """Pub/Sub push endpoint: verify, queue a sync, answer. No Gmail call here."""
    try:
        push_verify(request.headers.get("Authorization", ""))
    except PushRefused as refused:
        logger.info("Push refused (%s): %s", refused.status, refused.reason)
        return HttpResponse(status=refused.status)
    except CertsUnavailable:
        logger.warning("Push not verified: Google's certificates are unavailable")
        return HttpResponse(status=503)
    try:
        message_id, address = push_parse(request.body)
    except ValueError as error:
        logger.info("Push refused (400): %s", error)
        return HttpResponse(status=400)
    push_handle(message_id=message_id, address=address)
    return HttpResponse(status=204)

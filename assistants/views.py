from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import llm
from .forms import AiProviderForm
from .models import AiProvider

PERMISSION = "assistants.manage_ai_settings"
# Suggestions are a convenience: a slow provider must not hold the form up for long.
MODEL_LIST_TIMEOUT = 3

EXPLANATIONS = {
    llm.WRONG_KEY: "Wrong API key: the provider refused it. Check the key, or type it again.",
    llm.UNREACHABLE: "Unreachable: nothing answered at {url}. Check the base URL and that the server is running.",
    llm.UNKNOWN_MODEL: "Unknown model: the provider does not offer “{model}”. Pick one of its models.",
    llm.TIMED_OUT: "Timed out: {url} did not answer within {timeout:g} seconds.",
    llm.RATE_LIMITED: "Rate limited: the provider refuses requests for now. Try again in a minute.",
    llm.PROVIDER_ERROR: "The provider answered with an error",
}


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def ai_settings(request):
    return render(request, "assistants/settings.html", {"providers": _providers()})


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def provider_add(request):
    return _provider_form(request, AiProvider())


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def provider_edit(request, pk):
    return _provider_form(request, get_object_or_404(AiProvider, pk=pk))


def _provider_form(request, provider):
    """The add and edit page. "Test connection" posts the typed values here with action=test:
    they are tried (with the stored key if no key was typed) and nothing is saved."""
    title = provider.display_name if provider.pk else "New AI provider"
    key_state = {"set": provider.has_api_key, "changed_at": provider.api_key_changed_at}
    form = AiProviderForm(request.POST if request.method == "POST" else None, instance=provider)
    result = None
    if request.method == "POST" and request.POST.get("action") == "test":
        result = _test_typed_values(form)
        if request.htmx:
            return render(request, "assistants/provider_form.html#test-result", {"result": result})
        if form.cleaned_data.get("new_api_key"):
            result["text"] += " The key you typed is not saved: type it again and choose Save to keep it."
    elif request.method == "POST" and form.is_valid():
        provider = form.save()
        messages.success(request, f"Saved {provider.display_name}.")
        return redirect("assistants:settings")
    context = {
        "form": form,
        "provider": provider,
        "title": title,
        "key_state": key_state,
        "result": result,
        "timeout": settings.AI_TEST_CONNECTION_TIMEOUT,
    }
    return render(request, "assistants/provider_form.html", context)


def _test_typed_values(form):
    errors = form.connection_errors()
    if errors:
        fields = [form.fields[name].label if name in form.fields else "" for name in errors]
        listed = "; ".join(
            f"{label}: {' '.join(messages_)}" if label else " ".join(messages_)
            for label, messages_ in zip(fields, errors.values())
        )
        return {"ok": False, "text": f"Not tested: fix these first. {listed}"}
    return _connection_result(form.unsaved_provider())


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def provider_test(request, pk):
    provider = get_object_or_404(AiProvider, pk=pk)
    result = _connection_result(provider)
    if request.htmx:
        return render(request, "assistants/settings.html#test-result", {"result": result})
    level = messages.SUCCESS if result["ok"] else messages.ERROR
    messages.add_message(request, level, f"{provider.display_name}: {result['text']}")
    return redirect("assistants:settings")


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def model_suggestions(request):
    """Options for the default-model datalist, fetched while the form is open. The stored key is
    sent only to the stored base URL: a GET can be triggered from another site, so it must not be
    able to send the key anywhere else."""
    kind = request.GET.get("kind", AiProvider.Kind.OPENAI)
    base_url = request.GET.get("base_url", "").strip()
    context = {"models": [], "note": ""}
    try:
        if base_url:
            URLValidator(schemes=["http", "https"])(base_url)
        url = llm.resolve_base_url(kind, base_url)
    except (ValueError, ValidationError):
        context["note"] = "Type the base URL to see the models the server offers."
        return render(request, "assistants/provider_form.html#model-options", context)

    candidate = AiProvider(kind=kind, base_url=base_url)
    stored = AiProvider.objects.filter(pk=request.GET.get("provider") or None).first()
    if stored and stored.has_api_key and _resolved(stored) == url:
        candidate.api_key = stored.api_key
    try:
        context["models"] = candidate.list_models(timeout=min(MODEL_LIST_TIMEOUT, _test_timeout()))
    except llm.LLMError as exc:
        if exc.reason == llm.WRONG_KEY and not candidate.api_key:
            context["note"] = "The server wants a key: suggestions appear once the key is saved."
        else:
            context["note"] = "No suggestions: the server did not list its models. You can still type a model name."
    return render(request, "assistants/provider_form.html#model-options", context)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def provider_move(request, pk):
    provider = get_object_or_404(AiProvider, pk=pk)
    up = request.POST.get("direction") == "up"
    provider.move(-1 if up else 1)
    return _back_to_list(request, f"Moved {provider.display_name} {'up' if up else 'down'}.")


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def provider_enable(request, pk):
    provider = get_object_or_404(AiProvider, pk=pk)
    provider.enabled = request.POST.get("enabled") == "1"
    provider.save(update_fields=["enabled", "updated_at"])
    state = "enabled" if provider.enabled else "disabled"
    return _back_to_list(request, f"{provider.display_name} is {state}.")


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def provider_delete(request, pk):
    provider = get_object_or_404(AiProvider, pk=pk)
    if request.method == "POST":
        provider.delete()
        return _back_to_list(request, f"Deleted {provider.display_name}.")
    profiles = provider.assistantprofile_set.count()
    return render(request, "assistants/provider_confirm_delete.html", {"provider": provider, "profiles": profiles})


def _back_to_list(request, message):
    if request.htmx:
        return render(request, "assistants/settings.html#provider-list", {"providers": _providers()})
    messages.success(request, message)
    return redirect("assistants:settings")


def _providers():
    return AiProvider.objects.order_by("priority", "id")


def _test_timeout():
    return settings.AI_TEST_CONNECTION_TIMEOUT


def _resolved(provider):
    try:
        return llm.resolve_base_url(provider.kind, provider.base_url)
    except ValueError:
        return None


def _connection_result(provider):
    """A plain-words answer for the page; the key is scrubbed in case a server echoed it back."""
    timeout = _test_timeout()
    try:
        text, ok = provider.check_connection(timeout=timeout), True
    except llm.LLMError as exc:
        text, ok = _explain(exc, provider, timeout), False
    if provider.api_key:
        text = text.replace(provider.api_key, "[hidden]")
    return {"ok": ok, "text": text}


def _explain(exc, provider, timeout):
    url = _resolved(provider)
    if url is None:
        return "No base URL: an OpenAI-compatible server needs one."
    text = EXPLANATIONS.get(exc.reason, EXPLANATIONS[llm.PROVIDER_ERROR])
    text = text.format(url=url, model=provider.default_model, timeout=timeout)
    if exc.reason == llm.PROVIDER_ERROR:
        text += f": {exc.detail}." if exc.detail else "."
    return text

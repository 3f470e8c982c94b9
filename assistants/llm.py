"""The one module that talks to LLM providers.

Every call goes through the official `openai` client, pointed at OpenAI or at any server that speaks
its protocol (vLLM, Ollama, LM Studio, a gateway). Failures come out as `LLMError` with a short
`reason` a user can act on; the provider's own message, if any, is in `detail`.

Keys and message contents are never logged: log lines name the provider, model, latency and tokens.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import openai

log = logging.getLogger(__name__)

# The two backends differ only in where they live and whether that has a default.
PROVIDER_KINDS = {
    "openai": {"label": "OpenAI", "default_base_url": "https://api.openai.com/v1"},
    "openai_compatible": {"label": "OpenAI-compatible server", "default_base_url": None},
}

WRONG_KEY = "wrong API key"
UNREACHABLE = "provider unreachable"
UNKNOWN_MODEL = "unknown model"
RATE_LIMITED = "rate limited"
PROVIDER_ERROR = "provider error"
TIMED_OUT = "timed out"


class LLMError(Exception):
    def __init__(self, reason, detail="", *, status=None):
        self.reason = reason
        self.detail = detail
        self.status = status
        super().__init__(f"{reason}: {detail}" if detail else reason)

    @property
    def retryable(self):
        """Worth trying again elsewhere: the provider is busy or down, not misconfigured."""
        if self.reason in (UNREACHABLE, TIMED_OUT, RATE_LIMITED):
            return True
        return self.reason == PROVIDER_ERROR and (self.status or 0) >= 500


@dataclass(frozen=True)
class ChatResult:
    text: str
    model: str
    usage: dict = field(default_factory=dict)  # prompt_tokens, completion_tokens, total_tokens
    latency: float = 0.0  # seconds, retries included
    provider: str = ""  # display name, set by chat_with_fallback


def resolve_base_url(kind, base_url=""):
    """The base URL to use for a provider of `kind`; blank means the kind's default."""
    if kind not in PROVIDER_KINDS:
        raise ValueError(f"unknown provider kind {kind!r}")
    url = (base_url or "").strip() or PROVIDER_KINDS[kind]["default_base_url"]
    if not url:
        raise ValueError(f"a base URL is required for {PROVIDER_KINDS[kind]['label']}")
    return url.rstrip("/")


def list_models(base_url, api_key, timeout=10):
    with _translated_errors():
        page = _client(base_url, api_key, timeout, max_retries=1).models.list()
        return sorted(m.id for m in page)


def test_connection(base_url, api_key, model, timeout=10):
    """One tiny chat completion; returns a one-line description, or raises LLMError."""
    result = chat(
        base_url,
        api_key,
        model,
        [{"role": "user", "content": "Reply with the single word OK."}],
        timeout=timeout,
        max_retries=0,  # someone is waiting on the settings page
    )
    return f"OK: {model} answered in {result.latency:.2f} s"


# pytest would otherwise collect this when a test module imports it by name.
test_connection.__test__ = False


def chat(
    base_url,
    api_key,
    model,
    messages,
    *,
    temperature=None,
    response_format=None,
    max_tokens=None,
    timeout=60,
    max_retries=2,
):
    """A chat completion. `response_format` is passed as OpenAI defines it, e.g.
    {"type": "json_object"} or {"type": "json_schema", "json_schema": {...}}."""
    options = {}
    if temperature is not None:
        options["temperature"] = temperature
    if response_format is not None:
        options["response_format"] = response_format
    if max_tokens is not None:
        options["max_completion_tokens"] = max_tokens

    started = time.monotonic()
    with _translated_errors():
        client = _client(base_url, api_key, timeout, max_retries)
        completion = client.chat.completions.create(model=model, messages=messages, **options)
    latency = time.monotonic() - started

    if not completion.choices:
        raise LLMError(PROVIDER_ERROR, "the provider returned no choices")
    usage = {}
    if completion.usage:
        usage = completion.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"})
    log.info(
        "chat completion model=%s latency=%.2fs tokens=%s", completion.model, latency, usage.get("total_tokens")
    )
    return ChatResult(
        text=completion.choices[0].message.content or "",
        model=completion.model or model,
        usage=usage,
        latency=latency,
    )


def chat_with_fallback(providers, messages, *, timeout=60, max_retries=1, **options):
    """`chat` with each provider in turn (objects with base_url, api_key, default_model,
    display_name and optionally kind), moving on only when one is busy or down. A wrong key or
    an unknown model is a settings problem and is raised at once rather than hidden."""
    failures = []
    last = None
    for provider in providers:
        try:
            base_url = resolve_base_url(getattr(provider, "kind", "openai") or "openai", provider.base_url)
        except ValueError:
            base_url = None
        if not base_url or not provider.default_model:
            # Half-configured providers are skipped so they cannot block the ones that work.
            log.warning("provider %s has no base URL or default model; skipped", provider.display_name)
            failures.append(f"{provider.display_name}: not configured")
            last = last or LLMError(PROVIDER_ERROR)
            continue
        try:
            result = chat(
                base_url,
                provider.api_key,
                provider.default_model,
                messages,
                timeout=timeout,
                max_retries=max_retries,
                **options,
            )
        except LLMError as exc:
            if not exc.retryable:
                raise
            log.warning("provider %s failed (%s); trying the next one", provider.display_name, exc.reason)
            failures.append(f"{provider.display_name}: {exc.reason}")
            last = exc
            continue
        return ChatResult(result.text, result.model, result.usage, result.latency, provider.display_name)

    if last is None:
        raise LLMError(PROVIDER_ERROR, "no AI provider is enabled")
    raise LLMError(last.reason, "every provider failed (" + "; ".join(failures) + ")", status=last.status)


def _client(base_url, api_key, timeout, max_retries):
    return openai.OpenAI(
        base_url=base_url,
        # Local servers often need no key, but the client refuses to start without one.
        api_key=api_key or "no-key",
        timeout=timeout,
        max_retries=max_retries,
    )


@contextmanager
def _translated_errors():
    """Turns the client's exceptions into LLMError; the provider's message survives as detail."""
    try:
        yield
    except openai.OpenAIError as exc:
        error = _llm_error(exc)
        # The client's 401 message quotes part of the key: don't chain it into tracebacks.
        raise error from (None if error.reason == WRONG_KEY else exc)


def _llm_error(exc):
    if isinstance(exc, openai.APITimeoutError):
        return LLMError(TIMED_OUT)
    if isinstance(exc, openai.APIConnectionError):
        return LLMError(UNREACHABLE, _root_cause(exc))
    if not isinstance(exc, openai.APIStatusError):
        return LLMError(PROVIDER_ERROR, str(exc)[:200])

    status = exc.status_code
    message = _provider_message(exc)
    if status == 401:
        return LLMError(WRONG_KEY, status=status)
    if status == 404:
        if "model" in (exc.code or "") or "model" in message.lower():
            return LLMError(UNKNOWN_MODEL, message, status=status)
        return LLMError(PROVIDER_ERROR, "not found; does the base URL end in /v1?", status=status)
    if status == 429:
        return LLMError(RATE_LIMITED, message, status=status)
    return LLMError(PROVIDER_ERROR, f"HTTP {status}: {message}" if message else f"HTTP {status}", status=status)


def _provider_message(exc):
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:300]
    return ""


def _root_cause(exc):
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return type(exc).__name__

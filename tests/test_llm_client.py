"""assistants.llm against the local OpenAI-compatible server, through the real openai client."""

import json
import socket
from types import SimpleNamespace

import pytest

from assistants import llm
from assistants.sandbox import DROP, LLMServer

HELLO = [{"role": "user", "content": "Subject: Invoice 42\n\nIs it paid?"}]


def provider(server, name, api_key=None):
    return SimpleNamespace(
        display_name=name,
        kind="openai_compatible",
        base_url=server.base_url,
        api_key=server.api_key if api_key is None else api_key,
        default_model="gpt-4o-mini",
    )


def test_it_lists_models(llm_server):
    assert llm.list_models(llm_server.base_url, llm_server.api_key) == sorted(llm_server.models)


def test_it_reports_a_working_connection(llm_server):
    summary = llm.test_connection(llm_server.base_url, llm_server.api_key, "gpt-4o-mini")

    assert summary.startswith("OK: gpt-4o-mini answered in ")
    assert summary.endswith(" s")


def test_it_returns_the_reply_with_usage(llm_server):
    result = llm.chat(llm_server.base_url, llm_server.api_key, "gpt-4o-mini", HELLO)

    assert result.text.startswith("Thank you for your message about Invoice 42.")
    assert result.model == "gpt-4o-mini"
    assert result.usage["total_tokens"] == result.usage["prompt_tokens"] + result.usage["completion_tokens"] > 0
    assert result.latency > 0


def test_it_names_a_wrong_api_key(llm_server):
    with pytest.raises(llm.LLMError) as info:
        llm.list_models(llm_server.base_url, "sk-not-the-key")

    assert info.value.reason == "wrong API key"
    assert not info.value.retryable
    assert len(llm_server.requests) == 1  # a 401 is not retried


def test_it_names_an_unknown_model(llm_server):
    with pytest.raises(llm.LLMError) as info:
        llm.test_connection(llm_server.base_url, llm_server.api_key, "gpt-9-imaginary")

    assert info.value.reason == "unknown model"
    assert "gpt-9-imaginary" in info.value.detail


def test_it_retries_a_rate_limit_and_succeeds(llm_server):
    llm_server.fail_next(429)

    result = llm.chat(llm_server.base_url, llm_server.api_key, "gpt-4o-mini", HELLO, max_retries=2)

    assert result.text
    assert [r.status for r in llm_server.requests] == [429, 200]


def test_it_reports_a_rate_limit_once_retries_run_out(llm_server):
    llm_server.fail_next(429, count=5)

    with pytest.raises(llm.LLMError) as info:
        llm.chat(llm_server.base_url, llm_server.api_key, "gpt-4o-mini", HELLO, max_retries=1)

    assert info.value.reason == "rate limited"
    assert len(llm_server.requests) == 2


def test_it_bounds_retries_on_a_server_error(llm_server):
    llm_server.fail_next(500, count=5)

    with pytest.raises(llm.LLMError) as info:
        llm.chat(llm_server.base_url, llm_server.api_key, "gpt-4o-mini", HELLO, max_retries=2)

    assert info.value.reason == "provider error"
    assert info.value.status == 500
    assert info.value.retryable
    assert len(llm_server.requests) == 3


def test_it_times_out_on_a_slow_reply(llm_server):
    llm_server.set_delay(2)

    with pytest.raises(llm.LLMError) as info:
        llm.chat(llm_server.base_url, llm_server.api_key, "gpt-4o-mini", HELLO, timeout=0.2, max_retries=0)

    assert info.value.reason == "timed out"


def test_it_reports_an_unreachable_provider():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there

    with pytest.raises(llm.LLMError) as info:
        llm.test_connection(f"http://127.0.0.1:{port}/v1", "sk-anything", "gpt-4o-mini", timeout=2)

    assert info.value.reason == "provider unreachable"


def test_it_reports_a_dropped_connection_as_unreachable(llm_server):
    llm_server.fail_next(DROP)

    with pytest.raises(llm.LLMError) as info:
        llm.test_connection(llm_server.base_url, llm_server.api_key, "gpt-4o-mini")

    assert info.value.reason == "provider unreachable"


def test_it_round_trips_a_json_response_format(llm_server):
    triage = {"category": "invoice", "needs_reply": True, "confidence": 0.9}
    llm_server.queue_reply(triage)

    result = llm.chat(
        llm_server.base_url, llm_server.api_key, "gpt-4o-mini", HELLO, response_format={"type": "json_object"}
    )

    assert json.loads(result.text) == triage
    assert llm_server.requests[0].body["response_format"] == {"type": "json_object"}


def test_it_sends_the_model_messages_and_key_but_the_record_keeps_no_key(llm_server):
    llm.chat(llm_server.base_url, llm_server.api_key, "gpt-4o", HELLO, temperature=0.2)

    sent = llm_server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.body["model"] == "gpt-4o"
    assert sent.body["messages"] == HELLO
    assert sent.body["temperature"] == 0.2
    assert sent.headers["authorization"].startswith("Bearer ")
    assert llm_server.api_key not in repr(llm_server.requests)


def test_it_falls_back_to_the_next_provider_on_a_server_error(llm_server):
    llm_server.fail_next(500, count=5)
    with LLMServer() as backup:
        result = llm.chat_with_fallback(
            [provider(llm_server, "Primary"), provider(backup, "Backup")], HELLO, max_retries=1
        )

        assert result.provider == "Backup"
        assert result.text.startswith("Thank you")
        assert len(llm_server.requests) == 2
        assert len(backup.requests) == 1


def test_it_does_not_fall_back_on_a_wrong_key(llm_server):
    with LLMServer() as backup:
        with pytest.raises(llm.LLMError) as info:
            llm.chat_with_fallback(
                [provider(llm_server, "Primary", api_key="sk-revoked"), provider(backup, "Backup")], HELLO
            )

        assert info.value.reason == "wrong API key"
        assert backup.requests == []


def test_it_reports_every_provider_when_all_fail(llm_server):
    llm_server.fail_next(503, count=10)

    with pytest.raises(llm.LLMError) as info:
        llm.chat_with_fallback(
            [provider(llm_server, "First"), provider(llm_server, "Second")], HELLO, max_retries=0
        )

    assert info.value.reason == "provider error"
    assert "First: provider error" in info.value.detail
    assert "Second: provider error" in info.value.detail


def test_it_defaults_the_base_url_only_for_openai():
    assert llm.resolve_base_url("openai", "") == "https://api.openai.com/v1"
    assert llm.resolve_base_url("openai_compatible", "http://gpu-box:8000/v1/") == "http://gpu-box:8000/v1"
    with pytest.raises(ValueError):
        llm.resolve_base_url("openai_compatible", "")


def test_it_skips_a_provider_without_a_model(llm_server):
    half_done = provider(llm_server, "Half done")
    half_done.default_model = ""

    result = llm.chat_with_fallback([half_done, provider(llm_server, "Working")], HELLO)

    assert result.provider == "Working"
    assert len(llm_server.requests) == 1

"""The sandbox speaks OpenAI's wire protocol: checked through the openai client and on the raw wire."""

import json
import urllib.error
import urllib.request

import openai
import pytest

from assistants.sandbox import LLMServer


def client(server, **kwargs):
    return openai.OpenAI(base_url=server.base_url, api_key=server.api_key, max_retries=0, **kwargs)


def raw(server, method, path, body=None, key=None):
    request = urllib.request.Request(
        server.base_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key or server.api_key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_it_streams_chat_chunks_ending_with_done(llm_server):
    status, headers, text = raw(
        llm_server,
        "POST",
        "/chat/completions",
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}], "stream": True},
    )

    assert status == 200
    assert headers["Content-Type"].startswith("text/event-stream")
    assert text.rstrip().endswith("data: [DONE]")
    chunks = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: {")]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_it_streams_through_the_client_with_usage(llm_server):
    llm_server.queue_reply("Scripted answer, word by word.")

    stream = client(llm_server).chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Scripted answer, word by word."
    assert chunks[-1].usage.completion_tokens > 0


def test_it_answers_the_responses_api_from_a_string_or_items(llm_server):
    api = client(llm_server).responses

    plain = api.create(model="gpt-4o", input="Subject: Board meeting", instructions="Be brief.")
    items = api.create(
        model="gpt-4o",
        input=[{"role": "user", "content": [{"type": "input_text", "text": "Subject: Lunch on Friday"}]}],
    )

    assert plain.output_text.startswith("Thank you for your message about Board meeting.")
    assert items.output_text.startswith("Thank you for your message about Lunch on Friday.")
    assert plain.output[0].content[0].type == "output_text"
    assert plain.usage.total_tokens == plain.usage.input_tokens + plain.usage.output_tokens
    assert llm_server.requests[0].body["instructions"] == "Be brief."


def test_it_streams_the_responses_api(llm_server):
    llm_server.queue_reply("Streamed via responses.")

    with client(llm_server).responses.stream(model="gpt-4o", input="hi") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()

    assert "".join(deltas) == final.output_text == "Streamed via responses."


def test_it_fills_a_json_schema_when_nothing_is_queued(llm_server):
    schema = {
        "type": "object",
        "properties": {"category": {"type": "string", "enum": ["invoice", "other"]}, "urgent": {"type": "boolean"}},
    }

    completion = client(llm_server).chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "triage this"}],
        response_format={"type": "json_schema", "json_schema": {"name": "triage", "schema": schema}},
    )

    assert json.loads(completion.choices[0].message.content) == {"category": "invoice", "urgent": False}


def test_it_cuts_a_reply_at_max_tokens(llm_server):
    completion = client(llm_server).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}], max_completion_tokens=3
    )

    assert completion.choices[0].finish_reason == "length"
    assert len(completion.choices[0].message.content) == 12


def test_it_answers_openai_error_bodies(llm_server):
    status, _, text = raw(llm_server, "GET", "/models", key="sk-wrong")
    assert status == 401
    assert json.loads(text)["error"]["code"] == "invalid_api_key"

    status, _, text = raw(llm_server, "GET", "/models/gpt-9")
    assert status == 404
    assert json.loads(text)["error"] == {
        "message": "The model `gpt-9` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }


def test_it_sends_retry_after_headers_with_a_rate_limit(llm_server):
    llm_server.fail_next(429, retry_after=2)

    status, headers, text = raw(llm_server, "GET", "/models")

    assert status == 429
    assert (headers["retry-after"], headers["retry-after-ms"]) == ("2", "2000")
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert json.loads(text)["error"]["code"] == "rate_limit_exceeded"


def test_it_fails_the_same_requests_for_the_same_seed():
    def statuses(seed):
        with LLMServer() as server:
            server.fail_randomly(0.5, 503, seed=seed)
            return [raw(server, "GET", "/models")[0] for _ in range(12)]

    first = statuses(7)
    assert first == statuses(7)
    assert set(first) == {200, 503}


def test_it_rejects_a_missing_key(llm_server):
    request = urllib.request.Request(llm_server.base_url + "/models")

    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)

    assert info.value.code == 401

"""A local stand-in for the OpenAI API, for tests and for running the app without a provider.

It speaks the real wire protocol under /v1 (models, chat completions, responses), so the product is
exercised through the official `openai` client exactly as in production. Answers are deterministic:
a canned reply derived from the last user message, unless a test queued the next reply itself.

    server = LLMServer().start()
    server.queue_reply({"category": "invoice"})
    server.fail_next(429)
    ...
    server.stop()

Every request is recorded in `server.requests` with the API key redacted, so tests can assert what
the product sent without the handle ever holding a copy of a secret it received.
"""

import json
import math
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_API_KEY = "sk-sandbox-0000"
DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini")
DROP = "drop"

ERRORS = {
    401: (
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    429: (
        "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. "
        "Please try again in 1s.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: (
        "The engine is currently overloaded, please try again later.",
        "server_error",
        None,
    ),
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict  # lower-case names; authorization redacted
    body: dict | None
    status: int | None = None  # what the sandbox answered; None for a dropped connection

    @property
    def messages(self):
        return (self.body or {}).get("messages", [])


@dataclass
class _Fault:
    status: int | str  # an HTTP status, or DROP
    retry_after: float = 0.05


@dataclass
class LLMServer:
    """The handle: start it, script it, read what it received."""

    api_key: str = DEFAULT_API_KEY
    models: list = field(default_factory=lambda: list(DEFAULT_MODELS))
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self):
        self.requests: list[RecordedRequest] = []
        self._replies: list = []
        self._faults: list[_Fault] = []
        self._fault_rate = 0.0
        self._fault_rate_status: int | str = 503
        self._rng = random.Random(0)
        self._delay = 0.0
        self._delay_count: int | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None
        self._ids = 0

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self):
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"llm-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()  # wakes handlers sleeping in a scripted delay
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=2)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}/v1"

    # -- scripting ---------------------------------------------------------------------------

    def queue_reply(self, reply):
        """The next completion answers with `reply`: a string, or a dict/list sent as JSON text."""
        if not isinstance(reply, str):
            reply = json.dumps(reply)
        with self._lock:
            self._replies.append(reply)

    def fail_next(self, status, count=1, *, retry_after=0.05):
        """The next `count` requests fail with `status` (401, 429, 500, 503, ...) or DROP the
        connection. For 429 and 5xx, `retry_after` seconds go out as retry-after-ms / retry-after,
        like OpenAI sends them; the openai client honours them, so keep them small in tests."""
        with self._lock:
            self._faults.extend(_Fault(status, retry_after) for _ in range(count))

    def fail_randomly(self, rate, status=503, *, seed=0):
        """Fail a fraction `rate` of requests from here on, chosen by a seeded RNG."""
        with self._lock:
            self._fault_rate = rate
            self._fault_rate_status = status
            self._rng = random.Random(seed)

    def set_delay(self, seconds, count=None):
        """Wait `seconds` before answering: the next `count` requests, or all of them."""
        with self._lock:
            self._delay = seconds
            self._delay_count = count

    def reset(self):
        with self._lock:
            self.requests.clear()
            self._replies.clear()
            self._faults.clear()
            self._fault_rate = 0.0
            self._delay = 0.0
            self._delay_count = None

    # -- used by the handler -----------------------------------------------------------------

    def _next_id(self):
        with self._lock:
            self._ids += 1
            return self._ids

    def _take_delay(self):
        with self._lock:
            if not self._delay:
                return 0.0
            delay = self._delay
            if self._delay_count is not None:
                self._delay_count -= 1
                if self._delay_count <= 0:
                    self._delay, self._delay_count = 0.0, None
            return delay

    def _take_fault(self):
        with self._lock:
            if self._faults:
                return self._faults.pop(0)
            if self._fault_rate and self._rng.random() < self._fault_rate:
                return _Fault(self._fault_rate_status)
            return None

    def _take_reply(self):
        with self._lock:
            return self._replies.pop(0) if self._replies else None


class _Handler(BaseHTTPRequestHandler):
    sandbox: LLMServer
    server_version = "llm-sandbox"
    # HTTP/1.0: one request per connection, so a stopped sandbox leaves no idle keep-alive threads.
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _handle(self):
        sb = self.sandbox
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "authorization" in headers:
            headers["authorization"] = "Bearer [redacted]"
        record = RecordedRequest(self.command, self.path.split("?")[0], headers, body)
        with sb._lock:
            sb.requests.append(record)
        self._record = record

        delay = sb._take_delay()
        if delay and sb._stopping.wait(delay):
            return
        fault = sb._take_fault()
        if fault and fault.status == DROP:
            self._drop()
            return
        if fault:
            self._error(fault.status, *ERRORS.get(fault.status, ERRORS[500]), retry_after=fault.retry_after)
            return

        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[len("Bearer ") :].strip():
            self._error(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "invalid_request_error",
                None,
            )
            return
        if auth[len("Bearer ") :].strip() != sb.api_key:
            self._error(401, *ERRORS[401])
            return

        path = record.path
        if self.command == "GET" and path == "/v1/models":
            self._json(200, {"object": "list", "data": [_model(m) for m in sb.models]})
        elif self.command == "GET" and path.startswith("/v1/models/"):
            model_id = path[len("/v1/models/") :]
            if model_id in sb.models:
                self._json(200, _model(model_id))
            else:
                self._model_not_found(model_id)
        elif self.command == "POST" and path == "/v1/chat/completions":
            self._chat_completions(body)
        elif self.command == "POST" and path == "/v1/responses":
            self._responses(body)
        else:
            self._error(404, f"Invalid URL ({self.command} {path})", "invalid_request_error", None)

    # -- endpoints ---------------------------------------------------------------------------

    def _chat_completions(self, body):
        if not self._valid(body, "messages"):
            return
        messages = body["messages"]
        prompt = "\n".join(_text(m.get("content")) for m in messages if isinstance(m, dict))
        last_user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        fmt = body.get("response_format") or {}
        text = self._reply_text(_text(last_user.get("content")), fmt)
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        text, finish = _truncate(text, limit)
        usage = _usage(prompt, text)
        ident = f"chatcmpl-sandbox{self.sandbox._next_id():06d}"
        created = int(time.time())
        model = body["model"]

        if not body.get("stream"):
            self._json(
                200,
                {
                    "id": ident,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "system_fingerprint": "fp_sandbox",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text, "refusal": None},
                            "logprobs": None,
                            "finish_reason": finish,
                        }
                    ],
                    "usage": usage,
                },
            )
            return

        def chunk(delta, finish_reason=None, **extra):
            choices = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
            return {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_sandbox",
                "choices": choices,
                **extra,
            }

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        events += [chunk({"content": piece}) for piece in _pieces(text)]
        events.append(chunk({}, finish))
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append({**chunk({}), "choices": [], "usage": usage})
        self._sse((None, e) for e in events)

    def _responses(self, body):
        if not self._valid(body, "input"):
            return
        items = body["input"]
        if isinstance(items, str):
            items = [{"role": "user", "content": items}]
        prompt = "\n".join([body.get("instructions") or ""] + [_text(i.get("content")) for i in items])
        last_user = next((i for i in reversed(items) if i.get("role") == "user"), {})
        fmt = (body.get("text") or {}).get("format") or {}
        if fmt.get("type") == "json_schema":  # Responses puts the schema inline, not under json_schema
            fmt = {"type": "json_schema", "json_schema": fmt}
        text = self._reply_text(_text(last_user.get("content")), fmt)
        text, finish = _truncate(text, body.get("max_output_tokens"))
        n = self.sandbox._next_id()
        chat_usage = _usage(prompt, text)
        message = {
            "type": "message",
            "id": f"msg_sandbox{n:06d}",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
        }
        response = {
            "id": f"resp_sandbox{n:06d}",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed" if finish == "stop" else "incomplete",
            "incomplete_details": None if finish == "stop" else {"reason": "max_output_tokens"},
            "error": None,
            "model": body["model"],
            "instructions": body.get("instructions"),
            "output": [message],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "max_output_tokens": body.get("max_output_tokens"),
            "previous_response_id": body.get("previous_response_id"),
            "text": {"format": (body.get("text") or {}).get("format") or {"type": "text"}},
            "metadata": body.get("metadata") or {},
            "usage": {
                "input_tokens": chat_usage["prompt_tokens"],
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": chat_usage["completion_tokens"],
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": chat_usage["total_tokens"],
            },
        }
        if not body.get("stream"):
            self._json(200, response)
            return

        in_progress = {**response, "status": "in_progress", "output": [], "usage": None}
        part = {"type": "output_text", "text": "", "annotations": []}
        ids = {"item_id": message["id"], "output_index": 0, "content_index": 0}
        events = [
            ("response.created", {"response": in_progress}),
            ("response.in_progress", {"response": in_progress}),
            (
                "response.output_item.added",
                {"output_index": 0, "item": {**message, "status": "in_progress", "content": []}},
            ),
            ("response.content_part.added", {**ids, "part": part}),
        ]
        events += [("response.output_text.delta", {**ids, "delta": p, "logprobs": []}) for p in _pieces(text)]
        events += [
            ("response.output_text.done", {**ids, "text": text, "logprobs": []}),
            ("response.content_part.done", {**ids, "part": message["content"][0]}),
            ("response.output_item.done", {"output_index": 0, "item": message}),
            ("response.completed", {"response": response}),
        ]
        self._sse(
            (name, {"type": name, "sequence_number": seq, **data}) for seq, (name, data) in enumerate(events)
        )

    def _reply_text(self, last_user_text, fmt):
        queued = self.sandbox._take_reply()
        if queued is not None:
            return queued
        canned = canned_reply(last_user_text)
        if fmt.get("type") == "json_object":
            return json.dumps({"reply": canned})
        if fmt.get("type") == "json_schema":
            schema = (fmt.get("json_schema") or {}).get("schema") or {}
            return json.dumps(_example(schema, canned))
        return canned

    def _valid(self, body, required):
        if body is None:
            self._error(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                "using your HTTP library correctly.)",
                "invalid_request_error",
                None,
            )
            return False
        for name in ("model", required):
            if not body.get(name):
                self._error(
                    400,
                    f"Missing required parameter: '{name}'.",
                    "invalid_request_error",
                    "missing_required_parameter",
                    param=name,
                )
                return False
        if body["model"] not in self.sandbox.models:
            self._model_not_found(body["model"])
            return False
        temperature = body.get("temperature")
        if temperature is not None and not (0 <= temperature <= 2):
            self._error(
                400,
                f"Invalid 'temperature': expected a value between 0 and 2, but got {temperature} instead.",
                "invalid_request_error",
                "decimal_above_max_value" if temperature > 2 else "decimal_below_min_value",
                param="temperature",
            )
            return False
        return True

    # -- wire helpers ------------------------------------------------------------------------

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def _common_headers(self):
        self.send_header("x-request-id", f"req_sandbox{self.sandbox._next_id():06d}")
        self.send_header("openai-processing-ms", "1")
        self.send_header("openai-version", "2020-10-01")

    def _json(self, status, payload, extra_headers=()):
        self._record.status = status
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self._common_headers()
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events):
        self._record.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self._common_headers()
        self.end_headers()
        for name, data in events:
            prefix = f"event: {name}\n" if name else ""
            self.wfile.write(f"{prefix}data: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()
        # Chat streams end with [DONE]; Responses streams end with the response.completed event.
        if self._record.path.endswith("/chat/completions"):
            self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _error(self, status, message, type_, code, *, param=None, retry_after=None):
        headers = []
        if status == 429 or status >= 500:
            wait = retry_after if retry_after is not None else 0.05
            headers += [
                ("retry-after-ms", str(int(wait * 1000))),
                ("retry-after", str(max(1, math.ceil(wait)))),
            ]
        if status == 429:
            headers += [
                ("x-ratelimit-limit-requests", "3"),
                ("x-ratelimit-remaining-requests", "0"),
                ("x-ratelimit-reset-requests", f"{retry_after or 1}s"),
            ]
        error = {"message": message, "type": type_, "param": param, "code": code}
        self._json(status, {"error": error}, headers)

    def _model_not_found(self, model_id):
        self._error(
            404,
            f"The model `{model_id}` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        )

    def _drop(self):
        self._record.status = None
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True


# -- deterministic content ---------------------------------------------------------------------


def canned_reply(user_text):
    """The reply the sandbox gives when nothing is queued: stable for a given message."""
    match = re.search(r"^\s*subject:\s*(.+)$", user_text or "", re.IGNORECASE | re.MULTILINE)
    words = (match.group(1) if match else user_text or "").split()
    subject = " ".join(words[:8]).rstrip(".,;:!?") or "your request"
    return f"Thank you for your message about {subject}. I will look into it and get back to you shortly."


def _model(model_id):
    return {"id": model_id, "object": "model", "created": 1700000000, "owned_by": "sandbox"}


def _text(content):
    """Text of a message content: a string, or a list of parts like {"type": "text", "text": ...}."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _tokens(text):
    # OpenAI's rule of thumb: about four characters per token.
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _usage(prompt, completion):
    p, c = _tokens(prompt), _tokens(completion)
    return {
        "prompt_tokens": p,
        "completion_tokens": c,
        "total_tokens": p + c,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def _truncate(text, max_tokens):
    if max_tokens and _tokens(text) > max_tokens:
        return text[: max_tokens * 4], "length"
    return text, "stop"


def _pieces(text):
    return re.findall(r"\S+\s*|\s+", text)


def _example(schema, text):
    """A minimal instance of a JSON schema, so json_schema requests get parseable answers."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {name: _example(sub, text) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return []
    if kind in ("number", "integer"):
        return 0
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return text

"""The sandbox itself: state behind one lock, the HTTP server in a thread, Gmail's pipeline per call
(auth, injected faults, quota, handler), the batch endpoint, and the /_sandbox control API."""

import collections
import email
import email.policy
import email.utils
import json
import logging
import math
import random
import secrets
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import api, loading
from .mailbox import Mailbox, MailboxError
from .oauth import OAuthGrants, json_response
from .push import PushWorker, oidc_claims, push_body, shared_signing_key

logger = logging.getLogger(__name__)

DROP = object()  # a response meaning: close the socket without answering
STATUS_TEXT = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
DEFAULT_SCOPES = ("https://www.googleapis.com/auth/gmail.modify", "https://www.googleapis.com/auth/gmail.send")
MAX_BATCH_PARTS = 100
FAULT_NAMES = ("rate_429", "user_rate_403", "backend_500", "unavailable_503", "drop", "latency", "latency_jitter")


class Request:
    def __init__(self, method, target, headers, body=b""):
        self.method = method
        parsed = urllib.parse.urlsplit(target)
        self.path = parsed.path
        self.query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.upload = False
        self.route = {}
        self.scopes = set()

    def param(self, name):
        values = self.query.get(name)
        return values[0] if values else None

    def params(self, name):
        return [value for value in self.query.get(name, []) if value]

    def json(self):
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except ValueError:
            raise MailboxError(400, "parseError", "Invalid JSON payload received.")
        if not isinstance(data, dict):
            raise MailboxError(400, "invalidArgument", "Invalid JSON payload received.")
        return data

    def form(self):
        form = {key: values[0] for key, values in self.query.items()}
        form.update({key: values[0] for key, values in urllib.parse.parse_qs(self.body.decode()).items()})
        return form


def error_response(status, message, reason, domain="global", headers=None):
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": STATUS_TEXT.get(status, "UNKNOWN"),
        }
    }
    return json_response(status, body, headers)


class GmailSandbox:
    """A running Gmail stand-in. Every operation tests need is a method here; the HTTP control API calls the same."""

    def __init__(
        self,
        address="me@example.com",
        *,
        host="127.0.0.1",
        port=0,
        client_id="sandbox-client-id",
        client_secret="sandbox-client-secret",
        push_endpoint=None,
        push_audience=None,
        push_service_account="gmail-push@sandbox.iam.gserviceaccount.com",
        time_scale=1.0,
        quota_per_minute=6000,
        batch_limit=50,
        token_lifetime=3600,
        attachment_threshold=64 * 1024,
        seed=0,
        faults=None,
    ):
        self.lock = threading.RLock()
        self.address = address
        self.host = host
        self.port = port
        self.push_endpoint = push_endpoint
        self.push_audience = push_audience
        self.push_service_account = push_service_account
        self.time_scale = time_scale
        self.quota_per_minute = quota_per_minute
        self.batch_limit = batch_limit
        self.attachment_threshold = attachment_threshold
        self.oauth = OAuthGrants(
            client_id=client_id, client_secret=client_secret, user_address=address, token_lifetime=token_lifetime
        )
        self.signing_key = shared_signing_key()
        self.mailboxes = {}
        self.watches = {}
        self.sent = []
        self.quota_log = collections.defaultdict(collections.deque)  # address -> (monotonic time, units)
        self.faults = {name: 0.0 for name in FAULT_NAMES}
        self.random = random.Random(seed)
        self.stats_counters = collections.Counter()
        self.units = collections.Counter()
        self.push_messages = 0
        self.push_worker = None
        self.httpd = None
        self.thread = None
        self.add_mailbox(address)
        if faults:
            self.set_faults(seed=seed, **faults)

    # ----- life cycle -----

    def start(self):
        self.httpd = ThreadingHTTPServer((self.host, self.port), SandboxRequestHandler)
        self.httpd.daemon_threads = True
        self.httpd.sandbox = self
        self.port = self.httpd.server_address[1]
        self.push_worker = PushWorker(self._push_result)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="gmail-sandbox", daemon=True
        )
        self.thread.start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.push_worker.stop()
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host = self.host if self.host not in ("0.0.0.0", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    def settings_overrides(self):
        return {
            "GMAIL_API_ROOT_URL": self.url + "/",
            "GOOGLE_OAUTH_AUTHORIZE_URL": self.url + "/o/oauth2/auth",
            "GOOGLE_OAUTH_TOKEN_URL": self.url + "/token",
            "GOOGLE_OAUTH_REVOKE_URL": self.url + "/revoke",
            "GOOGLE_CERTS_URL": self.url + "/oauth2/v1/certs",
            "GMAIL_PUSH_AUDIENCE": self.push_audience or self.url + "/push",
            "GMAIL_PUSH_SERVICE_ACCOUNT": self.push_service_account,
            "GOOGLE_CLIENT_ID": self.oauth.client_id,
            "GOOGLE_CLIENT_SECRET": self.oauth.client_secret,
        }

    # ----- mailboxes and mail -----

    def add_mailbox(self, address):
        with self.lock:
            key = address.lower()
            if key not in self.mailboxes:
                self.mailboxes[key] = Mailbox(address, self.lock, self._mailbox_changed)
            return self.mailboxes[key]

    def mailbox(self, address=None):
        with self.lock:
            return self.mailboxes[(address or self.address).lower()]

    def load(self, source, address=None):
        """Load an mbox file, .eml file or folder, or a list of (raw, labels) pairs. Returns the count."""
        mailbox = self.add_mailbox(address or self.address)
        if isinstance(source, (list, tuple)):
            return loading.load_pairs(mailbox, source)
        return loading.load_path(mailbox, source)

    def load_samples(self, address=None):
        from .samples import sample_messages

        return self.load(sample_messages(address or self.address), address)

    def load_demo(self, address=None, count=200, seed=1):
        return loading.load_demo(self.add_mailbox(address or self.address), count, seed)

    def add_message(self, raw, labels=("INBOX", "UNREAD"), address=None, internal_date=None):
        """New mail arriving: returns the minimal message resource."""
        if isinstance(raw, str):
            raw = raw.encode()
        mailbox = self.add_mailbox(address or self.address)
        with self.lock:
            labels = [loading.resolve_label(mailbox, label) for label in labels]
            return mailbox.add_message(raw, labels, internal_date=internal_date).resource("minimal")

    def simulate_arrival(self, address=None):
        """A new inbound sample message dated now, with a fresh Message-ID (for the browser demo)."""
        from .samples import sample_messages

        inbound = [raw for raw, labels in sample_messages(address or self.address) if "INBOX" in labels]
        with self.lock:
            self.stats_counters["simulated_arrivals"] += 1
            number = self.stats_counters["simulated_arrivals"]
        raw = inbound[number % len(inbound)]
        head, _, body = raw.partition(b"\n\n")
        lines = [line for line in head.split(b"\n") if not line.lower().startswith((b"message-id:", b"date:"))]
        lines += [
            f"Date: {email.utils.formatdate()}".encode(),
            f"Message-ID: <arrival-{number}-{secrets.token_hex(4)}@sandbox.example>".encode(),
        ]
        return self.add_message(b"\n".join(lines) + b"\n\n" + body, ["INBOX", "UNREAD"], address)

    def delete_message(self, message_id, address=None):
        self.mailbox(address).delete_message(message_id)

    def modify_labels(self, message_id, add=(), remove=(), address=None):
        mailbox = self.mailbox(address)
        with self.lock:
            add = [loading.resolve_label(mailbox, label) for label in add]
            remove = [loading.resolve_label(mailbox, label) for label in remove]
            return mailbox.modify_labels(message_id, add, remove).resource("minimal")

    def expire_history(self, address=None):
        mailboxes = [self.mailbox(address)] if address else list(self.mailboxes.values())
        for mailbox in mailboxes:
            mailbox.expire_history()

    # ----- tokens -----

    def issue_tokens(self, address=None, scopes=DEFAULT_SCOPES):
        """A fresh grant without the consent dance: {access_token, refresh_token, expires_in, scope, token_type}."""
        with self.lock:
            self.add_mailbox(address or self.address)
            return self.oauth.issue(address or self.address, scopes)

    def credentials(self, address=None, scopes=DEFAULT_SCOPES):
        """google.oauth2.credentials.Credentials for a fresh grant, refreshing against this sandbox."""
        import datetime

        from google.oauth2.credentials import Credentials

        tokens = self.issue_tokens(address, scopes)
        return Credentials(
            token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            token_uri=self.url + "/token",
            client_id=self.oauth.client_id,
            client_secret=self.oauth.client_secret,
            scopes=list(scopes),
            # google-auth compares expiry with naive UTC datetimes.
            expiry=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            + datetime.timedelta(seconds=tokens["expires_in"]),
        )

    def discovery_document(self):
        """gmail.v1.json from google-api-python-client, pointed at this sandbox."""
        import importlib.resources

        path = importlib.resources.files("googleapiclient") / "discovery_cache/documents/gmail.v1.json"
        document = json.loads(path.read_text())
        document["rootUrl"] = self.url + "/"
        document["baseUrl"] = self.url + "/"
        document["mtlsRootUrl"] = self.url + "/"
        return document

    def build_service(self, credentials=None):
        from googleapiclient.discovery import build_from_document

        return build_from_document(self.discovery_document(), credentials=credentials or self.credentials())

    def revoke_refresh_tokens(self):
        with self.lock:
            self.oauth.revoke_all()

    def expire_access_tokens(self):
        with self.lock:
            self.oauth.expire_access_tokens()

    # ----- knobs -----

    def configure(self, **knobs):
        """Change run-time knobs: quota_per_minute, time_scale, batch_limit, push_endpoint, push_audience,
        token_lifetime, deny_consent, attachment_threshold."""
        with self.lock:
            for name, value in knobs.items():
                if name == "token_lifetime":
                    self.oauth.token_lifetime = value
                elif name == "deny_consent":
                    self.oauth.deny_consent = bool(value)
                elif name in ("quota_per_minute", "time_scale", "batch_limit", "push_endpoint", "push_audience",
                              "attachment_threshold"):
                    setattr(self, name, value)
                else:
                    raise ValueError(f"Unknown knob: {name}")

    def set_faults(self, seed=None, **faults):
        """Probabilities (0..1) rate_429, user_rate_403, backend_500, unavailable_503, drop; latency and
        latency_jitter in seconds. Unnamed faults go back to 0. A seed makes the draws reproducible."""
        unknown = set(faults) - set(FAULT_NAMES)
        if unknown:
            raise ValueError(f"Unknown faults: {sorted(unknown)}")
        with self.lock:
            self.faults = {name: float(faults.get(name, 0.0)) for name in FAULT_NAMES}
            if seed is not None:
                self.random = random.Random(seed)

    def clear_faults(self):
        self.set_faults()

    def reset_quota(self):
        with self.lock:
            self.quota_log.clear()

    def stats(self):
        with self.lock:
            return {
                **dict(self.stats_counters),
                "units_total": sum(self.units.values()),
                "units": dict(self.units),
                "quota_window_units": {address: sum(u for _, u in log) for address, log in self.quota_log.items()},
                "mailboxes": {
                    address: {"messages": len(box.messages), "historyId": str(box.history_id)}
                    for address, box in self.mailboxes.items()
                },
                "watches": {address: dict(watch) for address, watch in self.watches.items()},
            }

    # ----- push -----

    def mint_push_token(self, signing_key=None, **claims):
        """An OIDC token like Pub/Sub's; override any claim, or sign with another key (push.new_signing_key())."""
        base = oidc_claims(
            audience=self.push_audience or self.url + "/push", service_account=self.push_service_account
        )
        return (signing_key or self.signing_key).sign_jwt({**base, **claims})

    def certificates(self):
        return {self.signing_key.kid: self.signing_key.certificate_pem}

    def wait_for_pushes(self, timeout=5):
        return self.push_worker.wait_idle(timeout)

    def _mailbox_changed(self, mailbox, record):
        watch = self.watches.get(mailbox.address.lower()) or self.watches.get(mailbox.address)
        if not watch or not self.push_endpoint or watch["expiration"] < time.time() * 1000:
            return
        if watch["labelIds"]:
            touched = set(record["_labels"])
            for key in ("labelsAdded", "labelsRemoved"):
                for change in record.get(key, []):
                    touched |= set(change["labelIds"])
            hit = bool(touched & set(watch["labelIds"]))
            if hit != (watch["labelFilterBehavior"] == "include"):
                return
        self.push_messages += 1
        body = push_body(mailbox.address, int(record["id"]), 1000000 + self.push_messages)
        self.push_worker.send(self.push_endpoint, self.mint_push_token(), body)

    def _push_result(self, endpoint, status):
        with self.lock:
            self.stats_counters["push_delivered" if status and 200 <= status < 300 else "push_failed"] += 1

    # ----- request handling -----

    def handle(self, request):
        """(status, headers, body) or DROP for any request the HTTP server receives."""
        path = request.path
        if path.startswith("/_sandbox/"):
            return self.handle_control(request)
        if path in ("/o/oauth2/auth", "/o/oauth2/v2/auth") and request.method == "GET":
            with self.lock:
                return self.oauth.authorize(
                    {key: values[0] for key, values in request.query.items()}, set(self.mailboxes)
                )
        if path == "/token" and request.method == "POST":
            with self.lock:
                self.stats_counters["token_requests"] += 1
                return self.oauth.token(request.form(), request.headers.get("Authorization", ""))
        if path in ("/revoke", "/o/oauth2/revoke") and request.method == "POST":
            with self.lock:
                return self.oauth.revoke(request.form())
        if path == "/oauth2/v1/certs" and request.method == "GET":
            return json_response(200, self.certificates(), {"Cache-Control": "public, max-age=19000"})
        if path in ("/batch", "/batch/gmail/v1") and request.method == "POST":
            return self.with_transport_faults(lambda: self.handle_batch(request))
        if path.startswith(("/gmail/v1/", "/upload/gmail/v1/")):
            return self.with_transport_faults(lambda: self.call_api(request))
        return error_response(404, f"Not Found: {request.method} {path}", "notFound")

    def with_transport_faults(self, answer):
        with self.lock:
            dropped = self.random.random() < self.faults["drop"]
            delay = self.faults["latency"] + self.random.random() * self.faults["latency_jitter"]
            if dropped:
                self.stats_counters["faults_drop"] += 1
        if delay:
            time.sleep(delay)
        return DROP if dropped else answer()

    def call_api(self, request, outer_headers=None):
        """Gmail's pipeline for one call: route, auth, scope, user, injected fault, quota, handler."""
        if request.path.startswith("/upload/"):
            request.path = request.path.removeprefix("/upload")
            request.upload = True
        found = api.find_route(request.method, request.path)
        with self.lock:
            self.stats_counters["requests"] += 1
            if found is None:
                return self._count(error_response(404, "Not Found", "notFound"))
            name, handler, allowed_scopes, request.route = found
            auth = request.headers.get("Authorization") or (outer_headers or {}).get("Authorization") or ""
            token = auth[7:] if auth.startswith("Bearer ") else request.param("access_token")
            grant = self.oauth.check(token)
            if grant is None:
                return self._count(unauthenticated(bool(token)))
            request.scopes = {scope.removeprefix(api_scope_prefix()) for scope in grant["scopes"]}
            if not api.scope_allows(grant["scopes"], allowed_scopes):
                return self._count(
                    error_response(403, "Request had insufficient authentication scopes.", "insufficientPermissions")
                )
            user_id = urllib.parse.unquote(request.route["userId"])
            if user_id not in ("me", grant["address"]):
                return self._count(error_response(403, f"Delegation denied for {grant['address']}", "forbidden"))
            fault = self._draw_fault()
            if fault:
                return self._count(fault)
            limited = self._charge(grant["address"], api.COSTS.get(name, 5))
            if limited:
                return self._count(limited)
            self.stats_counters[f"calls:{name}"] += 1
            mailbox = self.add_mailbox(grant["address"])
            try:
                result = handler(self, mailbox, request)
            except MailboxError as error:
                return self._count(error_response(error.status, error.message, error.reason))
            if result is None:
                return self._count((204, {}, b""))
            return self._count(json_response(200, result))

    def _count(self, response):
        self.stats_counters[f"status_{response[0]}"] += 1
        return response

    def _draw_fault(self):
        faults = self.faults
        draw = self.random.random()
        for name, status, reason, message, domain in (
            ("rate_429", 429, "rateLimitExceeded", "Too many concurrent requests for user.", "usageLimits"),
            ("user_rate_403", 403, "userRateLimitExceeded", "User Rate Limit Exceeded", "usageLimits"),
            ("backend_500", 500, "backendError", "Backend Error", "global"),
            ("unavailable_503", 503, "backendError", "The service is currently unavailable.", "global"),
        ):
            if draw < faults[name]:
                self.stats_counters[f"faults_{status}"] += 1
                return error_response(status, message, reason, domain)
            draw -= faults[name]
        return None

    def _charge(self, address, cost):
        """None when the units fit in the user's sliding minute, else Gmail's 429 with Retry-After."""
        window = 60.0 / self.time_scale
        now = time.monotonic()
        log = self.quota_log[address]
        while log and log[0][0] <= now - window:
            log.popleft()
        used = sum(units for _, units in log)
        if used + cost > self.quota_per_minute:
            # Wait until enough of the oldest units leave the window.
            freed, wait = 0, window
            for stamp, units in log:
                freed += units
                if used - freed + cost <= self.quota_per_minute:
                    wait = stamp + window - now
                    break
            retry_after = max(1, math.ceil(wait))
            until = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + retry_after))
            self.stats_counters["quota_429"] += 1
            return error_response(
                429,
                f"User-rate limit exceeded.  Retry after {until}",
                "rateLimitExceeded",
                "usageLimits",
                {"Retry-After": str(retry_after)},
            )
        log.append((now, cost))
        self.units[address] += cost
        return None

    # ----- batch -----

    def handle_batch(self, request):
        content_type = request.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/mixed"):
            return error_response(400, "Batch requests must be multipart/mixed.", "badRequest")
        container = email.message_from_bytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.body, policy=email.policy.compat32
        )
        parts = container.get_payload() if container.is_multipart() else []
        with self.lock:
            self.stats_counters["batches"] += 1
        if len(parts) > MAX_BATCH_PARTS:
            return error_response(400, f"A batch cannot contain more than {MAX_BATCH_PARTS} requests.", "badRequest")
        boundary = "batch_" + secrets.token_hex(12)
        chunks = []
        for index, part in enumerate(parts):
            inner = parse_http_part(part.get_payload())
            if index >= self.batch_limit:
                # Gmail answers calls beyond its per-batch rate one by one with 429.
                with self.lock:
                    self.stats_counters["batch_429"] += 1
                    status, headers, body = self._count(
                        error_response(429, "Too many concurrent requests for user.", "rateLimitExceeded",
                                       "usageLimits")
                    )
            else:
                status, headers, body = self.call_api(inner, request.headers)
            content_id = part.get("Content-ID", f"<{index}>").strip()
            chunks.append(batch_part(boundary, content_id, status, headers, body))
        body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
        return 200, {"Content-Type": f"multipart/mixed; boundary={boundary}"}, body

    # ----- control API -----

    def handle_control(self, request):
        try:
            return json_response(200, self.control(request.method, request.path.removeprefix("/_sandbox"), request))
        except (KeyError, ValueError, TypeError, MailboxError) as error:
            status = error.status if isinstance(error, MailboxError) else 400
            return json_response(status, {"error": str(error)})

    def control(self, method, path, request):
        """JSON endpoints under /_sandbox (POST bodies are JSON; "address" picks a mailbox, default the main one):
        GET stats, GET mailboxes, POST mailboxes {address, demo?, count?, seed?},
        POST messages {raw (base64url, or text with "encoding": "text"), labelIds}, POST arrive,
        POST messages/delete {id}, POST messages/labels {id, add, remove}, GET|POST faults {...set_faults},
        POST configure {...knobs}, POST expire-history, POST revoke-tokens, POST expire-access-tokens,
        POST reset-quota, POST tokens {scopes?}."""
        data = request.json() if request.method == "POST" else {key: v[0] for key, v in request.query.items()}
        address = data.pop("address", None)
        if (method, path) == ("GET", "/stats"):
            return self.stats()
        if (method, path) == ("GET", "/mailboxes"):
            return {"mailboxes": self.stats()["mailboxes"]}
        if (method, path) == ("POST", "/mailboxes"):
            self.add_mailbox(address)
            if data.get("demo"):
                self.load_demo(address, int(data.get("count", 200)), int(data.get("seed", 1)))
            return {"address": address}
        if (method, path) == ("POST", "/messages"):
            raw = data["raw"]
            raw = raw.encode() if data.get("encoding") == "text" else api.b64url_decode(raw)
            return self.add_message(raw, data.get("labelIds", ["INBOX", "UNREAD"]), address)
        if (method, path) == ("POST", "/arrive"):
            return self.simulate_arrival(address)
        if (method, path) == ("POST", "/messages/delete"):
            self.delete_message(data["id"], address)
            return {"deleted": data["id"]}
        if (method, path) == ("POST", "/messages/labels"):
            return self.modify_labels(data["id"], data.get("add", []), data.get("remove", []), address)
        if (method, path) == ("POST", "/faults"):
            self.set_faults(**data)
            return {"faults": self.faults}
        if (method, path) == ("GET", "/faults"):
            return {"faults": self.faults}
        if (method, path) == ("POST", "/configure"):
            self.configure(**data)
            return {"ok": True}
        if (method, path) == ("POST", "/expire-history"):
            self.expire_history(address)
            return {"ok": True}
        if (method, path) == ("POST", "/revoke-tokens"):
            self.revoke_refresh_tokens()
            return {"ok": True}
        if (method, path) == ("POST", "/expire-access-tokens"):
            self.expire_access_tokens()
            return {"ok": True}
        if (method, path) == ("POST", "/reset-quota"):
            self.reset_quota()
            return {"ok": True}
        if (method, path) == ("POST", "/tokens"):
            return self.issue_tokens(address, data.get("scopes", DEFAULT_SCOPES))
        raise KeyError(f"No control endpoint {method} {path}")


def api_scope_prefix():
    return "https://www.googleapis.com/auth/"


def unauthenticated(had_token):
    if had_token:
        message, reason, detail = (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
            "valid authentication credential.",
            "authError",
            "Invalid Credentials",
        )
    else:
        message, reason, detail = (
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
            "or other valid authentication credential.",
            "required",
            "Login Required.",
        )
    status, headers, _ = error_response(401, message, reason)
    body = {
        "error": {
            "code": 401,
            "message": message,
            "errors": [
                {"message": detail, "domain": "global", "reason": reason, "location": "Authorization",
                 "locationType": "header"}
            ],
            "status": "UNAUTHENTICATED",
        }
    }
    return status, {**headers, "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}, json.dumps(
        body
    ).encode()


def parse_http_part(payload):
    """One application/http part of a batch: 'GET /path HTTP/1.1' then headers and body."""
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8")
    request_line, _, rest = payload.lstrip("\r\n").partition("\n")
    method, target = request_line.split()[:2]
    inner = email.message_from_string(rest, policy=email.policy.compat32)
    headers = CaseInsensitiveHeaders(inner.items())
    body = inner.get_payload()
    body = body.encode("utf-8") if isinstance(body, str) else b""
    return Request(method, target, headers, body)


def batch_part(boundary, content_id, status, headers, body):
    if content_id.startswith("<") and content_id.endswith(">"):
        content_id = f"<response-{content_id[1:-1]}>"
    reason = STATUS_REASONS.get(status, "Error")
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    head = (
        f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: {content_id}\r\n\r\n"
        + "\r\n".join(lines)
        + "\r\n\r\n"
    )
    return head.encode() + body + b"\r\n"


STATUS_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class CaseInsensitiveHeaders(dict):
    def __init__(self, items):
        super().__init__((name.lower(), value) for name, value in items)

    def get(self, name, default=None):
        return super().get(name.lower(), default)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GmailSandbox/1.0"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without this, Nagle plus delayed ACKs add 40 ms per call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):
        logger.debug("%s %s", self.address_string(), format % args)

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, CaseInsensitiveHeaders(self.headers.items()), body)
        try:
            response = self.server.sandbox.handle(request)
        except Exception:
            logger.exception("Sandbox failed on %s %s", self.command, request.path)
            response = error_response(500, "Internal error in the sandbox", "backendError")
        if response is DROP:
            self.close_connection = True
            return
        status, headers, payload = response
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

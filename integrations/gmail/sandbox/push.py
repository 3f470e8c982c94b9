"""Pub/Sub push deliveries for users.watch, signed like Google's: an RS256 OIDC JWT whose public
certificate is served at /oauth2/v1/certs in the {kid: PEM x509} form google-auth's verify_token reads."""

import base64
import datetime
import hashlib
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

logger = logging.getLogger(__name__)

SUBSCRIPTION = "projects/sandbox/subscriptions/gmail-push"

_shared_key = None
_shared_key_lock = threading.Lock()


class SigningKey:
    """An RSA key with its self-signed certificate and key id."""

    def __init__(self, private_key):
        self.private_key = private_key
        public_der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha1(public_der).hexdigest()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sandbox.accounts.google.example")])
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private_key.public_key())
            .serial_number(int(self.kid[:16], 16))
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(private_key, hashes.SHA256())
        )
        self.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def sign_jwt(self, claims, headers=None):
        header = {"alg": "RS256", "kid": self.kid, "typ": "JWT", **(headers or {})}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}".encode()
        signature = self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode()}.{_b64(signature)}"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_signing_key():
    """A fresh key, e.g. to mint a token the sandbox's certificates will not verify."""
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def shared_signing_key():
    """One key per process: generating RSA keys is slow and tests start many sandboxes."""
    global _shared_key
    with _shared_key_lock:
        if _shared_key is None:
            _shared_key = new_signing_key()
        return _shared_key


def oidc_claims(*, audience, service_account, lifetime=3600, now=None):
    now = int(now if now is not None else time.time())
    return {
        "aud": audience,
        "azp": "100000000000000000001",
        "email": service_account,
        "email_verified": True,
        "exp": now + lifetime,
        "iat": now,
        "iss": "https://accounts.google.com",
        "sub": "100000000000000000001",
    }


def push_body(email_address, history_id, message_number):
    data = json.dumps({"emailAddress": email_address, "historyId": history_id}).encode()
    published = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    message_id = str(message_number)
    return {
        "message": {
            "data": base64.b64encode(data).decode("ascii"),
            "messageId": message_id,
            "message_id": message_id,
            "publishTime": published,
            "publish_time": published,
            "attributes": {},
        },
        "subscription": SUBSCRIPTION,
    }


class PushWorker:
    """Posts queued deliveries from one background thread, retrying a failed one a few times like Pub/Sub."""

    def __init__(self, on_result):
        self.on_result = on_result  # called with (endpoint, status or None)
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="gmail-sandbox-push", daemon=True)
        self.thread.start()

    def send(self, endpoint, token, body, retry_delay=0.2, attempts=3):
        self.queue.put((endpoint, token, body, retry_delay, attempts))

    def stop(self):
        self.queue.put(None)

    def wait_idle(self, timeout=5):
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.queue.unfinished_tasks

    def _run(self):
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            finally:
                self.queue.task_done()

    def _deliver(self, endpoint, token, body, retry_delay, attempts):
        data = json.dumps(body).encode()
        for attempt in range(attempts):
            request = urllib.request.Request(
                endpoint,
                data=data,
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except (OSError, urllib.error.URLError) as error:
                logger.info("Push to %s failed: %s", endpoint, error)
                status = None
            self.on_result(endpoint, status)
            if status is not None and 200 <= status < 300:
                return
            time.sleep(retry_delay * (2**attempt))

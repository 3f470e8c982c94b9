"""Gmail push notifications: Pub/Sub push deliveries for users.watch, and the watches themselves.

A delivery is trusted only when the OIDC token in its Authorization header verifies with google-auth:
RS256 signature against Google's certificates (settings.GOOGLE_CERTS_URL, cached in-process as long as
their Cache-Control max-age allows), audience settings.GMAIL_PUSH_AUDIENCE, a Google issuer, and email
settings.GMAIL_PUSH_SERVICE_ACCOUNT with email_verified. Then the request does no Gmail call: it queues at
most one sync per account (Account.sync_queued_at) and answers. The notification's historyId is ignored:
a sync always starts from the stored one, so a forged or stale number can never skip mail.
"""

import base64
import binascii
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial

import google.auth.exceptions
import google.auth.transport.requests
import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task
from google.oauth2 import id_token

from integrations.gmail.client import GmailClient, GmailError
from integrations.models import Account, Credentials, OAuthState, Provider, PushDelivery

logger = logging.getLogger(__name__)

GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
WATCHED_LABELS = ("INBOX", "SENT")
CLOCK_SKEW_SECONDS = 10
# A queued sync that has not started after this long is presumed lost: the next push queues another.
QUEUED_SYNC_STALE = timedelta(minutes=10)
# last_push_at feeds the poll fallback (minutes): a burst need not write it on every delivery.
PUSH_STAMP_EVERY = timedelta(seconds=10)
# Pub/Sub keeps redelivering a message for at most 7 days.
DELIVERY_RETENTION = timedelta(days=8)


class PushRefused(Exception):
    """The request is not a genuine delivery for us: `status` is 401 (not authenticated) or 403."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class CertsUnavailable(Exception):
    """Google's certificates could not be fetched: nothing can be verified (Pub/Sub will retry)."""


# ----- Google's certificates, cached -----


class _Response:
    """What google.auth.transport.Request returns, replayed from the cache."""

    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers
        self.data = data


def _max_age(cache_control: str) -> int:
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() in ("no-store", "no-cache"):
            return 0
        if name.lower() == "max-age":
            try:
                return max(0, int(value.strip('"')))
            except ValueError:
                return 0
    return 0


class CachedCertsRequest:
    """A google.auth transport for GETs of certificate URLs that keeps each answer for its max-age.

    google-auth's verify_token fetches the certificates on every call; through this it fetches them once per
    max-age (Google: hours) per process. `refetch_unknown_kid` lets a key rotation in (at most once a minute).
    """

    MIN_REFETCH_SECONDS = 60

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = {}  # url -> (expires monotonic, fetched monotonic, response)
        self._session = requests.Session()
        self._transport = google.auth.transport.requests.Request(session=self._session)

    def __call__(self, url, method="GET", body=None, headers=None, timeout=10, **kwargs):
        if method != "GET":
            return self._transport(url, method=method, body=body, headers=headers, timeout=timeout, **kwargs)
        now = time.monotonic()
        entry = self._entries.get(url)
        if entry and entry[0] > now:
            return entry[2]
        with self._lock:
            entry = self._entries.get(url)
            if entry and entry[0] > time.monotonic():
                return entry[2]
            response = self._transport(url, method="GET", headers=headers, timeout=timeout)
            cached = _Response(response.status, dict(response.headers), response.data)
            if response.status == 200:
                max_age = _max_age(response.headers.get("Cache-Control", ""))
                fetched = time.monotonic()
                self._entries[url] = (fetched + max_age, fetched, cached)
            return cached

    def refetch_unknown_kid(self, url) -> bool:
        """Forget the cached answer for url, unless it is younger than a minute (forged kids cannot force
        a fetch per request). True when the next call fetches again."""
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return True
            if time.monotonic() - entry[1] < self.MIN_REFETCH_SECONDS:
                return False
            del self._entries[url]
            return True

    def clear(self):
        with self._lock:
            self._entries.clear()


certs_request = CachedCertsRequest()


def push_verify(authorization: str) -> dict:
    """The verified claims of a push request's bearer token; PushRefused or CertsUnavailable otherwise."""
    if not settings.GMAIL_PUSH_AUDIENCE or not settings.GMAIL_PUSH_SERVICE_ACCOUNT:
        raise PushRefused(403, "push is not configured")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PushRefused(401, "no bearer token")
    token = token.strip()
    claims = None
    for attempt in range(2):
        try:
            claims = id_token.verify_token(
                token,
                certs_request,
                audience=settings.GMAIL_PUSH_AUDIENCE,
                certs_url=settings.GOOGLE_CERTS_URL,
                clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
            )
            break
        except google.auth.exceptions.TransportError as error:
            raise CertsUnavailable(str(error)) from None
        except (ValueError, google.auth.exceptions.GoogleAuthError) as error:
            unknown_kid = "key id" in str(error).lower()
            if attempt == 0 and unknown_kid and certs_request.refetch_unknown_kid(settings.GOOGLE_CERTS_URL):
                continue
            raise PushRefused(401, _short(error)) from None
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise PushRefused(401, "wrong issuer")
    if claims.get("email") != settings.GMAIL_PUSH_SERVICE_ACCOUNT:
        raise PushRefused(403, "wrong service account")
    if claims.get("email_verified") is not True:
        raise PushRefused(403, "email not verified")
    return claims


def _short(error) -> str:
    """google-auth's message without the token's contents (it quotes claims in some messages)."""
    text = str(error)
    for marker in ("Token expired", "Token used too early", "audience", "signature", "key id", "segments"):
        if marker.lower() in text.lower():
            return marker.lower()
    return type(error).__name__


# ----- the body -----


def _b64decode(data: str) -> bytes:
    data = data.strip()
    padded = data + "=" * (-len(data) % 4)
    if "-" in data or "_" in data:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded, validate=True)


def push_parse(body: bytes) -> tuple[str, str]:
    """(messageId, emailAddress) from a Pub/Sub push body; ValueError when it is malformed."""
    try:
        envelope = json.loads(body)
        message = envelope["message"]
        message_id = message.get("messageId") or message.get("message_id")
        data = json.loads(_b64decode(message["data"]))
        address = data["emailAddress"]
        history_id = data["historyId"]
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(f"malformed push body ({type(error).__name__})") from None
    if not isinstance(message_id, str) or not message_id or len(message_id) > 100:
        raise ValueError("malformed push body (messageId)")
    if not isinstance(address, str) or "@" not in address or len(address) > 254:
        raise ValueError("malformed push body (emailAddress)")
    if not str(history_id).isdigit():
        raise ValueError("malformed push body (historyId)")
    return message_id, address


# ----- handling -----


def account_sync_queue(*, account_id: int) -> bool:
    """Queue a sync of this account unless one is already queued (and not stale). True when queued."""
    now = timezone.now()
    queued = (
        Account.objects.filter(pk=account_id)
        .filter(Q(sync_queued_at__isnull=True) | Q(sync_queued_at__lt=now - QUEUED_SYNC_STALE))
        .update(sync_queued_at=now)
    )
    if queued:
        transaction.on_commit(
            partial(async_task, "integrations.tasks.sync_account_queued", account_id, group="gmail-sync")
        )
    return bool(queued)


def delivery_record(message_id: str) -> bool:
    """Remember a Pub/Sub messageId; False when it was already recorded (a redelivery).

    One INSERT ... ON CONFLICT DO NOTHING RETURNING (PostgreSQL, SQLite >= 3.35): no IntegrityError to
    recover from and one round trip, which matters at hundreds of deliveries a second."""
    table = PushDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (message_id, received_at) VALUES (%s, %s) "
            "ON CONFLICT (message_id) DO NOTHING RETURNING id",
            [message_id, timezone.now()],
        )
        return cursor.fetchone() is not None


def push_handle(*, message_id: str, address: str) -> str:
    """Record one verified delivery and queue the sync it asks for. Returns what was done, for the log.

    In a burst the usual path is two statements (record, look up); the push time is written at most every
    PUSH_STAMP_EVERY and the queue flag only when no sync is queued. Each statement stands on its own:
    Pub/Sub redelivers anything not answered 2xx."""
    if not delivery_record(message_id):
        return "duplicate"
    now = timezone.now()
    found = push_account_state(address, now=now)
    if found is None:
        logger.info("Push for an unknown mailbox skipped (message %s)", message_id)
        return "unknown"
    account_id, status, stamp_due, queued_recently = found
    if stamp_due:
        Account.objects.filter(pk=account_id).update(last_push_at=now)
    if status in (Account.Status.DISABLED, Account.Status.RECONNECT_NEEDED):
        return "inactive"
    if queued_recently:
        return "coalesced"
    return "queued" if account_sync_queue(account_id=account_id) else "coalesced"


def push_account_state(address: str, *, now) -> tuple | None:
    """(id, status, push time due to be written, sync queued recently) of the Gmail account with address.

    Plain SQL: building this query with the ORM took 0.9 ms of CPU, a third of a whole delivery's cost at
    hundreds of deliveries a second (bench/push.py); the statement itself takes 0.2 ms. The comparisons are
    done by the database, so no datetime comes back raw."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.id, a.status, (a.last_push_at IS NULL OR a.last_push_at < %s), "
            f"(a.sync_queued_at IS NOT NULL AND a.sync_queued_at >= %s) "
            f"FROM {Account._meta.db_table} a JOIN {Provider._meta.db_table} p ON p.id = a.provider_id "
            "WHERE p.code = %s AND UPPER(a.address) = UPPER(%s) LIMIT 1",
            [adapt(now - PUSH_STAMP_EVERY), adapt(now - QUEUED_SYNC_STALE), "gmail", address],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], bool(row[2]), bool(row[3]))


# ----- watches -----


def account_watch(*, account: Account):
    """users.watch on INBOX and SENT; stores and returns the expiry. None when push is not configured."""
    if not settings.GMAIL_PUSH_TOPIC:
        return None
    response = GmailClient(account).watch(topic_name=settings.GMAIL_PUSH_TOPIC, label_ids=WATCHED_LABELS)
    expires_at = datetime.fromtimestamp(int(response["expiration"]) / 1000, tz=UTC)
    Account.objects.filter(pk=account.pk).update(watch_expires_at=expires_at)
    account.watch_expires_at = expires_at
    return expires_at


def account_watch_stop(*, account: Account) -> bool:
    """users.stop, best effort (a disconnect goes on without it). True when Gmail accepted it."""
    if not settings.GMAIL_PUSH_TOPIC and account.watch_expires_at is None:
        return False
    try:
        GmailClient(Account.objects.select_related("credentials").get(pk=account.pk)).stop()
    except (GmailError, Credentials.DoesNotExist, Account.DoesNotExist) as error:
        logger.info("Stopping the watch of account %s failed: %s", account.pk, type(error).__name__)
        return False
    finally:
        Account.objects.filter(pk=account.pk).update(watch_expires_at=None)
        account.watch_expires_at = None
    return True


def accounts_to_watch():
    return Account.objects.active().for_provider("gmail").filter(credentials__isnull=False)


def accounts_without_push(*, minutes: int):
    """Active accounts that heard no push and were not synced for `minutes`: Google may lose notifications."""
    cutoff = timezone.now() - timedelta(minutes=minutes)
    return (
        Account.objects.active()
        .for_provider("gmail")
        .filter(credentials__isnull=False)
        .filter(Q(last_push_at__isnull=True) | Q(last_push_at__lt=cutoff))
        .filter(Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=cutoff))
    )


def push_records_prune() -> int:
    """Forget deliveries Pub/Sub can no longer redeliver, and OAuth flows nobody finished."""
    deleted, _ = PushDelivery.objects.filter(received_at__lt=timezone.now() - DELIVERY_RETENTION).delete()
    OAuthState.objects.filter(created_at__lt=timezone.now() - OAuthState.LIFETIME).delete()
    return deleted

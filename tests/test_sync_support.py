"""What the sync tests share: an account connected to the sandbox, a sped-up clock, and the mirror check.

Imported by tests/test_sync_*.py and tests/test_gmail_client_*.py; it holds no tests of its own.
"""

import base64
import functools
import random

import httplib2
import pytest

from integrations.gmail.parsing import parse_message
from integrations.models import Account, Credentials, EmailMessage, FullSyncItem

# The sandbox's minute lasts 60 / TIME_SCALE seconds; the client's quota window shrinks the same way.
TIME_SCALE = 600


class Killed(BaseException):
    """A process dying mid-sync: not an Exception, so nothing in the product catches it."""


@pytest.fixture
def sandbox(gmail_sandbox, settings, monkeypatch):
    """The gmail_sandbox fixture with demo mail added, its clock sped up, and settings pointing at it."""
    gmail_sandbox.configure(time_scale=TIME_SCALE)
    gmail_sandbox.load_demo(count=150, seed=7)
    for name, value in gmail_sandbox.settings_overrides().items():
        setattr(settings, name, value)
    settings.GMAIL_QUOTA_WINDOW_SECONDS = 60 / TIME_SCALE
    settings.GMAIL_RETRY_BASE_SECONDS = 0.002
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 reads Q_CLUSTER once, at import
    settings.REDIS_URL = ""
    return gmail_sandbox


@pytest.fixture
def connected(account, sandbox):
    """me@example.com with a fresh grant from the sandbox."""
    return connect(account, sandbox)


def connect(account, sandbox):
    tokens = sandbox.issue_tokens(account.address)
    Credentials.objects.update_or_create(
        account=account,
        defaults={"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]},
    )
    return Account.objects.get(pk=account.pk)


def mailbox_state(sandbox, address="me@example.com"):
    """{gmail id: (thread id, sorted labels, text body)} of what the sandbox holds."""
    box = sandbox.mailbox(address)
    with box.lock:
        stored = list(box.messages.values())
    return {
        message.id: (message.thread_id, sorted(message.label_ids), _text_body(message.raw)) for message in stored
    }


@functools.lru_cache(maxsize=4096)
def _text_body(raw):
    return parse_message(raw).text_body


def local_state(account):
    return {
        gmail_id: (thread_id, sorted(labels), text)
        for gmail_id, thread_id, labels, text in EmailMessage.objects.filter(account=account).values_list(
            "gmail_id", "thread_id", "label_ids", "text_body"
        )
    }


def assert_mirrors(account, sandbox):
    account.refresh_from_db()
    expected, actual = mailbox_state(sandbox, account.address), local_state(account)
    assert sorted(actual) == sorted(expected), "message ids differ"
    for gmail_id, state in expected.items():
        assert actual[gmail_id] == state, f"message {gmail_id} differs"
    assert not FullSyncItem.objects.filter(account=account).exists()
    assert account.full_sync_stage == ""
    assert account.history_id is not None


def raw_of(resource):
    return base64.urlsafe_b64decode(resource["raw"] + "=" * (-len(resource["raw"]) % 4))


def new_mail(subject, *, sender="client@example.org", to="me@example.com", body="Hello", extra=""):
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{random.getrandbits(64):x}@example.org>\r\n{extra}"
        f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n"
    ).encode()


def kill_after(monkeypatch, calls, *, targets=("http", "store")):
    """Make the sync die (raise Killed) at the `calls`-th HTTP request or store step, counting both.

    A kill in a store step happens after the rows were written, before the transaction commits.
    """
    import integrations.services as services

    counter = {"n": 0}

    def tick():
        counter["n"] += 1
        if counter["n"] == calls:
            raise Killed(f"killed at call {calls}")

    real_request = httplib2.Http.request
    real_store = services.messages_store

    def request(self, *args, **kwargs):
        tick()
        return real_request(self, *args, **kwargs)

    def store(*args, **kwargs):
        result = real_store(*args, **kwargs)
        tick()
        return result

    if "http" in targets:
        monkeypatch.setattr(httplib2.Http, "request", request)
    if "store" in targets:
        monkeypatch.setattr(services, "messages_store", store)
    return counter

"""The client retries what Google says is transient, with growing, jittered waits that honour Retry-After."""

import pytest

import integrations.gmail.client as gmail_client
from integrations.gmail.client import GmailClient, GmailError, backoff_seconds
from integrations.models import Account
from tests.test_sync_support import connected, sandbox  # noqa: F401


@pytest.fixture
def waits(monkeypatch):
    recorded = []
    monkeypatch.setattr(gmail_client, "sleep", recorded.append)
    return recorded


def client_for(account):
    return GmailClient(Account.objects.select_related("credentials").get(pk=account.pk))


def test_it_backs_off_exponentially_with_jitter_from_one_second(settings):
    settings.GMAIL_RETRY_BASE_SECONDS = 1.0
    for attempt in range(6):
        delays = {backoff_seconds(attempt) for _ in range(50)}
        assert all(2**attempt / 2 <= delay <= 2**attempt for delay in delays)
        assert len(delays) > 1
    assert backoff_seconds(0, retry_after=30) == 30
    assert backoff_seconds(20) <= 64


def test_it_retries_rate_limits_and_server_errors_until_answered(connected, sandbox, waits):
    sandbox.set_faults(seed=3, rate_429=0.2, user_rate_403=0.2, backend_500=0.1, unavailable_503=0.1)

    profile = client_for(connected).get_profile()

    assert profile["emailAddress"] == "me@example.com"
    stats = sandbox.stats()
    assert len(waits) == sum(stats.get(f"faults_{status}", 0) for status in (429, 403, 500, 503))


def test_it_honours_retry_after(connected, sandbox, waits, settings):
    settings.GMAIL_RETRY_BASE_SECONDS = 1.0
    sandbox.configure(quota_per_minute=1)  # every call is over the sandbox's quota: 429 with Retry-After
    settings.GMAIL_QUOTA_UNITS_PER_MINUTE = 10_000

    with pytest.raises(GmailError, match="429"):
        client_for(connected).list_message_ids()

    assert len(waits) == gmail_client.MAX_ATTEMPTS - 1
    assert all(wait >= 1 for wait in waits)  # Retry-After: at least one second


def test_it_never_drops_a_failed_part_of_a_batch(connected, sandbox, waits):
    ids = sorted(sandbox.mailbox().messages)[:50]
    sandbox.set_faults(seed=9, rate_429=0.3, backend_500=0.2)

    results = client_for(connected).get_raw_messages(ids)

    assert sorted(results) == ids and all(results[gmail_id]["id"] == gmail_id for gmail_id in ids)
    assert waits


def test_it_answers_none_for_messages_gmail_no_longer_has(connected, sandbox):
    ids = sorted(sandbox.mailbox().messages)[:3]
    sandbox.delete_message(ids[1])

    results = client_for(connected).get_raw_messages(ids)

    assert results[ids[1]] is None and results[ids[0]] and results[ids[2]]


def test_it_does_not_retry_what_retrying_cannot_fix(connected, sandbox, waits):
    client = client_for(connected)
    with pytest.raises(GmailError) as caught:
        client._execute(client.service.users().messages().get(userId="me", id="0000000000000000"), 20)

    assert caught.value.status == 404
    assert waits == []


def test_it_keeps_tokens_and_bodies_out_of_its_logs(connected, sandbox, caplog, waits):
    sandbox.set_faults(seed=1, drop=0.3, backend_500=0.3)
    caplog.set_level("DEBUG")

    results = client_for(connected).get_raw_messages(sorted(sandbox.mailbox().messages)[:20])

    token = Account.objects.get(pk=connected.pk).credentials.access_token
    assert token not in caplog.text
    assert not any(result["raw"][:40] in caplog.text for result in results.values())

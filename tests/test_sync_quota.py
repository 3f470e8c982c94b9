"""Workers sharing an account's quota never exceed it together, and a batch never holds more than 50 calls."""

import threading

import pytest
from django.db import connection

from integrations.gmail.client import GmailClient
from integrations.gmail.quota import quota_reserve
from integrations.models import Account
from tests.test_sync_support import connected, sandbox  # noqa: F401

TIME_SCALE = 60  # the sandbox's minute lasts one second


@pytest.fixture
def slow_minute(sandbox, settings):
    sandbox.configure(time_scale=TIME_SCALE, quota_per_minute=2000)
    settings.GMAIL_QUOTA_WINDOW_SECONDS = 60 / TIME_SCALE
    settings.GMAIL_QUOTA_UNITS_PER_MINUTE = 2000
    return sandbox


@pytest.mark.django_db(transaction=True)
def test_it_keeps_two_concurrent_workers_under_the_quota(connected, slow_minute):
    ids = sorted(slow_minute.mailbox().messages)
    assert len(ids) * 20 * 2 > 2000 * 2.5  # together they need several minutes of quota
    results, errors = {}, []

    def worker(name):
        try:
            client = GmailClient(Account.objects.select_related("credentials").get(pk=connected.pk))
            results[name] = client.get_raw_messages(ids)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert all(len(result) == len(ids) and all(result.values()) for result in results.values())
    stats = slow_minute.stats()
    assert stats.get("quota_429", 0) == 0
    assert stats.get("status_429", 0) == 0
    assert stats["calls:users.messages.get"] == 2 * len(ids)


def test_it_hands_out_reservations_in_order_within_the_limit(connected, settings):
    settings.GMAIL_QUOTA_UNITS_PER_MINUTE = 1000
    settings.GMAIL_QUOTA_WINDOW_SECONDS = 60

    waits = [quota_reserve(account_id=connected.pk, units=400) for _ in range(5)]

    assert waits[0] == waits[1] == 0
    # The third must wait for the first to leave the window (a minute after it was answered), and so on.
    assert 60 < waits[2] < 63
    assert waits[2] <= waits[3] <= waits[4]
    assert 60 < waits[3] < 63
    assert 120 < waits[4] < 126


def test_it_retries_the_calls_a_batch_could_not_hold(connected, sandbox):
    sandbox.configure(batch_limit=20)  # Gmail answers calls beyond its per-batch rate with 429
    ids = sorted(sandbox.mailbox().messages)[:60]

    results = GmailClient(Account.objects.get(pk=connected.pk)).get_raw_messages(ids)

    assert sorted(results) == ids and all(results.values())
    assert sandbox.stats()["batch_429"] > 0

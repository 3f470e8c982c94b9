"""A sync killed at any point resumes where it stopped and ends equal to the mailbox, faults or not."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Account, EmailMessage
from integrations.services import account_sync
from tests.test_sync_support import Killed, assert_mirrors, connected, kill_after, new_mail, sandbox  # noqa: F401


def sync_until_done(account, monkeypatch, rng, kills):
    """Kill `kills` syncs at random points, then let one finish; returns the summaries."""
    summaries = []
    for _ in range(kills):
        kill_after(monkeypatch, rng.randint(1, 14))
        try:
            summaries.append(account_sync(account_id=account.pk))
        except Killed:
            pass
        monkeypatch.undo()
    summaries.append(account_sync(account_id=account.pk))
    return summaries


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_resumes_after_being_killed_at_random_points(connected, sandbox, monkeypatch, seed):
    rng = random.Random(seed)
    total = len(sandbox.mailbox().messages)

    summaries = sync_until_done(connected, monkeypatch, rng, kills=5)

    assert_mirrors(connected, sandbox)
    assert summaries[-1]["errors"] == 0
    # Nothing stored was fetched again: every messages.get beyond one per message was a killed, uncommitted batch.
    gets = sandbox.stats()["calls:users.messages.get"]
    assert gets < total + 5 * 50


def test_it_resumes_with_a_fifth_of_the_calls_failing(connected, sandbox, monkeypatch):
    sandbox.set_faults(seed=5, rate_429=0.04, user_rate_403=0.04, backend_500=0.04, unavailable_503=0.04, drop=0.04)
    rng = random.Random(11)

    summaries = sync_until_done(connected, monkeypatch, rng, kills=4)

    assert summaries[-1]["errors"] == 0, summaries[-1]
    stats = sandbox.stats()
    assert stats.get("faults_429", 0) + stats.get("faults_500", 0) + stats.get("faults_drop", 0) > 0
    sandbox.clear_faults()
    assert_mirrors(connected, sandbox)


def test_it_resumes_incremental_sync_without_losing_changes(connected, sandbox, monkeypatch):
    account_sync(account_id=connected.pk)
    connected.refresh_from_db()
    before = connected.history_id
    for n in range(60):
        sandbox.add_message(new_mail(f"New {n}"), labels=["INBOX", "UNREAD"])
    victim = next(iter(sandbox.mailbox().messages))
    sandbox.delete_message(victim)

    kill_after(monkeypatch, 3, targets=("http",))  # history.list, first batch, then dies on the second batch
    with pytest.raises(Killed):
        account_sync(account_id=connected.pk)
    monkeypatch.undo()

    connected.refresh_from_db()
    assert connected.history_id == before  # it advances only with the changes it covers
    assert EmailMessage.objects.filter(account=connected, gmail_id=victim).exists()
    account_sync(account_id=connected.pk)
    assert_mirrors(connected, sandbox)


def test_it_takes_over_the_lease_of_a_worker_that_died(connected, sandbox, monkeypatch):
    kill_after(monkeypatch, 6)
    with pytest.raises(Killed):
        account_sync(account_id=connected.pk)
    monkeypatch.undo()
    # A SIGKILLed worker never releases its lease: it runs out instead.
    Account.objects.filter(pk=connected.pk).update(
        sync_lease_token="dead-worker", sync_lease_until=timezone.now() + timedelta(minutes=5)
    )
    assert account_sync(account_id=connected.pk)["mode"] == "skipped"
    Account.objects.filter(pk=connected.pk).update(sync_lease_until=None)

    account_sync(account_id=connected.pk)

    assert_mirrors(connected, sandbox)

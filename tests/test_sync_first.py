"""A first sync copies the whole mailbox; a second one adds nothing."""

from integrations.models import Account, EmailMessage
from integrations.services import account_sync
from tests.test_sync_support import assert_mirrors, connected, kill_after, new_mail, sandbox  # noqa: F401


def test_it_mirrors_the_mailbox(connected, sandbox):
    summary = account_sync(account_id=connected.pk)

    assert_mirrors(connected, sandbox)
    total = len(sandbox.mailbox().messages)
    assert summary["mode"] == "full"
    assert summary["fetched"] == summary["stored"] == total
    assert summary["errors"] == 0
    stats = sandbox.stats()
    assert stats["calls:users.messages.get"] == total
    assert summary["units_spent"] == stats["units_total"]
    connected.refresh_from_db()
    assert connected.history_id == int(sandbox.mailbox().history_id)
    assert connected.last_sync_summary["stored"] == total
    assert connected.last_synced_at is not None


def test_it_adds_nothing_when_run_again(connected, sandbox):
    account_sync(account_id=connected.pk)
    gets = sandbox.stats()["calls:users.messages.get"]

    summary = account_sync(account_id=connected.pk)

    assert summary["mode"] == "incremental"
    assert (summary["fetched"], summary["stored"], summary["updated"], summary["deleted"]) == (0, 0, 0, 0)
    assert summary["units_spent"] == 2  # one history.list page
    assert sandbox.stats()["calls:users.messages.get"] == gets
    assert_mirrors(connected, sandbox)


def test_it_fetches_threads_holding_our_replies_first(connected, sandbox, monkeypatch):
    box = sandbox.mailbox()
    sent_threads = {message.thread_id for message in box.messages.values() if "SENT" in message.label_ids}
    in_sent_threads = sum(1 for message in box.messages.values() if message.thread_id in sent_threads)
    assert 0 < in_sent_threads < len(box.messages)
    # getProfile, two SENT list pages at most, the full list, then the first batch of 50 commits and we die.
    kill_after(monkeypatch, 1, targets=("store",))

    try:
        account_sync(account_id=connected.pk)
    except BaseException as error:
        assert type(error).__name__ == "Killed"

    first = EmailMessage.objects.filter(account=connected)
    assert first.count() == 0  # the kill came before the commit
    monkeypatch.undo()
    kill_after(monkeypatch, 2, targets=("store",))
    try:
        account_sync(account_id=connected.pk)
    except BaseException:
        pass
    stored = set(EmailMessage.objects.filter(account=connected).values_list("thread_id", flat=True))
    assert stored and stored <= sent_threads
    dates = list(EmailMessage.objects.filter(account=connected, direction="outgoing").values_list("internal_date", flat=True))
    assert dates  # our own replies are in the first batch


def test_it_tells_outgoing_from_incoming(connected, sandbox):
    sandbox.add_message(new_mail("From our address, no SENT label", sender="Me <me@example.com>"), labels=["INBOX"])
    sandbox.add_message(new_mail("From a client"), labels=["INBOX"])

    account_sync(account_id=connected.pk)

    for message in EmailMessage.objects.filter(account=connected):
        outgoing = "SENT" in message.label_ids or message.from_address == "me@example.com"
        assert message.direction == ("outgoing" if outgoing else "incoming"), message.subject


def test_it_keeps_only_headers_of_messages_over_the_size_limit(connected, sandbox, settings):
    settings.GMAIL_MAX_MESSAGE_BYTES = 20_000
    big = sandbox.add_message(new_mail("A very big one", body="x" * 50_000), labels=["INBOX"])

    account_sync(account_id=connected.pk)

    message = EmailMessage.objects.get(account=connected, gmail_id=big["id"])
    assert message.subject == "A very big one"
    assert message.note
    assert message.text_body == ""
    assert message.size > 50_000


def test_it_runs_one_sync_per_account_at_a_time(connected, sandbox):
    assert connected.acquire_sync_lease("someone-else", 60)

    summary = account_sync(account_id=connected.pk)

    assert summary["mode"] == "skipped"
    assert not EmailMessage.objects.filter(account=connected).exists()
    Account.objects.filter(pk=connected.pk).update(sync_lease_until=None)  # the other worker died long ago
    assert account_sync(account_id=connected.pk)["mode"] == "full"

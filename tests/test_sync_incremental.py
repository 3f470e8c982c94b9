"""After the first sync, history.list brings new mail, deletions and label changes; an expired id backfills."""

from integrations.models import EmailMessage
from integrations.services import account_sync
from tests.test_sync_support import assert_mirrors, connected, new_mail, sandbox  # noqa: F401


def first_sync(account, sandbox):
    account_sync(account_id=account.pk)
    account.refresh_from_db()
    return sandbox.stats()


def test_it_fetches_ten_new_messages_with_one_history_page_and_one_batch(connected, sandbox):
    before = first_sync(connected, sandbox)
    for n in range(10):
        sandbox.add_message(new_mail(f"Question {n}"), labels=["INBOX", "UNREAD"])

    summary = account_sync(account_id=connected.pk)

    after = sandbox.stats()
    assert summary["mode"] == "incremental"
    assert summary["stored"] == 10
    assert after["calls:users.history.list"] - before.get("calls:users.history.list", 0) == 1
    assert after["batches"] - before["batches"] == 1
    assert summary["units_spent"] == 2 + 10 * 20
    assert_mirrors(connected, sandbox)
    connected.refresh_from_db()
    assert connected.history_id == int(sandbox.mailbox().history_id)


def test_it_applies_deletions_and_label_changes(connected, sandbox):
    first_sync(connected, sandbox)
    ids = sorted(sandbox.mailbox().messages)
    sandbox.delete_message(ids[0])
    sandbox.modify_labels(ids[1], add=["STARRED", "Customers"], remove=["INBOX"])
    sandbox.modify_labels(ids[2], add=["TRASH"])
    sandbox.modify_labels(ids[2], remove=["TRASH"])
    sandbox.modify_labels(ids[3], add=["SENT"])
    gets = sandbox.stats()["calls:users.messages.get"]

    summary = account_sync(account_id=connected.pk)

    assert summary["deleted"] == 1
    assert sandbox.stats()["calls:users.messages.get"] == gets  # labels come from history, not refetches
    assert not EmailMessage.objects.filter(account=connected, gmail_id=ids[0]).exists()
    starred = EmailMessage.objects.get(account=connected, gmail_id=ids[1])
    assert "STARRED" in starred.label_ids and "INBOX" not in starred.label_ids
    assert EmailMessage.objects.get(account=connected, gmail_id=ids[3]).direction == "outgoing"
    assert_mirrors(connected, sandbox)


def test_it_handles_a_message_added_and_deleted_between_syncs(connected, sandbox):
    first_sync(connected, sandbox)
    short_lived = sandbox.add_message(new_mail("Oops"), labels=["INBOX"])
    sandbox.delete_message(short_lived["id"])
    kept = sandbox.add_message(new_mail("Kept"), labels=["INBOX"])

    account_sync(account_id=connected.pk)

    assert not EmailMessage.objects.filter(account=connected, gmail_id=short_lived["id"]).exists()
    assert EmailMessage.objects.filter(account=connected, gmail_id=kept["id"]).exists()
    assert_mirrors(connected, sandbox)


def test_it_backfills_with_a_full_sync_when_the_history_id_expired(connected, sandbox):
    first_sync(connected, sandbox)
    ids = sorted(sandbox.mailbox().messages)
    sandbox.delete_message(ids[0])
    sandbox.modify_labels(ids[1], add=["STARRED"])
    new = sandbox.add_message(new_mail("While we were away"), labels=["INBOX"])
    sandbox.expire_history()
    sandbox.add_message(new_mail("After the expiry"), labels=["INBOX"])
    EmailMessage.objects.filter(account=connected, gmail_id=ids[5]).update(label_ids=["STALE"])

    summary = account_sync(account_id=connected.pk)

    assert summary["mode"] == "full"
    assert summary["history_expired"] is True
    assert summary["errors"] == 0
    assert EmailMessage.objects.filter(account=connected, gmail_id=new["id"]).exists()
    assert_mirrors(connected, sandbox)  # the full resync skipped nothing: the stale labels were refetched
    assert account_sync(account_id=connected.pk)["mode"] == "incremental"


def test_it_replays_what_changed_during_a_full_sync(connected, sandbox, monkeypatch):
    import integrations.services as services

    real_fetch = services._fetch_stage
    box = sandbox.mailbox()

    def fetch_while_mail_changes(run):
        # Between the listing and the fetching: new mail, a deletion, a label change.
        sandbox.add_message(new_mail("Mid-sync"), labels=["INBOX"])
        first = sorted(box.messages)[0]
        sandbox.modify_labels(first, add=["STARRED"])
        sandbox.delete_message(sorted(box.messages)[-1])
        return real_fetch(run)

    monkeypatch.setattr(services, "_fetch_stage", fetch_while_mail_changes)

    account_sync(account_id=connected.pk)

    assert_mirrors(connected, sandbox)

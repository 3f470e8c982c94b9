"""A sync turns the threads it touches into training pairs, and a resync keeps what reviewers did."""

import re
import time

from django.core.management import call_command

from integrations.models import EmailMessage
from integrations.services import account_sync
from tests.test_sync_support import connected, new_mail, sandbox  # noqa: F401
from training.models import TrainingPair


def test_it_builds_pairs_from_the_first_sync(connected, sandbox):
    summary = account_sync(account_id=connected.pk)

    pairs = TrainingPair.objects.filter(account=connected).select_related("client_message", "reply_message")
    assert summary["pairs_created"] == pairs.count() > 10
    for pair in pairs:
        assert pair.reply_message.direction == EmailMessage.Direction.OUTGOING
        assert pair.client_message.direction == EmailMessage.Direction.INCOMING
        assert pair.client_message.automatic_reason == ""
        assert pair.client_message.thread_id == pair.reply_message.thread_id == pair.thread_id
        assert pair.client_message.internal_date <= pair.reply_message.internal_date
        for text in (pair.client_text, pair.reply_text):
            assert text.strip()
            assert not any(line.lstrip().startswith(">") for line in text.splitlines())


def test_it_marks_machine_mail_when_storing_it(connected, sandbox):
    account_sync(account_id=connected.pk)

    machine = EmailMessage.objects.filter(account=connected).exclude(automatic_reason="")
    assert machine.exists()
    assert machine.filter(direction=EmailMessage.Direction.INCOMING).exists()


def test_a_full_resync_adds_no_pair_and_keeps_decisions(connected, sandbox, users):
    account_sync(account_id=connected.pk)
    pair = TrainingPair.objects.filter(account=connected).first()
    pair.edit(by=users.reviewer, client_text="Edited question", reply_text=pair.reply_text, approve=True)
    count = TrainingPair.objects.count()

    summary = account_sync(account_id=connected.pk, full=True)

    assert summary["mode"] == "full"
    assert summary["pairs_created"] == 0
    assert TrainingPair.objects.count() == count
    pair.refresh_from_db()
    assert (pair.status, pair.edited_client_text) == (TrainingPair.Status.APPROVED, "Edited question")


def test_it_pairs_a_reply_that_arrives_by_incremental_sync(connected, sandbox):
    account_sync(account_id=connected.pk)
    before = TrainingPair.objects.count()
    question = new_mail("Invoice copy", sender="dana@client.example", body="Could you resend the invoice?")
    question_id = re.search(rb"Message-ID: (<[^>]+>)", question).group(1).decode()
    reply = new_mail(
        "Re: Invoice copy",
        sender="me@example.com",
        to="dana@client.example",
        body="Here it is.\r\n\r\nOn Tue, Dana <dana@client.example> wrote:\r\n> Could you resend the invoice?",
        extra=f"In-Reply-To: {question_id}\r\nReferences: {question_id}\r\n",
    )
    now_ms = int(time.time() * 1000)
    sandbox.add_message(question, labels=("INBOX",), internal_date=now_ms)
    sandbox.add_message(reply, labels=("SENT",), internal_date=now_ms + 60_000)

    summary = account_sync(account_id=connected.pk)

    assert summary["mode"] == "incremental"
    assert summary["pairs_created"] == 1
    pair = TrainingPair.objects.order_by("-id").first()
    assert TrainingPair.objects.count() == before + 1
    assert (pair.client_text, pair.reply_text) == ("Could you resend the invoice?", "Here it is.")


def test_a_failure_building_pairs_never_holds_back_the_mail(connected, sandbox, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret body text")

    monkeypatch.setattr("training.services.clean_reply_text", broken)

    summary = account_sync(account_id=connected.pk)

    assert summary["stored"] == len(sandbox.mailbox().messages)
    assert summary["pairs_created"] == 0
    assert "not updated: RuntimeError" in caplog.text and "secret body text" not in caplog.text
    monkeypatch.undo()
    call_command("build_pairs")
    assert TrainingPair.objects.filter(account=connected).exists()

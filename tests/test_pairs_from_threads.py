"""Synced threads become training pairs: a client's message and the reply we sent, cleaned, never duplicated."""

import datetime as dt

import pytest
from django.core.management import call_command

from integrations.models import EmailMessage
from training.models import TrainingPair
from training.services import pairs_update_for_threads

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def mail(account, n, *, ours=False, body="", thread="t1", minutes=0, labels=None, automatic="", in_reply_to=""):
    return EmailMessage.objects.create(
        account=account,
        gmail_id=f"g{n}",
        thread_id=thread,
        message_id=f"<m{n}@example.com>",
        in_reply_to=in_reply_to,
        direction=EmailMessage.Direction.OUTGOING if ours else EmailMessage.Direction.INCOMING,
        from_address=account.address if ours else "client@customer.example",
        subject="Re: Broken lamp" if ours else "Broken lamp",
        text_body=body,
        sent_at=T0 + dt.timedelta(minutes=minutes),
        internal_date=T0 + dt.timedelta(minutes=minutes),
        label_ids=labels if labels is not None else (["SENT"] if ours else ["INBOX"]),
        automatic_reason=automatic,
    )


def build(account, *threads):
    return pairs_update_for_threads(account=account, thread_ids=threads or ["t1"])


def test_it_pairs_each_client_message_with_our_next_reply(account):
    q1 = mail(account, 1, body="My lamp arrived broken.\n\nBest regards,\nCarla", minutes=0)
    r1 = mail(account, 2, ours=True, minutes=5, body=(
        "Sorry! A new lamp is on its way.\n\n-- \nSupport team\n\n"
        "On Mon, Mar 2, 2026 at 9:00 AM Carla <client@customer.example> wrote:\n> My lamp arrived broken."
    ))
    q2 = mail(account, 3, minutes=60, body="Thanks, when will it arrive?\n\n> Sorry! A new lamp is on its way.")
    r2 = mail(account, 4, ours=True, minutes=70, body="Tomorrow before noon.")

    assert build(account) == 2

    first, second = TrainingPair.objects.order_by("client_sent_at")
    assert (first.client_message, first.reply_message) == (q1, r1)
    assert (first.client_text, first.reply_text) == ("My lamp arrived broken.", "Sorry! A new lamp is on its way.")
    assert (second.client_message, second.reply_message) == (q2, r2)
    assert (second.client_text, second.reply_text) == ("Thanks, when will it arrive?", "Tomorrow before noon.")
    assert first.subject == "Broken lamp"
    assert first.thread_id == "t1" and first.account == account
    assert first.client_sent_at == q1.sent_at
    assert first.status == TrainingPair.Status.NEW


def test_it_joins_what_a_client_wrote_twice_before_we_answered(account):
    mail(account, 1, body="My lamp arrived broken.", minutes=0)
    second = mail(account, 2, body="Also the cable is missing.", minutes=3)
    mail(account, 3, ours=True, body="We will send both.", minutes=9)

    assert build(account) == 1

    pair = TrainingPair.objects.get()
    assert pair.client_text == "My lamp arrived broken.\n\nAlso the cable is missing."
    assert pair.client_message == second


def test_it_names_the_message_our_reply_answers(account):
    first = mail(account, 1, body="Question one.", minutes=0)
    mail(account, 2, body="Question two.", minutes=3)
    mail(account, 3, ours=True, body="Answer to one.", minutes=9, in_reply_to=first.message_id)

    build(account)

    assert TrainingPair.objects.get().client_message == first


def test_it_never_takes_automatic_or_list_mail_as_the_client_side(account):
    mail(account, 1, body="I am out of the office until Monday.", automatic="Auto-Submitted: auto-replied")
    mail(account, 2, ours=True, body="Noted.", minutes=5)
    mail(account, 3, thread="t2", body="Our weekly newsletter", automatic="mailing list (List-Id)")
    mail(account, 4, thread="t2", ours=True, body="Please unsubscribe me.", minutes=5)

    assert build(account, "t1", "t2") == 0
    assert not TrainingPair.objects.exists()


def test_it_ignores_drafts_spam_and_trash(account):
    mail(account, 1, body="My lamp arrived broken.")
    mail(account, 2, ours=True, body="A draft we never sent.", minutes=5, labels=["DRAFT"])
    mail(account, 3, thread="t2", body="Cheap pills", labels=["SPAM"])
    mail(account, 4, thread="t2", ours=True, body="Stop.", minutes=5)

    assert build(account, "t1", "t2") == 0


def test_it_makes_no_pair_when_a_side_is_empty_once_cleaned(account):
    mail(account, 1, body="> only a quote of an older mail")
    mail(account, 2, ours=True, body="We will look.", minutes=5)

    assert build(account) == 0


def test_it_creates_no_duplicates_when_run_again(account):
    mail(account, 1, body="My lamp arrived broken.")
    mail(account, 2, ours=True, body="A new lamp is on its way.", minutes=5)
    build(account)
    before = list(TrainingPair.objects.values_list("id", "updated_at"))

    assert build(account) == 0
    assert list(TrainingPair.objects.values_list("id", "updated_at")) == before


def test_it_never_overwrites_a_reviewers_decision_or_edits(account, users):
    mail(account, 1, body="My lamp arrived broken.")
    mail(account, 2, ours=True, body="A new lamp is on its way.", minutes=5)
    mail(account, 3, thread="t2", body="Where is my order?")
    mail(account, 4, thread="t2", ours=True, body="It ships today.", minutes=5)
    build(account, "t1", "t2")
    approved = TrainingPair.objects.get(thread_id="t1")
    approved.approve(by=users.reviewer)
    edited = TrainingPair.objects.get(thread_id="t2")
    edited.edit(by=users.reviewer, client_text="Where is my order #12?", reply_text="It ships today.")
    # The thread changes under them: a late client message, and a body cleaned differently.
    mail(account, 5, body="One more thing: the box was wet.", minutes=2)
    EmailMessage.objects.filter(gmail_id="g4").update(text_body="It ships today, tracking follows.")

    assert build(account, "t1", "t2") == 0

    approved.refresh_from_db()
    edited.refresh_from_db()
    assert (approved.status, approved.client_text) == (TrainingPair.Status.APPROVED, "My lamp arrived broken.")
    assert approved.reviewed_by == users.reviewer
    assert (edited.reply_text, edited.edited_client_text) == ("It ships today.", "Where is my order #12?")


def test_it_lets_an_untouched_pair_follow_its_thread(account):
    mail(account, 1, body="My lamp arrived broken.")
    mail(account, 3, ours=True, body="A new lamp is on its way.", minutes=5)
    build(account)
    pair = TrainingPair.objects.get()
    version = pair.updated_at

    # A client message that arrived before our reply but was synced later joins the pair.
    mail(account, 2, body="The cable too.", minutes=2)
    assert build(account) == 0

    pair.refresh_from_db()
    assert pair.client_text == "My lamp arrived broken.\n\nThe cable too."
    assert pair.updated_at > version  # an edit form opened before the change sees a conflict
    assert TrainingPair.objects.count() == 1


def test_it_keeps_a_pair_when_gmail_deletes_its_messages(account):
    mail(account, 1, body="My lamp arrived broken.")
    mail(account, 2, ours=True, body="A new lamp is on its way.", minutes=5)
    build(account)

    EmailMessage.objects.filter(account=account).delete()
    assert build(account) == 0

    pair = TrainingPair.objects.get()
    assert (pair.client_message, pair.reply_message) == (None, None)
    assert pair.client_text == "My lamp arrived broken."


def test_it_reads_html_only_mail(account):
    EmailMessage.objects.create(
        account=account, gmail_id="g1", thread_id="t1", direction="incoming", internal_date=T0,
        html_body="<p>My <b>lamp</b> arrived broken.</p><blockquote>old</blockquote>", label_ids=["INBOX"],
    )
    mail(account, 2, ours=True, body="A new lamp is on its way.", minutes=5)

    build(account)

    assert "My lamp arrived broken." in TrainingPair.objects.get().client_text


def test_build_pairs_command_rebuilds_every_account(account, capsys):
    mail(account, 1, body="My lamp arrived broken.")
    mail(account, 2, ours=True, body="A new lamp is on its way.", minutes=5)

    call_command("build_pairs")

    assert TrainingPair.objects.count() == 1
    assert "me@example.com: 1 pairs created, 1 in all" in capsys.readouterr().out

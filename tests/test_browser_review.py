"""The review page in Chromium: a reviewer filters, approves by click and by key, edits, bulk-rejects."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from tests.fixtures_review import PASSWORDS, make_pair
from training.models import TrainingPair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SCREENSHOT = os.environ.get("REVIEW_SCREENSHOT")  # a path: save one screenshot of the list there


@pytest.fixture
def reviewing(page, live_server, sign_in, users, accounts):
    now = timezone.now()
    pairs = [
        make_pair(accounts.alpha, subject="Lamp broken", client_text="My lamp arrived broken.",
                  reply_text="Sorry! A new lamp is on its way.", sent_at=now - dt.timedelta(hours=1), with_messages=True),
        make_pair(accounts.alpha, subject="Invoice", client_text="Please send the invoice again.",
                  reply_text="Attached is your invoice.", sent_at=now - dt.timedelta(hours=2)),
        make_pair(accounts.beta, subject="Opening hours", client_text="When are you open?",
                  reply_text="Nine to five, Monday to Friday.", sent_at=now - dt.timedelta(hours=3)),
        make_pair(accounts.beta, subject="Spam", client_text="Buy cheap watches", reply_text="No thanks.",
                  sent_at=now - dt.timedelta(hours=4)),
    ]
    sign_in(page, "rita", PASSWORDS["rita"], next="/training/pairs/")
    page.wait_for_selector("tr.pair")
    return page, pairs


def _status(pair):
    return TrainingPair.objects.get(pk=pair.pk).status


def test_it_filters_and_approves_by_click(reviewing, accounts):
    page, pairs = reviewing
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    page.fill("#id_q", "invoice")
    page.wait_for_function("document.querySelectorAll('tr.pair').length === 1")
    assert "q=invoice" in page.url
    page.click(f"#pair-{pairs[1].pk} [data-action=approve]")
    page.wait_for_selector(f"#pair-{pairs[1].pk} .badge.approved")
    assert _status(pairs[1]) == "approved" and TrainingPair.objects.get(pk=pairs[1].pk).reviewed_by.username == "rita"
    assert page.inner_text("[data-status=approved] .count") == "1"
    assert page.inner_text("[data-status=new] .count") == "0"
    page.select_option("#id_account", str(accounts.beta.pk))
    page.fill("#id_q", "")
    page.wait_for_function("document.querySelectorAll('tr.pair').length === 2")
    assert not page.js_errors


def test_it_approves_rejects_and_resets_by_key(reviewing):
    page, pairs = reviewing
    page.keyboard.press("a")  # first row, then the highlight moves down
    page.wait_for_selector(f"#pair-{pairs[0].pk} .badge.approved")
    assert _status(pairs[0]) == "approved"
    page.keyboard.press("j")  # third row
    page.keyboard.press("r")
    page.wait_for_selector(f"#pair-{pairs[2].pk} .badge.rejected")
    assert _status(pairs[2]) == "rejected" and _status(pairs[1]) == "new"
    for _ in range(3):  # from the fourth row back up to the first
        page.keyboard.press("k")
    page.keyboard.press("u")
    page.wait_for_selector(f"#pair-{pairs[0].pk} .badge.new")
    assert _status(pairs[0]) == "new"
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")
    assert not page.is_visible("#help")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "id_q"
    assert not page.js_errors


def test_it_edits_and_saves_in_the_drawer(reviewing):
    page, pairs = reviewing
    page.keyboard.press("e")
    page.wait_for_selector("#drawer textarea[name=reply_text]")
    assert page.evaluate("document.activeElement.name") == "client_text"
    assert "Carla Client" in page.inner_text("#drawer") and "Message-ID" in page.inner_text("#drawer")
    page.fill("#drawer textarea[name=reply_text]", "Sorry! A replacement lamp ships today.")
    page.click("#drawer button[name=save]")
    page.wait_for_selector("#drawer .notice.ok")
    pair = TrainingPair.objects.get(pk=pairs[0].pk)
    assert pair.edited_reply_text == "Sorry! A replacement lamp ships today." and pair.reply_text.startswith("Sorry! A new")
    assert pair.status == "new" and pair.reviewed_by.username == "rita"
    assert "replacement lamp" in page.inner_text(f"#pair-{pairs[0].pk}")
    # Someone else saves meanwhile: the next save is a conflict, not an overwrite.
    other = TrainingPair.objects.get(pk=pairs[0].pk)
    other.edit(by=None, client_text=other.client_text, reply_text="Theirs.", version=other.updated_at)
    page.fill("#drawer textarea[name=reply_text]", "Mine, second try.")
    page.click("#drawer button[name=approve]")
    page.wait_for_selector("#drawer .notice.conflict")
    assert "Theirs." in page.inner_text("#drawer .notice.conflict")
    assert page.input_value("#drawer textarea[name=reply_text]") == "Mine, second try."
    assert TrainingPair.objects.get(pk=pairs[0].pk).edited_reply_text == "Theirs."
    page.click("#drawer button[name=approve]")
    page.wait_for_selector("#drawer .notice.ok")
    pair = TrainingPair.objects.get(pk=pairs[0].pk)
    assert pair.status == "approved" and pair.edited_reply_text == "Mine, second try."
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert page.inner_html("#drawer").strip() == ""
    assert not page.js_errors


def test_it_bulk_rejects_the_selected_pairs_after_confirming_the_count(reviewing):
    page, pairs = reviewing
    page.check(f"#pair-{pairs[2].pk} input[name=ids]")
    page.check(f"#pair-{pairs[3].pk} input[name=ids]")
    assert page.inner_text("[data-selected-count]") == "2 selected"
    page.click("#bulk button[value=reject]")
    page.wait_for_selector("#confirm[open]")
    assert "Reject 2 pairs?" in page.inner_text("#confirm")
    assert _status(pairs[2]) == "new"
    page.click("#confirm button[type=submit]")
    page.wait_for_selector(".messages li")
    assert "Rejected 2 pairs." in page.inner_text(".messages")
    assert [_status(p) for p in pairs] == ["new", "new", "rejected", "rejected"]
    assert page.locator("tr.pair").count() == 2
    assert not page.js_errors

"""A verified push queues one sync of its account and answers 204 at once: bursts coalesce, redeliveries
and unknown mailboxes do nothing, and the sync starts from the stored history id."""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ

from integrations import push
from integrations.models import Account, Credentials, PushDelivery
from integrations.services import account_sync
from integrations.tasks import sync_account_queued
from tests.test_push_verification import URL, body, google  # noqa: F401 (fixture)

NEW_MAIL = b"From: Client <client@example.org>\r\nTo: me@example.com\r\nSubject: Pushed\r\nMessage-ID: <pushed@example.org>\r\n\r\nHello.\r\n"


@pytest.fixture
def deliver(google, django_capture_on_commit_callbacks):  # noqa: F811
    def deliver(address="me@example.com", message_id="m-1", history_id=1):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                URL,
                body(address, history_id, message_id),
                content_type="application/json",
                headers={"Authorization": f"Bearer {google.mint_push_token()}"},
            )

    return deliver


@pytest.fixture
def connected(account, google):  # noqa: F811
    tokens = google.issue_tokens(account.address)
    Credentials.objects.create(
        account=account, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"]
    )
    account_sync(account_id=account.pk)
    return Account.objects.get(pk=account.pk)


def test_it_queues_one_sync_and_answers_204(account, deliver):
    response = deliver()
    assert response.status_code == 204 and response.content == b""
    assert OrmQ.objects.count() == 1
    account.refresh_from_db()
    assert account.last_push_at is not None and account.sync_queued_at is not None


def test_it_coalesces_a_burst_into_one_queued_sync(account, deliver):
    for number in range(20):
        assert deliver(message_id=f"burst-{number}").status_code == 204
    assert OrmQ.objects.count() == 1
    assert PushDelivery.objects.count() == 20


def test_it_queues_again_once_the_queued_sync_started(connected, deliver):
    deliver(message_id="a")
    sync_account_queued(connected.pk)
    connected.refresh_from_db()
    assert connected.sync_queued_at is None
    deliver(message_id="b")
    assert OrmQ.objects.count() == 2


def test_it_writes_the_push_time_at_most_every_ten_seconds(account, deliver):
    deliver(message_id="first")
    account.refresh_from_db()
    first_push = account.last_push_at
    deliver(message_id="second")
    account.refresh_from_db()
    assert account.last_push_at == first_push

    Account.objects.update(last_push_at=first_push - push.PUSH_STAMP_EVERY - timedelta(seconds=1))
    deliver(message_id="third")
    account.refresh_from_db()
    assert account.last_push_at > first_push


def test_it_queues_again_when_the_queued_sync_went_stale(account, deliver):
    deliver(message_id="first")
    Account.objects.update(sync_queued_at=timezone.now() - push.QUEUED_SYNC_STALE - timedelta(seconds=1))
    deliver(message_id="second")
    assert OrmQ.objects.count() == 2


def test_it_finds_the_mailbox_whatever_the_case_of_its_address(account, deliver):
    assert deliver(address="Me@Example.COM").status_code == 204
    assert OrmQ.objects.count() == 1


def test_it_ignores_a_redelivered_message(account, deliver):
    deliver(message_id="same")
    account.refresh_from_db()
    first_push = account.last_push_at
    Account.objects.update(sync_queued_at=None)
    assert deliver(message_id="same").status_code == 204
    account.refresh_from_db()
    assert account.last_push_at == first_push and account.sync_queued_at is None
    assert OrmQ.objects.count() == 1


def test_it_skips_an_unknown_mailbox_with_204_and_a_log_line(account, deliver, caplog):
    caplog.set_level(logging.INFO, logger="integrations.push")
    assert deliver(address="stranger@example.com").status_code == 204
    assert not OrmQ.objects.exists()
    account.refresh_from_db()
    assert account.last_push_at is None
    assert "unknown mailbox skipped" in caplog.text and "stranger@example.com" not in caplog.text


def test_it_queues_nothing_for_a_disabled_account(account, deliver):
    account.disable()
    assert deliver().status_code == 204
    assert not OrmQ.objects.exists()


@pytest.mark.parametrize("notified_history_id", [1, 10**15])
def test_the_sync_starts_from_the_stored_history_id(connected, deliver, google, monkeypatch, notified_history_id):  # noqa: F811
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)
    stored_before = connected.history_id
    google.add_message(NEW_MAIL)
    assert deliver(history_id=notified_history_id).status_code == 204
    connected.refresh_from_db()
    assert connected.messages.filter(subject="Pushed").exists()
    assert connected.history_id == int(google.mailbox().profile()["historyId"]) > stored_before
    assert connected.sync_queued_at is None


def test_it_verifies_from_cached_certificates(account, deliver, google):  # noqa: F811
    assert deliver(message_id="1").status_code == 204
    token = google.mint_push_token()
    google.stop()  # Google's certificate endpoint is gone: the cached copy must do
    response = Client().post(
        URL, body(message_id="2"), content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204


def test_it_honours_the_certificates_max_age(google):  # noqa: F811
    assert push._max_age("public, max-age=19000, must-revalidate") == 19000
    assert push._max_age("no-cache") == 0 and push._max_age("") == 0
    url = google.url + "/oauth2/v1/certs"
    push.certs_request(url)
    expires, fetched, _ = push.certs_request._entries[url]
    assert 18990 < expires - fetched <= 19000

"""users.watch: on connect (see test_connect_flow), renewed by a daily schedule declared by name, stopped
on disconnect; nothing when no topic is set."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from integrations.models import Account, Credentials, PushDelivery
from integrations.push import account_watch
from integrations.schedules import POLL_FALLBACK, RENEW_WATCHES, ensure_schedules
from integrations.tasks import renew_watches
from tests.test_push_verification import google  # noqa: F401 (fixture)


@pytest.fixture
def connected(account, google, settings, monkeypatch):  # noqa: F811
    settings.GMAIL_PUSH_TOPIC = "projects/sandbox/topics/gmail"
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)
    tokens = google.issue_tokens(account.address)
    Credentials.objects.create(account=account, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"])
    return account


def test_the_schedules_are_declared_by_name_and_safe_to_declare_again(db):
    ensure_schedules()
    ensure_schedules()
    renew = Schedule.objects.get(name=RENEW_WATCHES)
    assert (renew.func, renew.schedule_type, renew.repeats) == ("integrations.tasks.renew_watches", "D", -1)
    poll = Schedule.objects.get(name=POLL_FALLBACK)
    assert poll.func == "integrations.tasks.sync_accounts_without_push" and poll.minutes == 1


def test_it_renews_every_connected_accounts_watch_daily(connected, google, users, gmail_provider):  # noqa: F811
    unconnected = Account.objects.create(provider=gmail_provider, owner=users.staff, address="other@example.com")
    assert renew_watches() == 1
    connected.refresh_from_db()
    expiry = connected.watch_expires_at
    assert timezone.now() + timedelta(days=6) < expiry <= timezone.now() + timedelta(days=7, minutes=1)
    assert google.watches["me@example.com"] == {
        "topicName": "projects/sandbox/topics/gmail",
        "labelIds": ["INBOX", "SENT"],
        "labelFilterBehavior": "include",
        "expiration": int(expiry.timestamp() * 1000),
    }
    unconnected.refresh_from_db()
    assert unconnected.watch_expires_at is None


def test_it_watches_nothing_without_a_topic(connected, google, settings):  # noqa: F811
    settings.GMAIL_PUSH_TOPIC = ""
    assert account_watch(account=connected) is None
    assert renew_watches() == 0
    assert google.watches == {}


def test_it_marks_reconnect_needed_when_the_grant_is_gone(connected, google):  # noqa: F811
    google.revoke_refresh_tokens()
    google.expire_access_tokens()
    renew_watches()
    connected.refresh_from_db()
    assert connected.status == Account.Status.RECONNECT_NEEDED


def test_it_prunes_deliveries_pubsub_can_no_longer_redeliver(connected):
    PushDelivery.objects.create(message_id="old", received_at=timezone.now() - timedelta(days=9))
    PushDelivery.objects.create(message_id="recent")
    renew_watches()
    assert list(PushDelivery.objects.values_list("message_id", flat=True)) == ["recent"]


def test_the_admin_shows_the_watch_expiry(connected, client, users):
    account_watch(account=connected)
    client.force_login(users.admin)
    page = client.get("/admin/integrations/account/").content.decode()
    assert "Watch expires at" in page and "Connect Gmail" in page
    assert "/integrations/gmail/" in page

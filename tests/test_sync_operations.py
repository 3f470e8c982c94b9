"""How syncs are started: the scheduled task, the admin's Sync now, the command; requested resyncs run full."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from integrations.models import Account, EmailMessage
from integrations.schedules import SYNC_ALL_ACCOUNTS, ensure_schedules
from integrations.tasks import sync_all_accounts
from tests.test_sync_support import assert_mirrors, connect, connected, sandbox  # noqa: F401


def test_it_declares_the_schedule_by_name_and_can_do_it_again(db):
    ensure_schedules()
    ensure_schedules()

    schedule = Schedule.objects.get(name=SYNC_ALL_ACCOUNTS)
    assert schedule.func == "integrations.tasks.sync_all_accounts"
    assert Schedule.objects.filter(name=SYNC_ALL_ACCOUNTS).count() == 1


def test_it_syncs_every_active_account_least_recently_synced_first(
    connected, sandbox, users, gmail_provider, django_capture_on_commit_callbacks, monkeypatch
):
    other = connect(Account.objects.create(provider=gmail_provider, owner=users.admin, address="you@example.com"), sandbox)
    Account.objects.create(provider=gmail_provider, owner=users.admin, address="off@example.com", status="disabled")
    Account.objects.filter(pk=connected.pk).update(last_synced_at=timezone.now())
    order = []
    import integrations.tasks as tasks

    real = tasks.account_sync
    monkeypatch.setattr(tasks, "account_sync", lambda **kw: order.append(kw["account_id"]) or real(**kw))

    with django_capture_on_commit_callbacks(execute=True):
        assert sync_all_accounts() == 2

    assert order == [other.pk, connected.pk]
    assert_mirrors(connected, sandbox)


def test_it_honours_a_requested_resync_with_a_full_sync(connected, sandbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sync_all_accounts()
    EmailMessage.objects.filter(account=connected).update(label_ids=["STALE"])
    connected.request_resync()

    with django_capture_on_commit_callbacks(execute=True):
        sync_all_accounts()

    connected.refresh_from_db()
    assert connected.last_sync_summary["mode"] == "full"
    assert connected.resync_requested_at is None
    assert_mirrors(connected, sandbox)


def test_it_syncs_from_the_admin_and_shows_the_summary(connected, sandbox, users, client, django_capture_on_commit_callbacks):
    client.force_login(users.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:integrations_account_changelist"),
            {"action": "sync_now", "_selected_action": [connected.pk]},
            follow=True,
        )
    assert "Sync queued for 1 account" in response.content.decode()
    assert_mirrors(connected, sandbox)

    page = client.get(reverse("admin:integrations_account_change", args=[connected.pk])).content.decode()
    assert "Last sync summary" in page
    assert f"stored: {EmailMessage.objects.filter(account=connected).count()}" in page


def test_it_syncs_from_the_command_line(connected, sandbox, capsys):
    call_command("sync_gmail", "--account", "me@example.com", "--no-progress")

    out = capsys.readouterr().out
    assert out.startswith("me@example.com: {")
    assert '"mode": "full"' in out
    assert_mirrors(connected, sandbox)
    call_command("sync_gmail", "--full")
    assert '"mode": "full"' in capsys.readouterr().out


def test_it_reports_a_failed_account_from_the_command_line(connected, sandbox):
    sandbox.revoke_refresh_tokens()
    sandbox.expire_access_tokens()

    with pytest.raises(Exception, match="failed"):
        call_command("sync_gmail", "--no-progress")

    connected.refresh_from_db()
    assert connected.status == Account.Status.RECONNECT_NEEDED


def test_migrate_declares_every_schedule_with_the_current_settings(db, settings):
    from integrations.schedules import POLL_FALLBACK, RENEW_WATCHES

    settings.GMAIL_POLL_FALLBACK_MINUTES = 7
    call_command("migrate", verbosity=0)

    names = set(Schedule.objects.values_list("name", flat=True))
    assert {SYNC_ALL_ACCOUNTS, RENEW_WATCHES, POLL_FALLBACK} <= names
    assert Schedule.objects.get(name=SYNC_ALL_ACCOUNTS).minutes == 7

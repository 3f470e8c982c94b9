"""Google may lose notifications: an account without a push for GMAIL_POLL_FALLBACK_MINUTES is synced anyway."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from integrations.models import Account, Credentials
from integrations.tasks import sync_accounts_without_push


@pytest.fixture
def accounts(users, gmail_provider, settings):
    settings.GMAIL_POLL_FALLBACK_MINUTES = 15
    now = timezone.now()
    long_ago = now - timedelta(minutes=16)

    def make(address, **fields):
        account = Account.objects.create(provider=gmail_provider, owner=users.staff, address=address, **fields)
        Credentials.objects.create(account=account, access_token="a", refresh_token="r")
        return account

    return {
        "never_pushed": make("never@example.com", last_synced_at=long_ago),
        "quiet": make("quiet@example.com", last_push_at=long_ago, last_synced_at=long_ago),
        "pushed_recently": make("pushed@example.com", last_push_at=now - timedelta(minutes=1), last_synced_at=long_ago),
        "synced_recently": make("synced@example.com", last_push_at=long_ago, last_synced_at=now - timedelta(minutes=2)),
        "disabled": make("off@example.com", status=Account.Status.DISABLED),
        "reconnect": make("again@example.com", status=Account.Status.RECONNECT_NEEDED),
        "already_queued": make("queued@example.com", sync_queued_at=now - timedelta(minutes=1)),
    }


def test_it_syncs_only_accounts_without_a_recent_push_or_sync(accounts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_accounts_without_push() == 2
    assert OrmQ.objects.count() == 2
    queued = set(Account.objects.filter(sync_queued_at__isnull=False).values_list("address", flat=True))
    assert queued == {"never@example.com", "quiet@example.com", "queued@example.com"}


def test_it_does_not_queue_twice(accounts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sync_accounts_without_push()
        assert sync_accounts_without_push() == 0
    assert OrmQ.objects.count() == 2

"""Tokens refresh through google-auth and are written back; invalid_grant asks the user to reconnect."""

from integrations.models import Account, Credentials
from integrations.services import account_sync
from tests.test_sync_support import connected, sandbox  # noqa: F401


def test_it_refreshes_an_expired_access_token_and_stores_the_new_one(connected, sandbox):
    old = Credentials.objects.get(account=connected).access_token
    sandbox.expire_access_tokens()

    summary = account_sync(account_id=connected.pk)

    assert summary["errors"] == 0
    credentials = Credentials.objects.get(account=connected)
    assert credentials.access_token and credentials.access_token != old
    assert credentials.expires_at is not None
    # Encrypted at rest: the column does not hold the token itself.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM integrations_credentials WHERE account_id = %s", [connected.pk])
        assert credentials.access_token not in cursor.fetchone()[0]


def test_it_sets_reconnect_needed_on_invalid_grant_without_retrying(connected, sandbox):
    sandbox.revoke_refresh_tokens()
    sandbox.expire_access_tokens()

    summary = account_sync(account_id=connected.pk)

    connected.refresh_from_db()
    assert connected.status == Account.Status.RECONNECT_NEEDED
    assert "invalid_grant" in connected.status_reason
    assert summary["errors"] == 1
    assert sandbox.stats()["token_requests"] == 1  # retrying cannot help
    assert sandbox.stats().get("calls:users.messages.get", 0) == 0
    # Later syncs leave it alone until the user reconnects.
    assert account_sync(account_id=connected.pk)["mode"] == "skipped"
    assert sandbox.stats()["token_requests"] == 1


def test_it_marks_other_failures_as_errors_without_secrets(connected, sandbox, settings):
    sandbox.set_faults(backend_500=1.0)

    summary = account_sync(account_id=connected.pk)

    connected.refresh_from_db()
    assert connected.status == Account.Status.ERROR
    assert "500" in connected.status_reason and "backendError" in connected.status_reason
    token = Credentials.objects.get(account=connected).access_token
    assert token not in connected.status_reason and token not in str(summary)
    assert connected.last_sync_summary["error"]
    sandbox.clear_faults()
    assert account_sync(account_id=connected.pk)["errors"] == 0
    connected.refresh_from_db()
    assert connected.status == Account.Status.ACTIVE

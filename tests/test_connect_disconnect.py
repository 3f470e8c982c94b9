"""Disconnecting: the watch stops, Google revokes the grant, the tokens go; mail and pairs kept or deleted."""

import pytest
import requests

from integrations.models import Account, Credentials, EmailMessage
from tests.test_connect_flow import consent, google, start  # noqa: F401 (fixture)


@pytest.fixture
def connected(client, users, google, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(users.staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(consent(start(client)))
    account = Account.objects.get()
    assert account.messages.exists() and google.watches
    return account


def refresh_works(google, refresh_token):  # noqa: F811
    response = requests.post(
        google.url + "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": google.oauth.client_id,
            "client_secret": google.oauth.client_secret,
        },
        timeout=5,
    )
    return response.status_code == 200


def test_it_asks_whether_to_keep_the_mail(client, connected):
    page = client.get(f"/integrations/gmail/{connected.pk}/disconnect").content.decode()
    assert 'value="keep"' in page and 'value="delete"' in page


def test_it_keeps_mail_and_pairs_on_a_disabled_account(client, connected, google):  # noqa: F811
    refresh_token = connected.credentials.refresh_token
    count = connected.messages.count()
    response = client.post(f"/integrations/gmail/{connected.pk}/disconnect", {"mail": "keep"})
    assert response.status_code == 302
    connected.refresh_from_db()
    assert connected.status == Account.Status.DISABLED and connected.watch_expires_at is None
    assert not Credentials.objects.exists()
    assert connected.messages.count() == count
    assert google.watches == {}
    assert not refresh_works(google, refresh_token)


def test_it_deletes_the_account_with_its_mail(client, connected, google):  # noqa: F811
    refresh_token = connected.credentials.refresh_token
    client.post(f"/integrations/gmail/{connected.pk}/disconnect", {"mail": "delete"})
    assert not Account.objects.exists() and not EmailMessage.objects.exists()
    assert not refresh_works(google, refresh_token)


def test_it_needs_a_choice(client, connected):
    response = client.post(f"/integrations/gmail/{connected.pk}/disconnect", {})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert Credentials.objects.exists()


def test_it_lets_only_the_owner_disconnect(client, connected, users):
    client.force_login(users.admin)
    response = client.post(f"/integrations/gmail/{connected.pk}/disconnect", {"mail": "delete"})
    assert response.status_code == 404
    assert Credentials.objects.exists()


def test_it_disconnects_even_when_google_already_revoked_the_grant(client, connected, google):  # noqa: F811
    google.revoke_refresh_tokens()
    google.expire_access_tokens()
    client.post(f"/integrations/gmail/{connected.pk}/disconnect", {"mail": "keep"})
    assert not Credentials.objects.exists()
    assert Account.objects.get().status == Account.Status.DISABLED

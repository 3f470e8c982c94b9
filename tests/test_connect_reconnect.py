"""Reconnecting: after invalid_grant the owner sees "Reconnect"; a reconnect keeps a refresh token Google
did not send again; sending is asked for only when an assistant on the account may send."""

import urllib.parse

import pytest

from assistants.models import AssistantProfile
from integrations.models import Account
from integrations.services import account_sync
from tests.test_connect_flow import consent, google, start  # noqa: F401 (fixture)

GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"


@pytest.fixture
def connected(client, users, google):  # noqa: F811
    client.force_login(users.staff)
    client.get(consent(start(client)))
    return Account.objects.get()


def reconnect(client, account):
    response = client.post("/integrations/gmail/connect", {"account": account.pk})
    assert response.status_code == 302
    return response["Location"]


def test_it_shows_reconnect_to_the_owner_after_invalid_grant(client, connected, google):  # noqa: F811
    google.revoke_refresh_tokens()
    google.expire_access_tokens()
    account_sync(account_id=connected.pk)
    connected.refresh_from_db()
    assert connected.status == Account.Status.RECONNECT_NEEDED
    assert "Reconnect" in client.get("/").content.decode()
    assert 'class="reconnect"' in client.get("/integrations/gmail/").content.decode()

    client.get(consent(reconnect(client, connected)))
    connected.refresh_from_db()
    assert connected.status == Account.Status.ACTIVE and connected.status_reason == ""
    assert account_sync(account_id=connected.pk)["errors"] == 0


def test_it_keeps_the_stored_refresh_token_when_google_sends_none(client, connected, google):  # noqa: F811
    stored = connected.credentials.refresh_token
    old_access = connected.credentials.access_token
    # Google sends a refresh token only on consent; without prompt=consent the sandbox, like Google, omits it.
    url = reconnect(client, connected).replace("&prompt=consent", "")
    client.get(consent(url))
    connected.credentials.refresh_from_db()
    assert connected.credentials.refresh_token == stored
    assert connected.credentials.access_token != old_access


def test_it_asks_for_sending_only_when_an_assistant_may_send(client, connected):
    assert GMAIL_SEND not in reconnect(client, connected)
    AssistantProfile.objects.create(name="Drafts", account=connected, mode=AssistantProfile.Mode.DRAFT)
    assert GMAIL_SEND not in urllib.parse.unquote(reconnect(client, connected))
    AssistantProfile.objects.create(name="Auto", account=connected, mode=AssistantProfile.Mode.AUTONOMOUS)
    assert "reconnect to allow sending" in client.get("/integrations/gmail/").content.decode()
    url = reconnect(client, connected)
    assert GMAIL_SEND in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["scope"][0].split()
    client.get(consent(url))
    connected.credentials.refresh_from_db()
    assert GMAIL_SEND in connected.credentials.scopes


def test_it_reconnects_only_your_own_account(client, connected, users):
    client.force_login(users.admin)
    assert client.post("/integrations/gmail/connect", {"account": connected.pk}).status_code == 404

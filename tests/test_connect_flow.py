"""Connecting a Gmail account through Google's OAuth web flow, played by the sandbox."""

import urllib.parse

import pytest
import requests

from integrations.models import Account, OAuthState

GMAIL_MODIFY = "https://www.googleapis.com/auth/gmail.modify"


@pytest.fixture
def google(settings, gmail_sandbox, monkeypatch):
    for name, value in gmail_sandbox.settings_overrides().items():
        setattr(settings, name, value)
    settings.SITE_URL = "http://testserver"
    settings.GMAIL_PUSH_TOPIC = "projects/sandbox/topics/gmail"
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)  # django-q2 reads Q_CLUSTER once, at import
    return gmail_sandbox


def start(client):
    response = client.post("/integrations/gmail/connect")
    assert response.status_code == 302
    return response["Location"]


def consent(authorize_url):
    """Google's consent page (auto-approved by the sandbox): the redirect back to our callback."""
    response = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    callback = urllib.parse.urlsplit(response.headers["Location"])
    return f"{callback.path}?{callback.query}"


def test_it_asks_google_for_offline_access_with_pkce_and_state(client, users, google):
    client.force_login(users.staff)
    url = start(client)
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert url.startswith(google.url + "/o/oauth2/auth?")
    assert params["access_type"] == ["offline"]
    assert params["prompt"] == ["consent"]
    assert params["include_granted_scopes"] == ["true"]
    assert params["code_challenge_method"] == ["S256"]
    assert params["redirect_uri"] == ["http://testserver/integrations/gmail/callback"]
    assert params["scope"][0].split() == [
        "openid",
        "https://www.googleapis.com/auth/userinfo.email",
        GMAIL_MODIFY,
    ]
    state = OAuthState.objects.get()
    assert params["state"] == [state.state] and len(state.state) >= 40
    assert state.user == users.staff and state.used_at is None
    assert state.code_verifier not in url


def test_it_connects_the_mailbox_stores_encrypted_tokens_watches_and_syncs(
    client, users, google, django_capture_on_commit_callbacks
):
    client.force_login(users.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(consent(start(client)))
    assert response.status_code == 302 and response["Location"] == "/integrations/gmail/"

    account = Account.objects.get()
    assert (account.address, account.owner, account.status) == ("me@example.com", users.staff, "active")
    credentials = account.credentials
    assert credentials.refresh_token.startswith("1//sandbox-")
    assert credentials.access_token.startswith("ya29.sandbox-")
    assert GMAIL_MODIFY in credentials.scopes
    assert account.watch_expires_at is not None
    assert google.watches["me@example.com"]["labelIds"] == ["INBOX", "SENT"]
    account.refresh_from_db()
    assert account.history_id and account.messages.count() == google.mailbox().profile()["messagesTotal"]

    page = client.get("/integrations/gmail/").content.decode()
    assert "me@example.com is connected" in page and "Active" in page


def test_it_skips_the_watch_when_no_topic_is_set(client, users, google, settings):
    settings.GMAIL_PUSH_TOPIC = ""
    client.force_login(users.staff)
    client.get(consent(start(client)))
    assert Account.objects.get().watch_expires_at is None
    assert google.watches == {}

"""Google OAuth against the sandbox: consent with PKCE through google-auth-oauthlib, refresh through google-auth."""

import urllib.parse

import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from googleapiclient.errors import HttpError

SCOPES = ["openid", "https://www.googleapis.com/auth/gmail.modify"]
REDIRECT = "http://127.0.0.1:8000/oauth/callback"


def make_flow(sandbox):
    config = {
        "web": {
            "client_id": "sandbox-client-id",
            "client_secret": "sandbox-client-secret",
            "auth_uri": sandbox.url + "/o/oauth2/auth",
            "token_uri": sandbox.url + "/token",
            "redirect_uris": [REDIRECT],
        }
    }
    return Flow.from_client_config(config, scopes=SCOPES, redirect_uri=REDIRECT)


def consent(url):
    answer = requests.get(url, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_it_runs_the_authorization_code_flow_with_pkce(gmail_sandbox):
    flow = make_flow(gmail_sandbox)
    url, state = flow.authorization_url(access_type="offline", prompt="consent")
    assert "code_challenge_method=S256" in url
    callback = consent(url)
    assert query_of(callback)["state"] == state

    token = flow.fetch_token(authorization_response=callback)
    assert token["refresh_token"] and token["scope"] == SCOPES and token["id_token"]
    service = gmail_sandbox.build_service(flow.credentials)
    assert service.users().getProfile(userId="me").execute()["emailAddress"] == "me@example.com"


def test_it_refuses_a_wrong_code_verifier(gmail_sandbox):
    flow = make_flow(gmail_sandbox)
    url, _ = flow.authorization_url(access_type="offline")
    code = query_of(consent(url))["code"]
    answer = requests.post(
        gmail_sandbox.url + "/token",
        data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret",
            "code_verifier": "not-the-verifier-" + "x" * 40,
        },
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_it_refuses_a_reused_code(gmail_sandbox):
    flow = make_flow(gmail_sandbox)
    url, _ = flow.authorization_url(access_type="offline")
    code = query_of(consent(url))["code"]
    flow.fetch_token(code=code)
    with pytest.raises(Exception, match="invalid_grant"):
        flow.fetch_token(code=code)


def test_it_gives_a_refresh_token_only_on_first_offline_consent(gmail_sandbox):
    first, second = make_flow(gmail_sandbox), make_flow(gmail_sandbox)
    first.fetch_token(code=query_of(consent(first.authorization_url(access_type="offline")[0]))["code"])
    token = second.fetch_token(code=query_of(consent(second.authorization_url(access_type="offline")[0]))["code"])
    assert first.credentials.refresh_token and "refresh_token" not in token


def test_it_answers_access_denied_when_consent_is_refused(gmail_sandbox):
    url, state = make_flow(gmail_sandbox).authorization_url()
    assert query_of(consent(url + "&sandbox_deny=1")) == {"error": "access_denied", "state": state}
    gmail_sandbox.configure(deny_consent=True)
    assert query_of(consent(url))["error"] == "access_denied"


def test_it_shows_an_error_page_for_an_unknown_client(gmail_sandbox):
    url, _ = make_flow(gmail_sandbox).authorization_url()
    answer = requests.get(url.replace("sandbox-client-id", "someone-else"), allow_redirects=False)
    assert answer.status_code == 401 and "invalid_client" in answer.text


def test_it_refreshes_an_expired_access_token_through_google_auth(gmail_sandbox):
    credentials = gmail_sandbox.credentials()
    service = gmail_sandbox.build_service(credentials)
    old_token = credentials.token
    gmail_sandbox.expire_access_tokens()
    assert service.users().labels().list(userId="me").execute()["labels"]
    assert credentials.token != old_token and credentials.valid


def test_it_requires_a_bearer_token(gmail_sandbox):
    answer = requests.get(gmail_sandbox.url + "/gmail/v1/users/me/profile")
    assert answer.status_code == 401
    assert answer.json()["error"]["errors"][0]["reason"] == "required"
    answer = requests.get(gmail_sandbox.url + "/gmail/v1/users/me/profile", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401 and answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_it_answers_invalid_grant_after_revocation(gmail_sandbox):
    credentials = gmail_sandbox.credentials()
    gmail_sandbox.revoke_refresh_tokens()
    service = gmail_sandbox.build_service(credentials)
    with pytest.raises(RefreshError, match="invalid_grant"):
        service.users().getProfile(userId="me").execute()


def test_it_revokes_a_grant_through_the_revoke_endpoint(gmail_sandbox):
    tokens = gmail_sandbox.issue_tokens()
    assert requests.post(gmail_sandbox.url + "/revoke", data={"token": tokens["refresh_token"]}).status_code == 200
    assert requests.post(gmail_sandbox.url + "/revoke", data={"token": tokens["refresh_token"]}).status_code == 400
    credentials = Credentials(
        None, refresh_token=tokens["refresh_token"], token_uri=gmail_sandbox.url + "/token",
        client_id="sandbox-client-id", client_secret="sandbox-client-secret",
    )
    with pytest.raises(RefreshError, match="invalid_grant"):
        credentials.refresh(Request())


def test_it_refuses_a_token_without_the_needed_scope(gmail_sandbox):
    credentials = gmail_sandbox.credentials(scopes=["https://www.googleapis.com/auth/gmail.send"])
    with pytest.raises(HttpError) as refused:
        gmail_sandbox.build_service(credentials).users().messages().list(userId="me").execute()
    assert refused.value.status_code == 403
    assert refused.value.error_details[0]["reason"] == "insufficientPermissions"

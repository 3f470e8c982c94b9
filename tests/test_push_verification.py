"""The push webhook trusts only Pub/Sub's OIDC token for our audience and service account; anything else
gets 401 or 403 and no work is done."""

import base64
import json
import time

import pytest
from django.test import Client
from django_q.models import OrmQ

from integrations import push
from integrations.gmail.sandbox.push import new_signing_key
from integrations.models import Account, PushDelivery

URL = "/integrations/gmail/push"


@pytest.fixture
def google(settings, gmail_sandbox):
    for name, value in gmail_sandbox.settings_overrides().items():
        setattr(settings, name, value)
    push.certs_request.clear()
    yield gmail_sandbox
    push.certs_request.clear()


def body(address="me@example.com", history_id=123, message_id="m-1"):
    data = base64.b64encode(json.dumps({"emailAddress": address, "historyId": history_id}).encode()).decode()
    return json.dumps({"message": {"data": data, "messageId": message_id}, "subscription": "projects/p/subscriptions/s"})


def deliver(token, client=None, authorization=None):
    client = client or Client(enforce_csrf_checks=True)
    headers = {"Authorization": authorization if authorization is not None else f"Bearer {token}"}
    return client.post(URL, body(), content_type="application/json", headers=headers)


def assert_no_work(account):
    account.refresh_from_db()
    assert account.last_push_at is None and account.sync_queued_at is None
    assert not OrmQ.objects.exists() and not PushDelivery.objects.exists()


def test_it_accepts_a_genuine_delivery_without_a_csrf_token(account, google):
    assert deliver(google.mint_push_token()).status_code == 204
    account.refresh_from_db()
    assert account.last_push_at is not None


@pytest.mark.parametrize(
    "authorization",
    ["", "Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c"],
    ids=["missing", "basic", "empty-bearer", "garbage", "bad-segments"],
)
def test_it_refuses_requests_without_a_valid_bearer_token(account, google, authorization):
    assert deliver(None, authorization=authorization).status_code == 401
    assert_no_work(account)


def test_it_refuses_a_token_signed_with_another_key(account, google):
    assert deliver(google.mint_push_token(signing_key=new_signing_key())).status_code == 401
    assert_no_work(account)


def test_it_refuses_a_tampered_token(account, google):
    header, claims, signature = google.mint_push_token().split(".")
    forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged["email"] = "attacker@evil.example"
    claims = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert deliver(f"{header}.{claims}.{signature}").status_code == 401
    assert_no_work(account)


def test_it_refuses_an_expired_token(account, google):
    now = int(time.time())
    token = google.mint_push_token(iat=now - 7200, exp=now - 3600)
    assert deliver(token).status_code == 401
    assert_no_work(account)


def test_it_refuses_another_audience(account, google):
    assert deliver(google.mint_push_token(aud="https://other.example/push")).status_code == 401
    assert_no_work(account)


def test_it_refuses_another_issuer(account, google):
    assert deliver(google.mint_push_token(iss="https://evil.example")).status_code == 401
    assert_no_work(account)


def test_it_refuses_another_service_account(account, google):
    assert deliver(google.mint_push_token(email="someone@evil.iam.gserviceaccount.com")).status_code == 403
    assert_no_work(account)


def test_it_refuses_an_unverified_email(account, google):
    assert deliver(google.mint_push_token(email_verified=False)).status_code == 403
    assert_no_work(account)


def test_it_refuses_everything_when_push_is_not_configured(account, google, settings):
    settings.GMAIL_PUSH_AUDIENCE = ""
    assert deliver(google.mint_push_token(aud="")).status_code == 403
    assert_no_work(account)


def test_it_answers_only_post(account, google):
    assert Client().get(URL).status_code == 405
    assert Client().put(URL, body(), content_type="application/json").status_code == 405
    assert_no_work(account)


def test_it_answers_503_when_googles_certificates_cannot_be_fetched(account, google, settings):
    settings.GOOGLE_CERTS_URL = "http://127.0.0.1:9/oauth2/v1/certs"
    assert deliver(google.mint_push_token()).status_code == 503
    assert_no_work(account)

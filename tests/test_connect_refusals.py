"""Every way a "Connect Gmail" callback is refused: nothing is stored and the user is told why."""

import logging
import urllib.parse
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Account, Credentials, OAuthState
from tests.test_connect_flow import consent, google, start  # noqa: F401 (fixture)


def error_shown(client, response):
    assert response.status_code == 302 and response["Location"] == "/integrations/gmail/"
    return client.get("/integrations/gmail/").content.decode()


def assert_nothing_stored():
    assert not Account.objects.exists() and not Credentials.objects.exists()


@pytest.fixture
def staff_client(client, users, google):  # noqa: F811
    client.force_login(users.staff)
    return client


def test_it_refuses_a_callback_without_state(staff_client):
    page = error_shown(staff_client, staff_client.get("/integrations/gmail/callback?code=4/anything"))
    assert "invalid state" in page and "carries no state" in page
    assert_nothing_stored()


def test_it_refuses_an_unknown_state(staff_client):
    callback = consent(start(staff_client))
    forged = callback.replace("state=", "state=forged")
    page = error_shown(staff_client, staff_client.get(forged))
    assert "invalid state" in page
    assert_nothing_stored()


def test_it_refuses_an_expired_state(staff_client):
    callback = consent(start(staff_client))
    OAuthState.objects.update(created_at=timezone.now() - timedelta(minutes=10, seconds=1))
    page = error_shown(staff_client, staff_client.get(callback))
    assert "invalid state" in page and "expired" in page
    assert_nothing_stored()


def test_it_refuses_a_reused_state(staff_client):
    callback = consent(start(staff_client))
    staff_client.get(callback)
    assert Account.objects.count() == 1
    Account.objects.all().delete()
    page = error_shown(staff_client, staff_client.get(callback))
    assert "already used" in page
    assert_nothing_stored()


def test_it_refuses_a_state_from_another_session_of_the_same_user(staff_client, users):
    callback = consent(start(staff_client))
    other_browser = Client()
    other_browser.force_login(users.staff)
    page = error_shown(other_browser, other_browser.get(callback))
    assert "another session" in page
    assert_nothing_stored()


def test_it_refuses_a_second_user_finishing_the_flow_the_first_started(staff_client, users):
    callback = consent(start(staff_client))
    mallory = Client()
    mallory.force_login(users.admin)
    page = error_shown(mallory, mallory.get(callback))
    assert "invalid state" in page and "another session" in page
    assert_nothing_stored()
    # The flow still belongs to the one who started it.
    staff_client.get(callback)
    assert Account.objects.get().owner == users.staff


def test_it_shows_access_denied_when_the_user_declines(staff_client, google):  # noqa: F811
    google.configure(deny_consent=True)
    page = error_shown(staff_client, staff_client.get(consent(start(staff_client))))
    assert "access_denied" in page
    assert_nothing_stored()


def test_it_reports_a_failed_token_exchange(staff_client):
    callback = consent(start(staff_client))
    page = error_shown(staff_client, staff_client.get(callback.replace("code=4%2Fsandbox-", "code=4%2Fforged-")))
    assert "token exchange failed" in page
    assert_nothing_stored()


def test_it_reports_a_failed_token_exchange_when_the_verifier_does_not_match(staff_client):
    callback = consent(start(staff_client))
    OAuthState.objects.update(code_verifier="x" * 64)
    page = error_shown(staff_client, staff_client.get(callback))
    assert "token exchange failed" in page
    assert_nothing_stored()


def test_it_reports_a_failed_profile(staff_client, settings):
    callback = consent(start(staff_client))
    settings.GMAIL_API_ROOT_URL = "http://127.0.0.1:9/"  # nothing listens on the discard port
    page = error_shown(staff_client, staff_client.get(callback))
    assert "profile failed" in page
    assert_nothing_stored()


def test_it_refuses_to_take_over_an_account_owned_by_another_user(staff_client, account):
    assert account.owner.username == "alice"
    page = error_shown(staff_client, staff_client.get(consent(start(staff_client))))
    assert "already connected" in page and "another user" in page
    account.refresh_from_db()
    assert account.owner.username == "alice"
    assert not Credentials.objects.exists()


@pytest.mark.parametrize("username", ["rita", "oscar"])
def test_it_lets_only_staff_connect(client, users, google, username):  # noqa: F811
    client.force_login(getattr(users, {"rita": "reviewer", "oscar": "outsider"}[username]))
    assert client.post("/integrations/gmail/connect").status_code == 403
    assert client.get("/integrations/gmail/callback?state=x&code=y").status_code == 403
    assert not OAuthState.objects.exists()


def test_it_sends_anonymous_people_to_sign_in(client, db, google):  # noqa: F811
    response = client.post("/integrations/gmail/connect")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_starts_a_flow_only_by_post(staff_client):
    assert staff_client.get("/integrations/gmail/connect").status_code == 405


def test_it_logs_no_secret(staff_client, caplog):
    caplog.set_level(logging.DEBUG)
    url = start(staff_client)
    callback = consent(url)
    staff_client.get(callback)
    state = OAuthState.objects.get()
    credentials = Credentials.objects.get()
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)["code"][0]
    # What the product logs; the sandbox (Google's side) and urllib3 lines of the test's own browser request aside.
    product = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(("integrations.gmail.sandbox", "urllib3"))
    )
    assert "connected by user" in product
    for secret in (credentials.access_token, credentials.refresh_token, state.code_verifier, code, state.state):
        assert secret not in product


def test_it_exchanges_no_code_for_a_refused_state(staff_client, users, google):  # noqa: F811
    callback = consent(start(staff_client))
    before = google.stats_counters["token_requests"]
    mallory = Client()
    mallory.force_login(users.admin)
    mallory.get(callback)
    assert google.stats_counters["token_requests"] == before
    assert_nothing_stored()

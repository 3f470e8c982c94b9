"""End to end in Chromium: sign in, connect the sandbox mailbox, watch it sync, and see new mail arrive
through a Pub/Sub push from the sandbox to the live server (django-q2 in sync mode runs the sync inline)."""

import time

import pytest

from integrations import push
from integrations.models import Account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_MAIL = (
    b"From: Dana Client <dana@client.example>\r\nTo: me@example.com\r\nSubject: Arrived by push\r\n"
    b"Message-ID: <push-e2e@client.example>\r\n\r\nIs the order on its way?\r\n"
)


@pytest.fixture
def sam(django_user_model):
    return django_user_model.objects.create_user("sam", "sam@example.com", "sam-pass-123", is_staff=True)


@pytest.fixture
def google(gmail_sandbox, live_server, settings, monkeypatch):
    for name, value in gmail_sandbox.settings_overrides().items():
        setattr(settings, name, value)
    endpoint = live_server.url + "/integrations/gmail/push"
    gmail_sandbox.configure(push_endpoint=endpoint, push_audience=endpoint)
    settings.GMAIL_PUSH_AUDIENCE = endpoint
    settings.GMAIL_PUSH_TOPIC = "projects/sandbox/topics/gmail"
    settings.SITE_URL = live_server.url
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)
    push.certs_request.clear()
    return gmail_sandbox


def message_count(page):
    return int(page.locator("tr[data-status] .message-count").first.inner_text())


def test_it_connects_a_mailbox_and_receives_new_mail_by_push(page, live_server, sign_in, sam, google):
    sign_in(page, "sam", "sam-pass-123")
    page.click("text=Connect Gmail")
    page.wait_for_url(f"{live_server.url}/integrations/gmail/")
    page.click("#connect-gmail")  # to Google (the sandbox) and back to our callback
    page.wait_for_url(f"{live_server.url}/integrations/gmail/")

    assert "me@example.com is connected" in page.content()
    row = page.locator("tr[data-status]")
    assert row.get_attribute("data-status") == "active"
    synced = message_count(page)
    assert synced == google.mailbox().profile()["messagesTotal"] > 0
    assert google.watches["me@example.com"]["labelIds"] == ["INBOX", "SENT"]

    google.add_message(NEW_MAIL)
    deadline = time.monotonic() + 15
    while message_count(page) == synced and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    assert message_count(page) == synced + 1
    account = Account.objects.get()
    assert account.owner.username == "sam"
    assert account.messages.filter(subject="Arrived by push").exists()
    assert account.last_push_at is not None
    assert not page.js_errors

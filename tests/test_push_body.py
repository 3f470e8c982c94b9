"""A verified delivery with a malformed body gets 400 and does nothing; base64 and base64url both decode."""

import base64
import json

import pytest
from django.test import Client
from django_q.models import OrmQ

from integrations.models import Account, PushDelivery
from tests.test_push_verification import URL, google  # noqa: F401 (fixture)


def post(google, raw):  # noqa: F811
    return Client().post(
        URL, raw, content_type="application/json", headers={"Authorization": f"Bearer {google.mint_push_token()}"}
    )


def envelope(data, message_id="m-1"):
    return json.dumps({"message": {"data": data, "messageId": message_id}, "subscription": "s"})


def encoded(payload, encoder=base64.b64encode, strip=False):
    text = encoder(json.dumps(payload).encode()).decode()
    return text.rstrip("=") if strip else text


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        "[]",
        json.dumps({"subscription": "s"}),
        json.dumps({"message": "text"}),
        envelope("!!!not base64!!!"),
        envelope(base64.b64encode(b"not json").decode()),
        envelope(encoded({"historyId": 5})),
        envelope(encoded({"emailAddress": "me@example.com"})),
        envelope(encoded({"emailAddress": "me@example.com", "historyId": "12x"})),
        envelope(encoded({"emailAddress": "no-at-sign", "historyId": 5})),
        envelope(encoded({"emailAddress": "me@example.com", "historyId": 5}), message_id=""),
        envelope(encoded(["me@example.com", 5])),
    ],
)
def test_it_refuses_a_malformed_body(account, google, raw):  # noqa: F811
    assert post(google, raw).status_code == 400
    account.refresh_from_db()
    assert account.last_push_at is None and not OrmQ.objects.exists() and not PushDelivery.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        encoded({"emailAddress": "me@example.com", "historyId": 7}),
        encoded({"emailAddress": "me@example.com", "historyId": "7"}, base64.urlsafe_b64encode),
        encoded({"emailAddress": "me@example.com", "historyId": 70}, base64.urlsafe_b64encode, strip=True),
        encoded({"emailAddress": "ME@example.com", "historyId": 700}, strip=True),
    ],
    ids=["base64", "base64url", "base64url-unpadded", "base64-unpadded-uppercase-address"],
)
def test_it_decodes_base64_and_base64url(account, google, data):  # noqa: F811
    assert post(google, envelope(data)).status_code == 204
    account.refresh_from_db()
    assert account.last_push_at is not None and account.sync_queued_at is not None
    assert Account.objects.count() == 1

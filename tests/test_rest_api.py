"""The REST API reads accounts and pairs, decides pairs, honours permissions and never shows secrets."""

import pytest
from django.utils import timezone

from assistants.models import AiProvider
from integrations.models import Credentials
from training.models import TrainingPair


@pytest.fixture
def pair(account):
    return TrainingPair.objects.create(account=account, thread_id="t1", subject="Order", client_text="Where?",
                                       reply_text="Here.", client_sent_at=timezone.now())


def test_it_lists_pairs_for_a_reviewer(client, users, pair):
    client.force_login(users.reviewer)
    body = client.get("/api/pairs/", {"status": "new"}).json()
    assert [p["id"] for p in body["results"]] == [pair.pk]
    assert body["results"][0]["account"] == "me@example.com"


def test_it_approves_a_pair_and_records_the_reviewer(client, users, pair):
    client.force_login(users.reviewer)
    response = client.post(f"/api/pairs/{pair.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    pair.refresh_from_db()
    assert pair.status == "approved" and pair.reviewed_by == users.reviewer


def test_it_refuses_users_without_the_permission(client, users, pair):
    client.force_login(users.outsider)
    assert client.get("/api/pairs/").status_code == 403
    assert client.post(f"/api/pairs/{pair.pk}/approve/").status_code == 403
    pair.refresh_from_db()
    assert pair.status == "new"


def test_it_refuses_anonymous_requests(client, pair):
    assert client.get("/api/pairs/").status_code in (401, 403)


def test_it_rejects_an_unknown_status_filter(client, users, pair):
    client.force_login(users.reviewer)
    response = client.get("/api/pairs/", {"status": "maybe"})
    assert response.status_code == 400 and "status" in response.json()


def test_it_never_shows_tokens_or_api_keys(client, users, account):
    Credentials.objects.create(account=account, access_token="ya29.SECRET", refresh_token="1//SECRET")
    AiProvider.objects.create(code="openai", display_name="OpenAI", api_key="sk-SECRET", default_model="m")
    client.force_login(users.admin)
    accounts = client.get("/api/accounts/")
    providers = client.get("/api/providers/")
    assert accounts.json()["results"][0]["has_credentials"] is True
    assert providers.json()["results"][0]["has_api_key"] is True
    for response in (accounts, providers):
        assert "SECRET" not in response.content.decode()


def test_it_shows_staff_only_their_own_accounts(client, users, account):
    from django.contrib.auth.models import Permission

    users.staff.user_permissions.add(Permission.objects.get(codename="view_account"))
    client.force_login(users.staff)
    assert client.get("/api/accounts/").json()["results"] == []

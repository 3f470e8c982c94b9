"""Adding and editing a provider: the key is write-only, kept when blank, stored encrypted; bad values
give field errors and save nothing."""

import pytest
from django.db import connection
from django.urls import reverse

from assistants.models import AiProvider

STORED_KEY = "sk-stored-SECRET-1111"
NEW_KEY = "sk-typed-SECRET-2222"


def raw_api_key(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM assistants_aiprovider WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def provider(db):
    return AiProvider.objects.create(code="local", display_name="Local", kind="openai_compatible",
                                     base_url="http://127.0.0.1:9/v1", api_key=STORED_KEY, default_model="llama3")


@pytest.fixture
def admin_client(client, users):
    client.force_login(users.admin)
    return client


def values(**changes):
    data = {"code": "local", "display_name": "Local", "kind": "openai_compatible",
            "base_url": "http://127.0.0.1:9/v1", "new_api_key": "", "default_model": "llama3",
            "priority": "0", "enabled": "on", "action": "save"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def assert_no_secret(response):
    body = response.content.decode()
    for key in (STORED_KEY, NEW_KEY):
        assert key not in body and key[-4:] not in body


def test_it_adds_a_provider_with_its_key_encrypted(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_add"), values(
            code="openai", display_name="OpenAI", kind="openai", base_url="", new_api_key=NEW_KEY,
            default_model="gpt-4o-mini"))
    assert response.status_code == 302 and response["Location"] == reverse("assistants:settings")
    provider = AiProvider.objects.get(code="openai")
    assert provider.api_key == NEW_KEY and provider.api_key_changed_at is not None
    stored = raw_api_key(provider.pk)
    assert stored.startswith("enc:v1:") and NEW_KEY not in stored
    assert_no_secret(admin_client.get(response["Location"]))


def test_it_keeps_the_stored_key_when_the_key_field_is_blank(admin_client, provider, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]),
                                     values(display_name="Local GPU", default_model="qwen2"))
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.display_name == "Local GPU" and provider.default_model == "qwen2"
    assert provider.api_key == STORED_KEY and provider.api_key_changed_at is None


def test_it_replaces_the_key_when_a_new_one_is_typed(admin_client, provider):
    admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]), values(new_api_key=NEW_KEY))
    provider.refresh_from_db()
    assert provider.api_key == NEW_KEY and provider.api_key_changed_at is not None
    assert NEW_KEY not in raw_api_key(provider.pk)


def test_it_removes_the_key_when_asked(admin_client, provider):
    admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]), values(clear_api_key="on"))
    provider.refresh_from_db()
    assert provider.api_key == "" and provider.api_key_changed_at is not None
    body = admin_client.get(reverse("assistants:provider_edit", args=[provider.pk])).content.decode()
    assert "No key is stored. Removed" in body


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"base_url": "not a url"}, "base_url", "Enter a full URL starting with http:// or https://"),
        ({"base_url": "ftp://files.example.com/v1"}, "base_url", "Enter a full URL starting with http:// or https://"),
        ({"base_url": ""}, "base_url", "An OpenAI-compatible server needs its base URL."),
        ({"priority": "-1"}, "priority", "Ensure this value is greater than or equal to 0."),
        ({"code": "taken"}, "code", "Another provider already uses this code."),
        ({"code": "has spaces"}, "code", "Enter a valid “slug”"),
        ({"display_name": ""}, "display_name", "This field is required."),
        ({"kind": "anthropic"}, "kind", "Select a valid choice."),
    ],
)
def test_it_shows_field_errors_and_saves_nothing(admin_client, provider, changes, field, message,
                                                 django_assert_max_num_queries):
    AiProvider.objects.create(code="taken", display_name="Taken")
    before = AiProvider.objects.values().get(pk=provider.pk)
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]),
                                     values(**{"new_api_key": NEW_KEY, "display_name": "Renamed", **changes}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert AiProvider.objects.values().get(pk=provider.pk) == before
    assert AiProvider.objects.get(pk=provider.pk).api_key == STORED_KEY
    assert_no_secret(response)


def test_it_adds_nothing_when_the_new_provider_is_invalid(admin_client, db):
    response = admin_client.post(reverse("assistants:provider_add"), values(base_url="", new_api_key=NEW_KEY))
    assert response.status_code == 200 and not AiProvider.objects.exists()
    assert_no_secret(response)


def test_it_saves_an_openai_provider_without_a_base_url(admin_client, db):
    admin_client.post(reverse("assistants:provider_add"), values(code="openai", kind="openai", base_url=""))
    provider = AiProvider.objects.get(code="openai")
    assert provider.base_url == "" and provider.effective_base_url == "https://api.openai.com/v1"


def test_the_admin_uses_the_same_form(admin_client, provider):
    url = reverse("admin:assistants_aiprovider_change", args=[provider.pk])
    data = values(display_name="Via admin", new_api_key="")
    data.pop("action")
    data.update({"_save": "Save"})
    response = admin_client.post(url, data)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.display_name == "Via admin" and provider.api_key == STORED_KEY
    body = admin_client.get(url).content.decode()
    assert STORED_KEY not in body

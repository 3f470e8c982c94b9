"""The settings page lists providers in fallback order with whether a key is set, never the key."""

import datetime

import pytest
from django.urls import reverse

from assistants.models import AiProvider

KEY = "sk-list-SECRET-4242"


@pytest.fixture
def providers(db):
    changed = datetime.datetime(2026, 3, 4, 10, 30, tzinfo=datetime.UTC)
    second = AiProvider.objects.create(code="backup", display_name="Backup server", kind="openai_compatible",
                                       base_url="http://127.0.0.1:9/v1", priority=5, default_model="llama3")
    first = AiProvider.objects.create(code="openai", display_name="OpenAI main", api_key=KEY,
                                      api_key_changed_at=changed, priority=1, default_model="gpt-4o-mini")
    off = AiProvider.objects.create(code="old", display_name="Old one", priority=9, enabled=False)
    return first, second, off


def test_it_lists_providers_in_fallback_order(client, users, providers, django_assert_max_num_queries):
    client.force_login(users.admin)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("assistants:settings")).content.decode()
    assert body.index("OpenAI main") < body.index("Backup server") < body.index("Old one")
    assert "http://127.0.0.1:9/v1" in body and "llama3" in body


def test_it_shows_whether_a_key_is_set_and_when_it_changed_but_never_the_key(client, users, providers):
    client.force_login(users.admin)
    body = client.get(reverse("assistants:settings")).content.decode()
    assert "changed 4 Mar 2026, 10:30" in body
    assert body.count(">Set") == 1 and body.count("Not set") == 2
    assert KEY not in body and KEY[-4:] not in body and KEY[:8] not in body


def test_it_marks_disabled_providers(client, users, providers):
    client.force_login(users.admin)
    body = client.get(reverse("assistants:settings")).content.decode()
    assert f'id="provider-{providers[2].pk}" class="off"' in body
    assert body.count("Disabled</span>") == 1


def test_it_invites_to_add_the_first_provider(client, users):
    client.force_login(users.admin)
    body = client.get(reverse("assistants:settings")).content.decode()
    assert "No AI provider yet" in body and reverse("assistants:provider_add") in body


def test_it_renders_the_edit_page_without_the_key(client, users, providers, django_assert_max_num_queries):
    client.force_login(users.admin)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("assistants:provider_edit", args=[providers[0].pk])).content.decode()
    assert "A key is stored, set 4 Mar 2026, 10:30" in body
    assert 'type="password" name="new_api_key"' in body
    assert KEY not in body and KEY[-4:] not in body


def test_it_links_the_home_page_to_the_settings_for_admins_only(client, users):
    client.force_login(users.admin)
    assert reverse("assistants:settings") in client.get("/").content.decode()
    client.force_login(users.staff)
    assert reverse("assistants:settings") not in client.get("/").content.decode()

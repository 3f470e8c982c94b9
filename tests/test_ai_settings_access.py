"""Only people allowed to manage AI settings reach the provider pages; others sign in or get 403."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from assistants.models import AiProvider


@pytest.fixture
def provider(db):
    return AiProvider.objects.create(code="local", display_name="Local", kind="openai_compatible",
                                     base_url="http://127.0.0.1:9/v1", api_key="sk-access-SECRET-1")


def every_url(provider):
    pk = provider.pk
    return [
        ("get", reverse("assistants:settings")),
        ("get", reverse("assistants:provider_add")),
        ("post", reverse("assistants:provider_add")),
        ("get", reverse("assistants:model_suggestions")),
        ("get", reverse("assistants:provider_edit", args=[pk])),
        ("post", reverse("assistants:provider_edit", args=[pk])),
        ("post", reverse("assistants:provider_test", args=[pk])),
        ("post", reverse("assistants:provider_move", args=[pk])),
        ("post", reverse("assistants:provider_enable", args=[pk])),
        ("get", reverse("assistants:provider_delete", args=[pk])),
        ("post", reverse("assistants:provider_delete", args=[pk])),
    ]


def test_it_sends_anonymous_visitors_to_the_login_page(client, provider):
    for method, url in every_url(provider):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    assert AiProvider.objects.filter(pk=provider.pk, enabled=True).exists()


@pytest.mark.parametrize("who", ["staff", "reviewer", "outsider"])
def test_it_refuses_people_without_the_permission(client, users, provider, who, django_assert_max_num_queries):
    client.force_login(getattr(users, who))
    for method, url in every_url(provider):
        with django_assert_max_num_queries(10):
            response = getattr(client, method)(url)
        assert response.status_code == 403, url
    provider.refresh_from_db()
    assert provider.enabled and provider.api_key == "sk-access-SECRET-1"


def test_it_lets_in_someone_given_the_permission(client, users, provider, django_assert_max_num_queries):
    users.outsider.user_permissions.add(Permission.objects.get(codename="manage_ai_settings"))
    client.force_login(users.outsider)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("assistants:settings")).status_code == 200
    assert client.get(reverse("assistants:provider_edit", args=[provider.pk])).status_code == 200


def test_it_lets_in_superusers(client, users, provider):
    client.force_login(users.admin)
    assert client.get(reverse("assistants:settings")).status_code == 200


def test_it_answers_404_for_a_provider_that_does_not_exist(client, users, db):
    client.force_login(users.admin)
    assert client.get(reverse("assistants:provider_edit", args=[999])).status_code == 404
    assert client.post(reverse("assistants:provider_test", args=[999])).status_code == 404


def test_it_refuses_the_wrong_method(client, users, provider):
    client.force_login(users.admin)
    assert client.get(reverse("assistants:provider_test", args=[provider.pk])).status_code == 405
    assert client.get(reverse("assistants:provider_move", args=[provider.pk])).status_code == 405
    assert client.post(reverse("assistants:settings")).status_code == 405

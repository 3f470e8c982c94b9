"""The fallback order, enabling and deleting: plain POSTs redirect back, htmx POSTs get the list."""

import pytest
from django.urls import reverse

from assistants.models import AiProvider, AssistantProfile

KEY = "sk-order-SECRET-5555"


@pytest.fixture
def providers(db):
    return [
        AiProvider.objects.create(code=code, display_name=code.title(), priority=priority, api_key=KEY)
        for code, priority in [("first", 0), ("second", 0), ("third", 7)]
    ]


@pytest.fixture
def admin_client(client, users):
    client.force_login(users.admin)
    return client


def order():
    return list(AiProvider.objects.order_by("priority", "id").values_list("code", flat=True))


def test_it_moves_a_provider_up_without_javascript(admin_client, providers, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_move", args=[providers[1].pk]), {"direction": "up"})
    assert response.status_code == 302 and response["Location"] == reverse("assistants:settings")
    assert order() == ["second", "first", "third"]
    assert list(AiProvider.objects.order_by("priority").values_list("priority", flat=True)) == [0, 1, 2]
    assert "Moved Second up." in admin_client.get(response["Location"]).content.decode()


def test_it_moves_a_provider_down_with_htmx_and_returns_the_list(admin_client, providers,
                                                                  django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_move", args=[providers[0].pk]),
                                     {"direction": "down"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="providers">')
    assert "<html" not in body and KEY not in body
    assert body.index(">Second<") < body.index(">First<") < body.index(">Third<")
    assert order() == ["second", "first", "third"]


def test_it_leaves_the_ends_of_the_order_in_place(admin_client, providers):
    admin_client.post(reverse("assistants:provider_move", args=[providers[0].pk]), {"direction": "up"})
    admin_client.post(reverse("assistants:provider_move", args=[providers[2].pk]), {"direction": "down"})
    assert order() == ["first", "second", "third"]


def test_the_order_decides_which_provider_is_tried_first(admin_client, providers):
    admin_client.post(reverse("assistants:provider_move", args=[providers[2].pk]), {"direction": "up"})
    admin_client.post(reverse("assistants:provider_move", args=[providers[2].pk]), {"direction": "up"})
    assert [p.code for p in AiProvider.objects.in_fallback_order()] == ["third", "first", "second"]


def test_it_disables_and_enables_a_provider(admin_client, providers, django_assert_max_num_queries):
    url = reverse("assistants:provider_enable", args=[providers[0].pk])
    with django_assert_max_num_queries(10):
        response = admin_client.post(url, {"enabled": "0"}, HTTP_HX_REQUEST="true")
    assert not AiProvider.objects.get(pk=providers[0].pk).enabled
    assert f'id="provider-{providers[0].pk}" class="off"' in response.content.decode()
    assert [p.code for p in AiProvider.objects.in_fallback_order()] == ["second", "third"]

    with django_assert_max_num_queries(10):
        response = admin_client.post(url, {"enabled": "1"})
    assert response.status_code == 302 and AiProvider.objects.get(pk=providers[0].pk).enabled
    # The same POST twice does not flip it back.
    admin_client.post(url, {"enabled": "1"})
    assert AiProvider.objects.get(pk=providers[0].pk).enabled


def test_it_asks_before_deleting(admin_client, providers, account, django_assert_max_num_queries):
    AssistantProfile.objects.create(name="Support", account=account, provider=providers[0])
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("assistants:provider_delete", args=[providers[0].pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "Delete First?" in body
    assert "1 assistant uses it" in body and KEY not in body
    assert AiProvider.objects.count() == 3


def test_it_deletes_after_confirmation(admin_client, providers, account, django_assert_max_num_queries):
    profile = AssistantProfile.objects.create(name="Support", account=account, provider=providers[0])
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_delete", args=[providers[0].pk]))
    assert response.status_code == 302
    assert order() == ["second", "third"]
    profile.refresh_from_db()
    assert profile.provider is None
    assert "Deleted First." in admin_client.get(response["Location"]).content.decode()


def test_it_deletes_with_htmx_and_returns_the_list(admin_client, providers, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_delete", args=[providers[1].pk]),
                                     HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and ">Second<" not in body and ">First<" in body
    assert order() == ["first", "third"]

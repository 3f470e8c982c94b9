"""The default-model field suggests the provider's models when it can list them, quietly otherwise."""

import socket

import pytest
from django.urls import reverse

from assistants.models import AiProvider
from assistants.sandbox import DEFAULT_API_KEY, LLMServer


@pytest.fixture
def admin_client(client, users):
    client.force_login(users.admin)
    return client


@pytest.fixture
def provider(db, llm_server):
    return AiProvider.objects.create(code="local", display_name="Local", kind="openai_compatible",
                                     base_url=llm_server.base_url, api_key=DEFAULT_API_KEY)


def suggestions(client, max_queries, **params):
    with max_queries(10):
        response = client.get(reverse("assistants:model_suggestions"), params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert DEFAULT_API_KEY not in response.content.decode()
    return response.content.decode()


def test_it_suggests_the_models_of_the_stored_provider(admin_client, provider, llm_server,
                                                       django_assert_max_num_queries):
    body = suggestions(admin_client, django_assert_max_num_queries, kind="openai_compatible",
                       base_url=llm_server.base_url, provider=provider.pk)
    assert '<datalist id="model-options">' in body
    for model in ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"):
        assert f'<option value="{model}">' in body
    assert "3 models offered by the server" in body
    assert llm_server.requests[-1].path == "/v1/models"


def test_it_is_quiet_when_the_provider_does_not_answer(admin_client, provider, django_assert_max_num_queries):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    body = suggestions(admin_client, django_assert_max_num_queries, kind="openai_compatible",
                       base_url=f"http://127.0.0.1:{port}/v1", provider=provider.pk)
    assert "<option" not in body and "No suggestions: the server did not list its models." in body


def test_it_is_quiet_when_the_key_is_refused(admin_client, provider, llm_server, django_assert_max_num_queries):
    llm_server.api_key = "sk-another-key"
    body = suggestions(admin_client, django_assert_max_num_queries, kind="openai_compatible",
                       base_url=llm_server.base_url, provider=provider.pk)
    assert "<option" not in body and "No suggestions" in body


def test_it_gives_up_quickly_on_a_slow_provider(admin_client, provider, llm_server, settings,
                                                django_assert_max_num_queries):
    settings.AI_TEST_CONNECTION_TIMEOUT = 0.3
    llm_server.set_delay(3)
    body = suggestions(admin_client, django_assert_max_num_queries, kind="openai_compatible",
                       base_url=llm_server.base_url, provider=provider.pk)
    assert "No suggestions" in body


def test_it_asks_for_a_base_url_first(admin_client, db, django_assert_max_num_queries):
    for base_url in ("", "not a url", "file:///etc/passwd"):
        body = suggestions(admin_client, django_assert_max_num_queries, kind="openai_compatible", base_url=base_url)
        assert "Type the base URL to see the models the server offers." in body


def test_it_sends_the_stored_key_only_to_the_stored_base_url(admin_client, provider, django_assert_max_num_queries):
    # Anyone can make a signed-in admin's browser GET this URL: it must not carry the key elsewhere.
    with LLMServer(api_key=DEFAULT_API_KEY) as elsewhere:
        body = suggestions(admin_client, django_assert_max_num_queries, kind="openai_compatible",
                           base_url=elsewhere.base_url, provider=provider.pk)
        assert "<option" not in body
        assert elsewhere.requests[-1].headers.get("authorization") == "Bearer [redacted]"
        assert elsewhere.requests[-1].status == 401


def test_it_works_for_a_new_provider_without_a_key(admin_client, llm_server, db, django_assert_max_num_queries):
    body = suggestions(admin_client, django_assert_max_num_queries, kind="openai_compatible",
                       base_url=llm_server.base_url)
    assert "<option" not in body and "suggestions appear once the key is saved" in body
    llm_server.api_key = "no-key"  # what the client sends for a server that needs none
    body = suggestions(admin_client, django_assert_max_num_queries, kind="openai_compatible",
                       base_url=llm_server.base_url, provider="")
    assert '<option value="gpt-4o">' in body


def test_the_edit_page_asks_for_suggestions_with_htmx(admin_client, provider):
    body = admin_client.get(reverse("assistants:provider_edit", args=[provider.pk])).content.decode()
    assert f'hx-get="{reverse("assistants:model_suggestions")}"' in body
    assert f'"provider": "{provider.pk}"' in body and 'list="model-options"' in body

""""Test connection" calls the provider through the real client and says what happened in plain words,
for the stored provider or for the values typed in the form before saving."""

import socket

import pytest
from django.urls import reverse

from assistants.models import AiProvider
from assistants.sandbox import DEFAULT_API_KEY

WRONG_KEY = "sk-wrong-SECRET-7777"


@pytest.fixture
def admin_client(client, users):
    client.force_login(users.admin)
    return client


@pytest.fixture
def provider(db, llm_server):
    return AiProvider.objects.create(code="local", display_name="Local", kind="openai_compatible",
                                     base_url=llm_server.base_url, api_key=DEFAULT_API_KEY,
                                     default_model="gpt-4o-mini")


@pytest.fixture
def fast_timeout(settings):
    settings.AI_TEST_CONNECTION_TIMEOUT = 0.5


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def press_test(client, provider, max_queries):
    """Presses "Test" on the stored provider's row, as htmx does; returns the partial's text."""
    with max_queries(10):
        response = client.post(reverse("assistants:provider_test", args=[provider.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    for key in (DEFAULT_API_KEY, WRONG_KEY):
        assert key not in body and key[-4:] not in body
    return body


def test_it_says_ok_when_the_provider_answers(admin_client, provider, llm_server, django_assert_max_num_queries):
    body = press_test(admin_client, provider, django_assert_max_num_queries)
    assert '<p class="result ok">OK: gpt-4o-mini answered in' in body and "<html" not in body
    assert llm_server.requests[-1].path == "/v1/chat/completions"
    assert llm_server.requests[-1].body["model"] == "gpt-4o-mini"


def test_it_says_the_key_is_wrong(admin_client, provider, django_assert_max_num_queries):
    provider.api_key = WRONG_KEY
    provider.save()
    body = press_test(admin_client, provider, django_assert_max_num_queries)
    assert "Wrong API key: the provider refused it." in body and 'class="result bad"' in body


def test_it_says_the_model_is_unknown(admin_client, provider, django_assert_max_num_queries):
    provider.default_model = "gpt-99"
    provider.save()
    body = press_test(admin_client, provider, django_assert_max_num_queries)
    assert "Unknown model: the provider does not offer “gpt-99”." in body


def test_it_reports_a_server_error(admin_client, provider, llm_server, django_assert_max_num_queries):
    llm_server.fail_next(500)
    body = press_test(admin_client, provider, django_assert_max_num_queries)
    assert "The provider answered with an error: HTTP 500: The server had an error" in body


def test_it_gives_up_after_the_timeout(admin_client, provider, llm_server, fast_timeout, django_assert_max_num_queries):
    llm_server.set_delay(3, count=1)
    body = press_test(admin_client, provider, django_assert_max_num_queries)
    assert f"Timed out: {llm_server.base_url} did not answer within 0.5 seconds." in body


def test_it_says_when_nothing_answers(admin_client, provider, django_assert_max_num_queries):
    provider.base_url = closed_port_url()
    provider.save()
    body = press_test(admin_client, provider, django_assert_max_num_queries)
    assert f"Unreachable: nothing answered at {provider.base_url}." in body


def test_it_reports_in_a_message_without_javascript(admin_client, provider, llm_server,
                                                    django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_test", args=[provider.pk]))
    assert response.status_code == 302
    body = admin_client.get(response["Location"]).content.decode()
    assert "Local: OK: gpt-4o-mini answered in" in body

    provider.api_key = WRONG_KEY
    provider.save()
    response = admin_client.post(reverse("assistants:provider_test", args=[provider.pk]), follow=True)
    body = response.content.decode()
    assert 'class="error"' in body and "Local: Wrong API key" in body and WRONG_KEY not in body


def test_it_lists_models_when_no_default_model_is_set(admin_client, provider, llm_server,
                                                      django_assert_max_num_queries):
    provider.default_model = ""
    provider.save()
    body = press_test(admin_client, provider, django_assert_max_num_queries)
    assert "OK: the provider answered and offers 3 models. Choose a default model." in body


# -- the values typed in the form, before saving ------------------------------------------------

def typed(provider_url, **changes):
    data = {"code": "local", "display_name": "Local", "kind": "openai_compatible", "base_url": provider_url,
            "new_api_key": "", "default_model": "gpt-4o-mini", "priority": "0", "enabled": "on", "action": "test"}
    data.update(changes)
    return data


def test_it_tests_typed_values_with_the_stored_key(admin_client, provider, llm_server,
                                                   django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]),
                                     typed(llm_server.base_url, default_model="gpt-4o", display_name="Renamed"),
                                     HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "OK: gpt-4o answered in" in body and DEFAULT_API_KEY not in body and "<html" not in body
    provider.refresh_from_db()
    assert provider.default_model == "gpt-4o-mini" and provider.display_name == "Local"  # nothing saved


def test_it_tests_a_typed_key_without_saving_it(admin_client, provider, llm_server):
    response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]),
                                 typed(llm_server.base_url, new_api_key=WRONG_KEY), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Wrong API key" in body and WRONG_KEY not in body
    provider.refresh_from_db()
    assert provider.api_key == DEFAULT_API_KEY and provider.api_key_changed_at is None


def test_it_tests_a_new_provider_before_it_exists(admin_client, llm_server, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = admin_client.post(reverse("assistants:provider_add"),
                                     typed(llm_server.base_url, new_api_key=DEFAULT_API_KEY), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "OK: gpt-4o-mini answered in" in body and DEFAULT_API_KEY not in body
    assert not AiProvider.objects.exists()


def test_it_tests_a_new_provider_without_a_key(admin_client, llm_server, db):
    response = admin_client.post(reverse("assistants:provider_add"), typed(llm_server.base_url),
                                 HTTP_HX_REQUEST="true")
    assert "Wrong API key" in response.content.decode()


def test_it_does_not_use_a_key_the_form_removes(admin_client, provider, llm_server):
    response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]),
                                 typed(llm_server.base_url, clear_api_key="on"), HTTP_HX_REQUEST="true")
    assert "Wrong API key" in response.content.decode()
    assert AiProvider.objects.get(pk=provider.pk).api_key == DEFAULT_API_KEY


def test_it_asks_to_fix_the_connection_fields_first(admin_client, provider, llm_server):
    response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]),
                                 typed("not a url", code="bad code"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Not tested: fix these first. Base URL: Enter a full URL" in body
    assert "slug" not in body  # the code does not matter for a test
    assert llm_server.requests == []


def test_it_tests_typed_values_without_javascript(admin_client, provider, llm_server):
    response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]),
                                 typed(llm_server.base_url, new_api_key=DEFAULT_API_KEY, display_name="Renamed"))
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert "OK: gpt-4o-mini answered in" in body
    assert "The key you typed is not saved" in body
    assert 'value="Renamed"' in body and DEFAULT_API_KEY not in body
    assert AiProvider.objects.get(pk=provider.pk).display_name == "Local"


def test_it_times_out_typed_values_too(admin_client, provider, llm_server, fast_timeout):
    llm_server.set_delay(3, count=1)
    response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]),
                                 typed(llm_server.base_url), HTTP_HX_REQUEST="true")
    assert "did not answer within 0.5 seconds" in response.content.decode()


def test_it_says_when_typed_values_point_nowhere(admin_client, provider):
    url = closed_port_url()
    response = admin_client.post(reverse("assistants:provider_edit", args=[provider.pk]), typed(url),
                                 HTTP_HX_REQUEST="true")
    assert f"Unreachable: nothing answered at {url}." in response.content.decode()

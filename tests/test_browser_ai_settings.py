"""An admin adds a provider in a real browser, tests it against the local OpenAI-compatible server, saves
it, and manages it from the list: the htmx parts work and the key stays write-only."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from assistants.models import AiProvider
from assistants.sandbox import DEFAULT_API_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def raw_api_key(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM assistants_aiprovider WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_it_sets_up_tests_and_manages_a_provider(page, sign_in, live_server, llm_server, django_user_model, tmp_path):
    django_user_model.objects.create_superuser("alice", "alice@example.com", "alice-pass-123")
    sign_in(page, "alice", "alice-pass-123", next="/assistants/settings/")
    expect(page.get_by_text("No AI provider yet")).to_be_visible()

    page.get_by_role("link", name="Add a provider").click()
    page.select_option("#id_kind", "openai_compatible")
    page.fill("#id_base_url", llm_server.base_url)
    page.fill("#id_new_api_key", DEFAULT_API_KEY)
    page.fill("#id_default_model", "gpt-4o-mini")
    page.fill("#id_display_name", "Local sandbox")
    page.fill("#id_code", "local")

    # The typed values, typed key included, are tested before anything is saved.
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#test-result .result.ok")).to_contain_text("OK: gpt-4o-mini answered")
    assert not AiProvider.objects.exists()
    assert page.input_value("#id_new_api_key") == DEFAULT_API_KEY  # htmx left the form alone

    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/assistants/settings/")
    expect(page.locator(".messages")).to_contain_text("Saved Local sandbox.")
    provider = AiProvider.objects.get(code="local")
    assert (provider.kind, provider.base_url, provider.default_model) == (
        "openai_compatible", llm_server.base_url, "gpt-4o-mini")
    assert provider.api_key == DEFAULT_API_KEY and provider.api_key_changed_at is not None
    stored = raw_api_key(provider.pk)
    assert stored.startswith("enc:v1:") and DEFAULT_API_KEY not in stored

    row = page.locator(f"#provider-{provider.pk}")
    row.get_by_role("button", name="Test").click()
    expect(page.locator(f"#test-{provider.pk} .result.ok")).to_contain_text("OK: gpt-4o-mini answered")
    page.screenshot(path=tmp_path / "ai-settings-list.png", full_page=True)
    assert DEFAULT_API_KEY not in page.content()

    # Editing: the stored key is not shown, the model list is suggested, and a blank key keeps it.
    row.get_by_role("link", name="Edit").click()
    expect(page.locator("#model-suggestions")).to_contain_text("3 models offered by the server")
    assert page.locator("#model-options option").count() == 3
    assert page.input_value("#id_new_api_key") == "" and DEFAULT_API_KEY not in page.content()
    page.fill("#id_default_model", "gpt-4o")
    page.screenshot(path=tmp_path / "ai-settings-edit.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/assistants/settings/")
    provider.refresh_from_db()
    assert provider.default_model == "gpt-4o" and provider.api_key == DEFAULT_API_KEY

    # Disable, then delete after confirming, without leaving the page.
    row.get_by_role("button", name="Disable").click()
    expect(row).to_have_class("off")
    assert not AiProvider.objects.get(pk=provider.pk).enabled
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("link", name="Delete").click()
    expect(page.get_by_text("No AI provider yet")).to_be_visible()
    assert not AiProvider.objects.exists()
    assert page.js_errors == []

"""Every model has an admin that renders for a superuser and sends anonymous visitors to sign in."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from assistants.models import AiProvider, AssistantProfile
from integrations.models import Account, Credentials, EmailMessage
from training.models import TrainingPair

PROJECT_APPS = {"integrations", "training", "assistants"}


@pytest.fixture
def one_of_everything(account):
    Credentials.objects.create(account=account, access_token="a", refresh_token="r")
    client_msg = EmailMessage.objects.create(
        account=account, gmail_id="m1", thread_id="t1", direction="incoming", subject="Order 1",
        from_address="client@acme.test", internal_date=timezone.now(),
    )
    reply = EmailMessage.objects.create(
        account=account, gmail_id="m2", thread_id="t1", direction="outgoing", subject="Re: Order 1",
        from_address="me@example.com", internal_date=timezone.now(),
    )
    TrainingPair.objects.create(
        account=account, thread_id="t1", client_message=client_msg, reply_message=reply,
        client_text="Where is my order?", reply_text="It ships today.", client_sent_at=timezone.now(),
    )
    provider = AiProvider.objects.create(code="local", display_name="Local", kind="openai_compatible",
                                         base_url="http://127.0.0.1:9/v1", api_key="k")
    AssistantProfile.objects.create(name="Support", account=account, provider=provider)


def project_models():
    return [m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS]


def test_it_registers_every_project_model():
    registered = {m._meta.label for m in project_models()}
    assert registered == {
        "integrations.Provider", "integrations.Account", "integrations.Credentials", "integrations.EmailMessage",
        "training.TrainingPair", "assistants.AiProvider", "assistants.AssistantProfile",
    }


def test_it_renders_every_admin_page_for_a_superuser(client, users, one_of_everything):
    client.force_login(users.admin)
    for model in project_models():
        info = model._meta.app_label, model._meta.model_name
        assert client.get(reverse("admin:%s_%s_changelist" % info)).status_code == 200, info
        assert client.get(reverse("admin:%s_%s_changelist" % info), {"q": "x"}).status_code == 200, info
        obj = model._default_manager.first()
        assert client.get(reverse("admin:%s_%s_change" % info, args=[obj.pk])).status_code == 200, info
        expected_add = 200 if admin.site._registry[model].has_add_permission(_request(users.admin)) else 403
        assert client.get(reverse("admin:%s_%s_add" % info)).status_code == expected_add, info


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_it_sends_anonymous_visitors_to_the_login_page(client, one_of_everything):
    for model in project_models():
        url = reverse("admin:%s_%s_changelist" % (model._meta.app_label, model._meta.model_name))
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_enables_disables_and_requests_resync_from_the_account_list(client, users, account):
    client.force_login(users.admin)
    url = reverse("admin:integrations_account_changelist")
    client.post(url, {"action": "disable_accounts", "_selected_action": [account.pk]})
    assert Account.objects.get(pk=account.pk).status == "disabled"
    client.post(url, {"action": "enable_accounts", "_selected_action": [account.pk]})
    assert Account.objects.get(pk=account.pk).status == "active"
    client.post(url, {"action": "request_resync", "_selected_action": [account.pk]})
    assert Account.objects.get(pk=account.pk).resync_requested_at is not None


def test_it_replaces_an_api_key_only_when_a_new_one_is_typed(client, users, one_of_everything):
    client.force_login(users.admin)
    provider = AiProvider.objects.get(code="local")
    url = reverse("admin:assistants_aiprovider_change", args=[provider.pk])
    form = {"code": "local", "display_name": "Local", "kind": "openai_compatible",
            "base_url": "http://127.0.0.1:9/v1", "default_model": "m", "priority": 0, "enabled": "on"}
    assert client.post(url, {**form, "new_api_key": ""}).status_code == 302
    assert AiProvider.objects.get(pk=provider.pk).api_key == "k"
    assert client.post(url, {**form, "new_api_key": "sk-new"}).status_code == 302
    provider = AiProvider.objects.get(pk=provider.pk)
    assert provider.api_key == "sk-new" and provider.api_key_changed_at is not None


def test_it_asks_for_a_base_url_for_an_openai_compatible_server(client, users, db):
    client.force_login(users.admin)
    response = client.post(reverse("admin:assistants_aiprovider_add"), {
        "code": "x", "display_name": "X", "kind": "openai_compatible", "base_url": "", "priority": 0})
    assert response.status_code == 200
    assert "needs its base URL" in response.content.decode()
    assert not AiProvider.objects.exists()

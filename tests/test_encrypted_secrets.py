"""Secrets are authenticated ciphertext at rest, readable only with a configured key, and rotate."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from assistants.models import AiProvider
from emailassist import crypto
from integrations.models import Credentials

ACCESS = "ya29.access-token-SECRET-1111"
REFRESH = "1//refresh-token-SECRET-2222"
API_KEY = "sk-test-SECRET-3333"


def raw_column(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def credentials(account):
    return Credentials.objects.create(account=account, access_token=ACCESS, refresh_token=REFRESH)


@pytest.fixture
def provider(db):
    return AiProvider.objects.create(code="openai", display_name="OpenAI", api_key=API_KEY)


def test_it_stores_tokens_as_versioned_ciphertext(credentials):
    stored = raw_column("integrations_credentials", "access_token", credentials.pk)
    assert stored.startswith("enc:v1:")
    assert ACCESS not in stored
    assert REFRESH not in raw_column("integrations_credentials", "refresh_token", credentials.pk)


def test_it_reads_back_the_plaintext(credentials, provider):
    credentials = Credentials.objects.get(pk=credentials.pk)
    assert credentials.access_token == ACCESS
    assert credentials.refresh_token == REFRESH
    assert AiProvider.objects.get(pk=provider.pk).api_key == API_KEY


def test_it_stores_the_api_key_as_ciphertext(provider):
    stored = raw_column("assistants_aiprovider", "api_key", provider.pk)
    assert stored.startswith("enc:v1:") and API_KEY not in stored


def test_it_encrypts_the_same_secret_differently_each_time(account):
    a = crypto.encrypt(ACCESS)
    b = crypto.encrypt(ACCESS)
    assert a != b and crypto.decrypt(a) == crypto.decrypt(b) == ACCESS


def test_it_keeps_empty_values_as_not_set(account):
    creds = Credentials.objects.create(account=account)
    assert raw_column("integrations_credentials", "access_token", creds.pk) == ""
    assert Credentials.objects.get(pk=creds.pk).access_token == ""


def test_it_refuses_to_decrypt_with_the_wrong_key(credentials, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError, match="FIELD_ENCRYPTION_KEYS"):
        Credentials.objects.get(pk=credentials.pk)


def test_it_refuses_tampered_ciphertext(credentials):
    stored = raw_column("integrations_credentials", "access_token", credentials.pk)
    tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered)


def test_it_never_returns_a_value_without_the_prefix_as_a_secret(account):
    with pytest.raises(crypto.DecryptionError, match="prefix"):
        crypto.decrypt("plaintext-token")


def test_it_names_the_setting_when_a_key_is_malformed(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS entry 1"):
        crypto.encrypt("x")


def test_it_names_the_setting_when_no_key_is_configured(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        crypto.encrypt("x")


def test_it_rotates_every_value_to_the_new_key_and_is_safe_to_rerun(credentials, provider, settings, capsys):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    before = raw_column("integrations_credentials", "access_token", credentials.pk)

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", batch_size=1)
    assert "integrations.Credentials: 2 value(s) re-encrypted" in capsys.readouterr().out
    after = raw_column("integrations_credentials", "access_token", credentials.pk)
    assert after != before and ACCESS not in after

    call_command("rotate_encryption_keys")
    out = capsys.readouterr().out
    assert "integrations.Credentials: 0 value(s) re-encrypted, 2 already current" in out
    assert "assistants.AiProvider: 0 value(s) re-encrypted, 1 already current" in out

    # The old key can now be dropped.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Credentials.objects.get(pk=credentials.pk).refresh_token == REFRESH
    assert AiProvider.objects.get(pk=provider.pk).api_key == API_KEY


def test_it_stops_rotation_with_a_clear_error_when_a_key_is_missing(credentials, settings):
    from django.core.management.base import CommandError

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="integrations.Credentials"):
        call_command("rotate_encryption_keys")



def test_it_never_shows_secrets_in_admin_pages(client, users, credentials, provider):
    client.force_login(users.admin)
    pages = [
        f"/admin/integrations/credentials/{credentials.pk}/change/",
        "/admin/integrations/credentials/",
        f"/admin/integrations/account/{credentials.account.pk}/change/",
        f"/admin/assistants/aiprovider/{provider.pk}/change/",
        "/admin/assistants/aiprovider/",
    ]
    for url in pages:
        body = client.get(url).content.decode()
        for secret in (ACCESS, REFRESH, API_KEY):
            assert secret not in body, url
    body = client.get(f"/admin/assistants/aiprovider/{provider.pk}/change/").content.decode()
    assert "set" in body and 'type="password"' in body

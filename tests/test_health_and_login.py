"""The health check, sign-in and the permissions every later page relies on."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import Group
from django.db.utils import OperationalError

from emailassist import views


def test_it_reports_the_database_and_the_cluster(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert set(body["cluster"]) == {"clusters", "states", "queued"}


def test_it_answers_503_when_the_database_is_down(client, db, monkeypatch):
    class DownConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", DownConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_it_shows_the_login_page_without_google_when_it_is_not_configured(client, db):
    body = client.get("/accounts/login/").content.decode()
    assert 'name="login"' in body and 'name="password"' in body
    assert "/accounts/google/login/" not in body


def test_it_offers_sign_in_with_google_when_it_is_configured(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "cid.apps.googleusercontent.com", "secret": "s", "key": ""}],
                   "SCOPE": ["openid", "email"]}
    }
    assert "/accounts/google/login/" in client.get("/accounts/login/").content.decode()


def test_it_signs_a_user_in_with_username_and_password(client, users):
    response = client.post("/accounts/login/", {"login": "rita", "password": "rita-pass-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_keeps_open_sign_up_closed_by_default(client, db):
    response = client.get("/accounts/signup/")
    assert "closed" in response.content.decode().lower()


def test_it_sends_anonymous_visitors_from_home_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_gives_reviewers_view_and_change_on_pairs_only(users):
    perms = set(Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True))
    assert perms == {"view_trainingpair", "change_trainingpair"}
    assert users.reviewer.has_perm("training.change_trainingpair")
    assert not users.reviewer.has_perm("training.delete_trainingpair")
    assert not users.outsider.has_perm("training.view_trainingpair")


def _import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; django.setup(); print('ok')"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "emailassist.settings", **env},
        capture_output=True, text=True, timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _import_settings(DEBUG="false", FIELD_ENCRYPTION_KEYS="ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE=")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_to_start_without_encryption_keys_when_debug_is_off():
    result = _import_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_it_starts_with_production_secrets_set():
    result = _import_settings(DEBUG="false", SECRET_KEY="x" * 50,
                              FIELD_ENCRYPTION_KEYS="ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE=")
    assert result.returncode == 0, result.stderr

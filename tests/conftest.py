"""Shared fixtures. Each outside system's local stand-in lives in its own plugin module."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

pytest_plugins = ["tests.fixtures_llm", "tests.fixtures_gmail", "tests.fixtures_browser", "tests.fixtures_review"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def users(db, django_user_model):
    """The named people of the tests: an admin, a reviewer, a staff member without rights, an outsider."""
    admin = django_user_model.objects.create_superuser("alice", "alice@example.com", "alice-pass-123")
    reviewer = django_user_model.objects.create_user("rita", "rita@example.com", "rita-pass-123")
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    staff = django_user_model.objects.create_user("sam", "sam@example.com", "sam-pass-123", is_staff=True)
    outsider = django_user_model.objects.create_user("oscar", "oscar@example.com", "oscar-pass-123")
    return type("Users", (), {"admin": admin, "reviewer": reviewer, "staff": staff, "outsider": outsider})


@pytest.fixture
def gmail_provider(db):
    from integrations.models import Provider

    return Provider.objects.get(code="gmail")


@pytest.fixture
def account(users, gmail_provider):
    from integrations.models import Account

    return Account.objects.create(
        provider=gmail_provider, owner=users.admin, address="me@example.com", display_name="Support"
    )

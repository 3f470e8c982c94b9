"""Who may use the review pages: the Reviewers group, staff holding the two permissions, superusers."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.fixtures_review import make_pair

pytestmark = pytest.mark.django_db


def _urls(pair):
    return [
        ("get", reverse("training:pairs")),
        ("get", reverse("training:pair", args=[pair.pk])),
        ("get", reverse("training:export")),
        ("post", reverse("training:pair", args=[pair.pk])),
        ("post", reverse("training:decide", args=[pair.pk, "approve"])),
        ("post", reverse("training:bulk")),
    ]


def test_it_sends_anonymous_visitors_to_the_login_page(client, accounts):
    pair = make_pair(accounts.alpha)
    for method, url in _urls(pair):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_it_forbids_signed_in_users_without_the_permissions(client, users, accounts, who):
    pair = make_pair(accounts.alpha)
    client.force_login(getattr(users, who))
    for method, url in _urls(pair):
        assert getattr(client, method)(url).status_code == 403, url
    pair.refresh_from_db()
    assert pair.status == "new"


def test_it_forbids_a_user_with_only_the_view_permission(client, users, accounts):
    users.outsider.user_permissions.add(Permission.objects.get(codename="view_trainingpair"))
    client.force_login(users.outsider)
    assert client.get(reverse("training:pairs")).status_code == 403


@pytest.mark.parametrize("who", ["reviewer", "admin"])
def test_it_lets_reviewers_and_superusers_in(client, users, accounts, who):
    make_pair(accounts.alpha)
    client.force_login(getattr(users, who))
    assert client.get(reverse("training:pairs")).status_code == 200


def test_it_lets_staff_with_the_two_permissions_in(client, users, accounts):
    users.staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_trainingpair", "change_trainingpair"])
    )
    client.force_login(users.staff)
    assert client.get(reverse("training:pairs")).status_code == 200


def test_it_links_the_review_page_from_home_for_reviewers_only(client, users):
    client.force_login(users.reviewer)
    assert reverse("training:pairs") in client.get("/").content.decode()
    client.force_login(users.outsider)
    assert reverse("training:pairs") not in client.get("/").content.decode()

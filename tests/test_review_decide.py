"""Approve, reject and reset one pair: htmx gets that row and the new counts; a plain post goes back."""

import re

import pytest
from django.urls import reverse

from tests.fixtures_review import make_pair
from training.models import TrainingPair

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "pair-1"}


def _decide(pair, action):
    return reverse("training:decide", args=[pair.pk, action])


def test_it_approves_with_htmx_and_returns_the_row_and_the_counts(client, users, accounts):
    pair = make_pair(accounts.alpha, subject="Row me")
    make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    response = client.post(_decide(pair, "approve"), {"filters": "status=new"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="pair-{pair.pk}"') and "Row me" in html
    assert "badge approved" in html
    assert 'id="status-tabs"' in html and 'hx-swap-oob="true"' in html
    counts = dict(re.findall(r'data-status="(\w+)">\w+ <span class="count">(\d+)<', html))
    assert counts == {"new": "1", "approved": "1", "rejected": "0"}
    pair.refresh_from_db()
    assert pair.status == "approved" and pair.reviewed_by == users.reviewer and pair.reviewed_at is not None


@pytest.mark.parametrize("action,status", [("reject", "rejected"), ("reset", "new"), ("approve", "approved")])
def test_it_records_every_decision(client, users, accounts, action, status):
    pair = make_pair(accounts.alpha, status=TrainingPair.Status.REJECTED if action == "reset" else "new")
    before = pair.updated_at
    client.force_login(users.admin)
    client.post(_decide(pair, action), headers=HTMX)
    pair.refresh_from_db()
    assert pair.status == status and pair.reviewed_by == users.admin and pair.updated_at > before


def test_it_redirects_a_plain_post_back_to_the_list_with_its_filters(client, users, accounts):
    pair = make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    filters = f"status=new&account={accounts.alpha.pk}&q=help&after=1_1"
    response = client.post(_decide(pair, "reject"), {"filters": filters})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('training:pairs')}?{filters}"
    pair.refresh_from_db()
    assert pair.status == "rejected"


def test_it_refuses_unknown_actions_and_gets(client, users, accounts):
    pair = make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    assert client.post(_decide(pair, "delete")).status_code == 404
    assert client.get(_decide(pair, "approve")).status_code == 405
    assert client.post(reverse("training:decide", args=[99999, "approve"])).status_code == 404


def test_it_needs_csrf(users, accounts):
    from django.test import Client

    pair = make_pair(accounts.alpha)
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.reviewer)
    assert client.post(_decide(pair, "approve"), headers=HTMX).status_code == 403
    pair.refresh_from_db()
    assert pair.status == "new"


def test_it_needs_few_queries(client, users, accounts, django_assert_max_num_queries):
    pair = make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    with django_assert_max_num_queries(10):
        client.post(_decide(pair, "approve"), {"filters": "q=help"}, headers=HTMX)

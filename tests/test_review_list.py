"""The review list: rows, filters, counts per status, sort, and a bounded number of queries."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_review import make_pair
from training.models import TrainingPair

pytestmark = pytest.mark.django_db
URL = reverse("training:pairs")


@pytest.fixture
def reviewer_client(client, users):
    client.force_login(users.reviewer)
    return client


def _ids(response):
    return [p.pk for p in response.context["pairs"]]


def test_it_shows_new_pairs_with_account_subject_previews_status_and_date(reviewer_client, accounts):
    pair = make_pair(accounts.alpha, subject="Invoice 42", client_text="Where is my invoice?", reply_text="Attached, sorry!")
    make_pair(accounts.alpha, status=TrainingPair.Status.APPROVED, subject="Old approved")
    response = reviewer_client.get(URL)
    html = response.content.decode()
    assert _ids(response) == [pair.pk]
    for text in ["alpha@example.com", "Invoice 42", "Where is my invoice?", "Attached, sorry!", "New",
                 pair.client_sent_at.strftime("%Y")]:
        assert text in html
    assert "Old approved" not in html


def test_it_shows_the_edited_texts_in_the_previews(reviewer_client, accounts):
    make_pair(accounts.alpha, client_text="original words", edited_client_text="edited words")
    html = reviewer_client.get(URL).content.decode()
    assert "edited words" in html and "original words" not in html


def test_it_filters_by_status_account_search_and_dates(reviewer_client, accounts):
    now = timezone.now()
    a = make_pair(accounts.alpha, client_text="The printer is on fire", sent_at=now - dt.timedelta(days=10))
    b = make_pair(accounts.beta, reply_text="Restart the PRINTER please", sent_at=now - dt.timedelta(days=3))
    c = make_pair(accounts.beta, client_text="x", edited_reply_text="our printer guide", sent_at=now - dt.timedelta(days=1))
    d = make_pair(accounts.alpha, client_text="Unrelated", status=TrainingPair.Status.REJECTED)

    assert set(_ids(reviewer_client.get(URL, {"q": "printer"}))) == {a.pk, b.pk, c.pk}
    assert set(_ids(reviewer_client.get(URL, {"q": "printer", "account": accounts.beta.pk}))) == {b.pk, c.pk}
    since = (now - dt.timedelta(days=5)).date().isoformat()
    until = (now - dt.timedelta(days=2)).date().isoformat()
    assert _ids(reviewer_client.get(URL, {"since": since, "until": until})) == [b.pk]
    assert _ids(reviewer_client.get(URL, {"status": "rejected"})) == [d.pk]


def test_it_counts_each_status_under_the_other_filters(reviewer_client, accounts):
    make_pair(accounts.alpha, client_text="refund please")
    make_pair(accounts.alpha, client_text="refund again", status=TrainingPair.Status.APPROVED)
    make_pair(accounts.beta, client_text="refund", status=TrainingPair.Status.REJECTED)
    make_pair(accounts.beta, client_text="hello")
    tabs = {t["value"]: t["count"] for t in reviewer_client.get(URL, {"q": "refund"}).context["tabs"]}
    assert tabs == {"new": 1, "approved": 1, "rejected": 1}
    tabs = {t["value"]: t["count"] for t in reviewer_client.get(URL, {"account": accounts.beta.pk}).context["tabs"]}
    assert tabs == {"new": 1, "approved": 0, "rejected": 1}


def test_it_sorts_newest_or_oldest_first(reviewer_client, accounts):
    now = timezone.now()
    old = make_pair(accounts.alpha, sent_at=now - dt.timedelta(days=2))
    new = make_pair(accounts.alpha, sent_at=now - dt.timedelta(days=1))
    assert _ids(reviewer_client.get(URL)) == [new.pk, old.pk]
    assert _ids(reviewer_client.get(URL, {"sort": "oldest"})) == [old.pk, new.pk]


def test_it_ignores_invalid_filter_values(reviewer_client, accounts):
    pair = make_pair(accounts.alpha)
    response = reviewer_client.get(URL, {"status": "nope", "since": "yesterday", "size": "7", "after": "garbage"})
    assert response.status_code == 200
    assert _ids(response) == [pair.pk]


def test_it_renders_only_the_results_for_htmx(reviewer_client, accounts):
    make_pair(accounts.alpha, subject="Partial please")
    response = reviewer_client.get(URL, headers={"HX-Request": "true", "HX-Target": "results"})
    html = response.content.decode()
    assert "Partial please" in html and 'id="status-tabs"' in html
    assert "<html" not in html and 'id="filters"' not in html


@pytest.mark.parametrize("size", [25, 200])
@pytest.mark.parametrize("htmx", [False, True])
def test_it_needs_few_queries_whatever_the_page_size(reviewer_client, accounts, django_assert_max_num_queries, size, htmx):
    for i in range(size + 5):
        make_pair(accounts.alpha if i % 2 else accounts.beta, client_text=f"text {i}", with_messages=i < 3)
    headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else {}
    first = reviewer_client.get(URL, {"size": size, "q": "text"}, headers=headers)
    cursor = re.search(r"after=([0-9n]+_[0-9]+)", first.content.decode()).group(1)
    with django_assert_max_num_queries(10):
        response = reviewer_client.get(URL, {"size": size, "q": "text", "after": cursor}, headers=headers)
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        response = reviewer_client.get(URL, {"size": size}, headers=headers)
    assert response.content.decode().count('class="pair status-new"') == size

"""Keyset pages on (client_sent_at, id): every pair exactly once, forwards and back, with ties and undated pairs."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_review import make_pair
from training.models import Cursor, TrainingPair

pytestmark = pytest.mark.django_db
URL = reverse("training:pairs")


@pytest.fixture
def pairs(accounts):
    base = timezone.now().replace(microsecond=123456)
    made = []
    for i in range(30):
        # Groups of three pairs share a timestamp, so the id has to break ties.
        made.append(make_pair(accounts.alpha, sent_at=base - dt.timedelta(minutes=i // 3)))
    for _ in range(4):
        made.append(TrainingPair.objects.create(account=accounts.beta, thread_id="u", client_text="undated", reply_text="r"))
    return made


def _expected(newest):
    return list(TrainingPair.objects.pending().in_review_order(newest=newest).values_list("pk", flat=True))


def _walk(client, params):
    """Follow the next links to the end, then the previous links back to the start."""
    pages, response = [], client.get(URL, params)
    while True:
        pages.append([p.pk for p in response.context["pairs"]])
        if not response.context["next_url"]:
            break
        response = client.get(URL + response.context["next_url"])
    back = [[p.pk for p in response.context["pairs"]]]
    while response.context["previous_url"]:
        response = client.get(URL + response.context["previous_url"])
        back.append([p.pk for p in response.context["pairs"]])
    return pages, back[::-1]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_it_pages_through_every_pair_once_and_back(client, users, pairs, sort):
    client.force_login(users.reviewer)
    forwards, backwards = _walk(client, {"size": 25, "sort": sort})
    flat = [pk for page in forwards for pk in page]
    assert flat == _expected(sort == "newest")
    assert len(flat) == 34 and len(forwards) == 2
    assert backwards == forwards


@pytest.mark.parametrize("sparse", [False, True])
def test_it_pages_by_the_queryset_in_small_steps(pairs, sparse):
    qs = TrainingPair.objects.pending()
    for newest in (True, False):
        seen, after = [], None
        while True:
            rows, _, has_next = qs.page(size=4, newest=newest, after=after, sparse=sparse)
            seen += [p.pk for p in rows]
            if not has_next:
                break
            after = Cursor.of(rows[-1])
        assert seen == _expected(newest)
        # And back again from the end, page by page.
        back, before = [], Cursor.of(TrainingPair.objects.get(pk=seen[-1]))
        back_rows = [seen[-1]]
        while True:
            rows, has_previous, _ = qs.page(size=4, newest=newest, before=before, sparse=sparse)
            back_rows = [p.pk for p in rows] + back_rows
            if not has_previous:
                break
            before = Cursor.of(rows[0])
        assert back_rows == seen


def test_it_keeps_the_filters_in_the_page_links(client, users, pairs, accounts):
    client.force_login(users.reviewer)
    response = client.get(URL, {"size": 25, "q": "undated", "account": accounts.beta.pk})
    assert response.context["next_url"] is None
    response = client.get(URL, {"size": 25, "account": accounts.alpha.pk})
    assert re.search(r"account=\d+", response.context["next_url"]) and "after=" in response.context["next_url"]


def test_it_round_trips_cursors():
    when = dt.datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=dt.timezone.utc)
    cursor = Cursor.parse(str(Cursor(when, 42)))
    assert (cursor.sent_at, cursor.pk) == (when, 42)
    assert Cursor.parse("n_7").sent_at is None
    assert Cursor.parse("x_y") is None and Cursor.parse("") is None

"""Bulk approve or reject: selected pairs or all matching the filter, confirmed with the count, one UPDATE."""

import pytest
from django.urls import reverse

from tests.fixtures_review import make_pair
from training.models import TrainingPair

pytestmark = pytest.mark.django_db
URL = reverse("training:bulk")


def test_it_asks_for_confirmation_with_the_count_and_changes_nothing_yet(client, users, accounts):
    a, b, _ = make_pair(accounts.alpha), make_pair(accounts.alpha), make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    response = client.post(URL, {"action": "reject", "ids": [a.pk, b.pk], "filters": "status=new"})
    html = response.content.decode()
    assert response.status_code == 200 and "Reject 2 pairs?" in html and 'name="confirmed"' in html
    assert TrainingPair.objects.pending().count() == 3
    htmx = client.post(URL, {"action": "reject", "ids": [a.pk]}, headers={"HX-Request": "true", "HX-Target": "confirm-body"})
    assert "Reject 1 pair?" in htmx.content.decode() and "<html" not in htmx.content.decode()


def test_it_rejects_the_selected_pairs_in_one_update(client, users, accounts, django_assert_max_num_queries):
    a, b, c = make_pair(accounts.alpha), make_pair(accounts.alpha), make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    with django_assert_max_num_queries(7) as queries:
        response = client.post(URL, {"action": "reject", "ids": [a.pk, b.pk], "confirmed": "1", "filters": "q=help"})
    assert len([q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]) == 1
    assert response["Location"] == reverse("training:pairs") + "?q=help"
    for pair in (a, b):
        pair.refresh_from_db()
        assert pair.status == "rejected" and pair.reviewed_by == users.reviewer and pair.reviewed_at
    c.refresh_from_db()
    assert c.status == "new"
    assert "Rejected 2 pairs." in [str(m) for m in client.get(reverse("training:pairs")).context["messages"]]


def test_it_approves_all_pairs_matching_the_filter_up_to_the_confirmed_one(client, users, accounts):
    match = [make_pair(accounts.alpha, client_text="refund") for _ in range(3)]
    other_account = make_pair(accounts.beta, client_text="refund")
    no_match = make_pair(accounts.alpha, client_text="hello")
    client.force_login(users.reviewer)
    filters = f"status=new&account={accounts.alpha.pk}&q=refund"
    confirm = client.post(URL, {"action": "approve", "scope": "all", "filters": filters})
    assert "Approve 3 pairs?" in confirm.content.decode()
    upto = confirm.context["upto"]
    late = make_pair(accounts.alpha, client_text="refund")  # arrives after the reviewer saw the count
    client.post(URL, {"action": "approve", "scope": "all", "filters": filters, "upto": upto, "confirmed": "1"})
    assert set(TrainingPair.objects.approved().values_list("pk", flat=True)) == {p.pk for p in match}
    for pair in (other_account, no_match, late):
        pair.refresh_from_db()
        assert pair.status == "new"


def test_it_leaves_pairs_that_left_the_status_being_reviewed(client, users, accounts):
    a, b = make_pair(accounts.alpha), make_pair(accounts.alpha)
    b.reject(by=users.admin)  # decided by someone else meanwhile
    client.force_login(users.reviewer)
    client.post(URL, {"action": "approve", "ids": [a.pk, b.pk], "filters": "status=new", "confirmed": "1"})
    b.refresh_from_db()
    assert b.status == "rejected" and b.reviewed_by == users.admin


def test_it_sends_back_an_empty_selection_with_a_message(client, users, accounts):
    make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    response = client.post(URL, {"action": "approve", "filters": "status=new"}, follow=True)
    assert "Select at least one pair" in response.content.decode()
    assert TrainingPair.objects.pending().count() == 1

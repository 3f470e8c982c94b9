"""The export button: approved pairs matching the filters, streamed as JSONL or CSV."""

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from tests.fixtures_review import make_pair
from training.models import TrainingPair

pytestmark = pytest.mark.django_db
URL = reverse("training:export")


@pytest.fixture
def approved(accounts):
    a = make_pair(accounts.alpha, client_text="Where is my order?", reply_text="It ships today.", status="approved")
    b = make_pair(accounts.beta, client_text="raw client", edited_client_text="Can I return it?",
                  reply_text="raw reply", edited_reply_text="Yes, within 30 days.", status="approved")
    make_pair(accounts.alpha, client_text="not approved", status=TrainingPair.Status.NEW)
    make_pair(accounts.alpha, client_text="rejected", status=TrainingPair.Status.REJECTED)
    return a, b


def _body(response):
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


def test_it_streams_approved_pairs_as_chat_jsonl_with_the_edited_texts(client, users, approved):
    client.force_login(users.reviewer)
    response = client.get(URL, {"format": "jsonl", "system_prompt": "You are our support desk."})
    assert 'attachment; filename="training-pairs-' in response["Content-Disposition"]
    records = [json.loads(line) for line in _body(response).splitlines()]
    assert len(records) == 2
    assert {"messages": [
        {"role": "system", "content": "You are our support desk."},
        {"role": "user", "content": "Can I return it?"},
        {"role": "assistant", "content": "Yes, within 30 days."},
    ]} in records


def test_it_leaves_the_system_message_out_when_there_is_no_prompt(client, users, approved):
    client.force_login(users.reviewer)
    records = [json.loads(line) for line in _body(client.get(URL)).splitlines()]
    assert all([m["role"] for m in r["messages"]] == ["user", "assistant"] for r in records)


def test_it_respects_the_filters_and_writes_csv(client, users, accounts, approved):
    client.force_login(users.reviewer)
    rows = list(csv.DictReader(io.StringIO(_body(client.get(URL, {"format": "csv", "account": accounts.beta.pk})))))
    assert len(rows) == 1
    assert rows[0]["client_text"] == "Can I return it?" and rows[0]["reply_text"] == "Yes, within 30 days."
    assert rows[0]["account"] == "beta@example.com" and rows[0]["edited"] == "yes"
    rows = list(csv.DictReader(io.StringIO(_body(client.get(URL, {"format": "csv", "q": "ships today"})))))
    assert [r["id"] for r in rows] == [str(approved[0].pk)]


def test_it_needs_few_queries_for_many_rows(client, users, accounts, django_assert_max_num_queries):
    for i in range(30):
        make_pair(accounts.alpha, client_text=f"c{i}", status="approved")
    client.force_login(users.reviewer)
    with django_assert_max_num_queries(6):
        assert _body(client.get(URL)).count("\n") == 30

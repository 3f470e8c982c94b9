"""python manage.py export_pairs: the same files from the command line."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.fixtures_review import make_pair

pytestmark = pytest.mark.django_db


def test_it_writes_jsonl_to_standard_output_with_a_system_prompt(accounts):
    make_pair(accounts.alpha, client_text="Hi", edited_reply_text="Hello there", status="approved")
    make_pair(accounts.alpha, client_text="pending")
    out = io.StringIO()
    call_command("export_pairs", "--system-prompt", "Be kind.", stdout=out)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [{"messages": [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello there"},
    ]}]


def test_it_writes_csv_to_a_file_for_one_account_since_a_date(accounts, tmp_path):
    now = timezone.now()
    keep = make_pair(accounts.alpha, status="approved", sent_at=now - dt.timedelta(days=1))
    make_pair(accounts.alpha, status="approved", sent_at=now - dt.timedelta(days=30))
    make_pair(accounts.beta, status="approved", sent_at=now)
    target = tmp_path / "pairs.csv"
    err = io.StringIO()
    since = (now - dt.timedelta(days=7)).date().isoformat()
    call_command("export_pairs", "--format", "csv", "--output", str(target), "--account", "ALPHA@example.com",
                 "--since", since, stderr=err)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == [str(keep.pk)]
    assert "Wrote 1 pair(s)" in err.getvalue()


def test_it_refuses_an_unknown_account_or_a_bad_date(accounts):
    with pytest.raises(CommandError, match="No account"):
        call_command("export_pairs", "--account", "nobody@example.com", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--since"):
        call_command("export_pairs", "--since", "last week", stdout=io.StringIO())

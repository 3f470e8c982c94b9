"""Quota, Retry-After and injected faults, seen through the real client library."""

import time

import httplib2
import pytest
from googleapiclient.errors import HttpError

from integrations.gmail.sandbox import GmailSandbox


def test_it_answers_429_with_retry_after_when_quota_runs_out(gmail_sandbox):
    gmail_sandbox.configure(quota_per_minute=100, time_scale=60)  # a one-second "minute"
    service = gmail_sandbox.build_service()
    message_id = service.users().messages().list(userId="me").execute()["messages"][0]["id"]  # 5 units
    for _ in range(4):
        service.users().messages().get(userId="me", id=message_id).execute()  # 20 units each
    with pytest.raises(HttpError) as limited:
        service.users().messages().get(userId="me", id=message_id).execute()
    assert limited.value.status_code == 429
    assert limited.value.error_details[0]["reason"] == "rateLimitExceeded"
    assert limited.value.resp["retry-after"] == "1"
    stats = gmail_sandbox.stats()
    assert stats["quota_429"] == 1 and stats["units_total"] == 85

    time.sleep(1.05)
    assert service.users().messages().get(userId="me", id=message_id, format="minimal").execute()


def test_it_forgets_spent_units_on_reset(gmail_sandbox):
    gmail_sandbox.configure(quota_per_minute=2)
    service = gmail_sandbox.build_service()
    service.users().labels().list(userId="me").execute()
    service.users().labels().list(userId="me").execute()
    with pytest.raises(HttpError):
        service.users().labels().list(userId="me").execute()
    gmail_sandbox.reset_quota()
    assert service.users().labels().list(userId="me").execute()


def fault_statuses(sandbox, calls=400):
    service = sandbox.build_service()
    statuses = []
    for _ in range(calls):
        try:
            service.users().getProfile(userId="me").execute()
            statuses.append(200)
        except HttpError as error:
            statuses.append(error.status_code)
    return statuses


def test_it_injects_errors_at_roughly_the_set_rate(gmail_sandbox):
    gmail_sandbox.set_faults(rate_429=0.1, backend_500=0.1, unavailable_503=0.05, seed=7)
    statuses = fault_statuses(gmail_sandbox)
    assert 25 <= statuses.count(429) <= 55
    assert 25 <= statuses.count(500) <= 55
    assert 8 <= statuses.count(503) <= 35
    gmail_sandbox.clear_faults()
    assert set(fault_statuses(gmail_sandbox, 20)) == {200}


def test_it_repeats_the_same_faults_for_the_same_seed():
    runs = []
    for _ in range(2):
        with GmailSandbox(faults={"user_rate_403": 0.3}, seed=3) as sandbox:
            runs.append(fault_statuses(sandbox, 40))
    assert runs[0] == runs[1] and 403 in runs[0]


def test_it_drops_connections_without_answering(gmail_sandbox):
    gmail_sandbox.set_faults(drop=1.0)
    service = gmail_sandbox.build_service()
    with pytest.raises((httplib2.error.HttpLib2Error, ConnectionError, OSError)):
        service.users().getProfile(userId="me").execute(num_retries=0)
    assert gmail_sandbox.stats()["faults_drop"] >= 1


def test_it_adds_latency(gmail_sandbox):
    service = gmail_sandbox.build_service()
    gmail_sandbox.set_faults(latency=0.2)
    started = time.monotonic()
    service.users().getProfile(userId="me").execute()
    assert time.monotonic() - started >= 0.2

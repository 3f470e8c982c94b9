"""Batches through googleapiclient's BatchHttpRequest against the sandbox's /batch endpoint."""

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest


def run_batch(service, requests, batch_uri=None):
    results = {}

    def collect(request_id, response, exception):
        results[request_id] = (response, exception)

    if batch_uri:
        batch = BatchHttpRequest(callback=collect, batch_uri=batch_uri)
    else:
        batch = service.new_batch_http_request(callback=collect)
    for request in requests:
        batch.add(request)
    batch.execute()
    return [results[str(number)] for number in range(1, len(requests) + 1)]


def test_it_answers_a_batch_of_fifty_gets(gmail_sandbox):
    for number in range(50):
        gmail_sandbox.add_message(f"From: a@x.example\r\nSubject: n{number}\r\n\r\nbody {number}\r\n".encode())
    service = gmail_sandbox.build_service()
    ids = [m["id"] for m in service.users().messages().list(userId="me", maxResults=50).execute()["messages"]]
    before = gmail_sandbox.stats()["units_total"]
    results = run_batch(
        service,
        [service.users().messages().get(userId="me", id=i, format="metadata") for i in ids],
        batch_uri=gmail_sandbox.url + "/batch/gmail/v1",
    )
    assert [response["id"] for response, exception in results] == ids
    assert all(exception is None for _, exception in results)
    assert gmail_sandbox.stats()["units_total"] - before == 50 * 20


def test_it_answers_parts_beyond_the_limit_with_429(gmail_sandbox):
    service = gmail_sandbox.build_service()
    results = run_batch(service, [service.users().labels().list(userId="me") for _ in range(60)])
    assert all(exception is None for _, exception in results[:50])
    errors = [exception for _, exception in results[50:]]
    assert all(isinstance(e, HttpError) and e.status_code == 429 for e in errors)
    assert errors[0].error_details[0]["reason"] == "rateLimitExceeded"


def test_it_refuses_more_than_one_hundred_parts(gmail_sandbox):
    service = gmail_sandbox.build_service()
    batch = service.new_batch_http_request()
    for _ in range(101):
        batch.add(service.users().labels().list(userId="me"))
    with pytest.raises(HttpError) as refused:
        batch.execute()
    assert refused.value.status_code == 400


def test_it_reports_errors_per_part(gmail_sandbox):
    service = gmail_sandbox.build_service()
    first = service.users().messages().list(userId="me", maxResults=1).execute()["messages"][0]["id"]
    (found, none), (missing, error) = run_batch(
        service,
        [service.users().messages().get(userId="me", id=first), service.users().messages().get(userId="me", id="f" * 16)],
    )
    assert found["id"] == first and none is None
    assert missing is None and error.status_code == 404


def test_it_refreshes_and_retries_parts_answered_401(gmail_sandbox):
    service = gmail_sandbox.build_service()
    gmail_sandbox.expire_access_tokens()
    results = run_batch(service, [service.users().getProfile(userId="me") for _ in range(3)])
    assert all(response["emailAddress"] == "me@example.com" for response, _ in results)
    assert gmail_sandbox.stats()["token_requests"] == 1

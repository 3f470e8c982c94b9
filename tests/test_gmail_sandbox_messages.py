"""Reading mail from the Gmail sandbox through google-api-python-client, as the product does."""

import base64
import email

import pytest
from googleapiclient.errors import HttpError


def all_message_ids(service, **params):
    ids, token = [], None
    while True:
        page = service.users().messages().list(userId="me", pageToken=token, **params).execute()
        ids += [message["id"] for message in page.get("messages", [])]
        token = page.get("nextPageToken")
        if not token:
            return ids


def by_subject(service, subject):
    found = service.users().messages().list(userId="me", q=f'subject:"{subject}"').execute()
    return found["messages"][0]["id"]


def test_it_pages_through_messages_newest_first(gmail_sandbox):
    service = gmail_sandbox.build_service()
    first = service.users().messages().list(userId="me", maxResults=2).execute()
    assert len(first["messages"]) == 2 and first["nextPageToken"]
    assert first["resultSizeEstimate"] == 6  # spam is left out
    ids = all_message_ids(service, maxResults=2)
    assert len(ids) == len(set(ids)) == 6
    dates = [int(service.users().messages().get(userId="me", id=i, format="minimal").execute()["internalDate"])
             for i in ids]
    assert dates == sorted(dates, reverse=True)
    assert all(len(i) == 16 and int(i, 16) for i in ids)


def test_it_keeps_pages_stable_when_mail_arrives(gmail_sandbox):
    service = gmail_sandbox.build_service()
    first = service.users().messages().list(userId="me", maxResults=3).execute()
    gmail_sandbox.add_message(b"From: x@example.org\r\nTo: me@example.com\r\nSubject: new\r\n\r\nhi\r\n")
    rest = service.users().messages().list(userId="me", maxResults=10, pageToken=first["nextPageToken"]).execute()
    assert {m["id"] for m in first["messages"]}.isdisjoint(m["id"] for m in rest["messages"])
    assert len(rest["messages"]) == 3


def test_it_filters_by_labels_and_query(gmail_sandbox):
    service = gmail_sandbox.build_service()
    assert len(all_message_ids(service, labelIds=["INBOX", "UNREAD"])) == 3
    assert len(all_message_ids(service, q="after:2024/03/03 before:2024/03/06")) == 2
    assert len(all_message_ids(service, q="after:1709542800")) == 2
    assert len(all_message_ids(service, q="from:alice@client.example")) == 2
    assert len(all_message_ids(service, q="label:receipts")) == 1
    assert len(all_message_ids(service, q="in:sent")) == 1
    assert len(all_message_ids(service, q="-in:inbox")) == 1
    assert len(all_message_ids(service, labelIds=["SPAM"])) == 1
    assert len(all_message_ids(service, includeSpamTrash=True)) == 7
    assert service.users().messages().list(userId="me", q="from:nobody").execute() == {"resultSizeEstimate": 0}


def test_it_answers_every_format(gmail_sandbox):
    service = gmail_sandbox.build_service()
    message_id = by_subject(service, "Grüße aus München")
    messages = service.users().messages()

    minimal = messages.get(userId="me", id=message_id, format="minimal").execute()
    assert set(minimal) == {"id", "threadId", "labelIds", "snippet", "sizeEstimate", "historyId", "internalDate"}
    assert minimal["snippet"].startswith("Hallo, hätten Sie")

    raw = messages.get(userId="me", id=message_id, format="raw").execute()
    parsed = email.message_from_bytes(base64.urlsafe_b64decode(raw["raw"]))
    assert parsed["Message-ID"] == "<termin-1@sandbox.example>"
    assert raw["sizeEstimate"] == len(base64.urlsafe_b64decode(raw["raw"]))

    metadata = messages.get(userId="me", id=message_id, format="metadata", metadataHeaders=["Subject"]).execute()
    assert metadata["payload"]["headers"] == [{"name": "Subject", "value": "Grüße aus München – Termin nächste Woche?"}]

    full = messages.get(userId="me", id=message_id).execute()
    assert full["payload"]["mimeType"] == "text/plain"
    assert "hätten Sie" in base64.urlsafe_b64decode(full["payload"]["body"]["data"]).decode()


def test_it_serves_attachments_by_id(gmail_sandbox):
    service = gmail_sandbox.build_service()
    message_id = by_subject(service, "Your invoice")
    full = service.users().messages().get(userId="me", id=message_id, format="full").execute()
    text_part, pdf_part = full["payload"]["parts"]
    assert (text_part["partId"], pdf_part["partId"]) == ("0", "1")
    assert pdf_part["filename"] == "INV-1042.pdf" and "data" not in pdf_part["body"]
    attachment = service.users().messages().attachments().get(
        userId="me", messageId=message_id, id=pdf_part["body"]["attachmentId"]
    ).execute()
    data = base64.urlsafe_b64decode(attachment["data"])
    assert data.startswith(b"%PDF") and len(data) == pdf_part["body"]["size"] == attachment["size"]


def test_it_sends_large_inline_parts_as_attachments(gmail_sandbox):
    gmail_sandbox.configure(attachment_threshold=10)
    service = gmail_sandbox.build_service()
    full = service.users().messages().get(userId="me", id=by_subject(service, "This week")).execute()
    assert "attachmentId" in full["payload"]["body"] and full["payload"]["filename"] == ""


def test_it_groups_replies_into_threads_in_date_order(gmail_sandbox):
    service = gmail_sandbox.build_service()
    threads = service.users().threads().list(userId="me").execute()["threads"]
    assert len(threads) == 4
    quote = next(t for t in threads if t["snippet"].startswith("Great, that works"))
    thread = service.users().threads().get(userId="me", id=quote["id"], format="metadata").execute()
    assert len(thread["messages"]) == 3
    dates = [int(m["internalDate"]) for m in thread["messages"]]
    assert dates == sorted(dates) and thread["messages"][0]["id"] == quote["id"]
    assert thread["historyId"] == quote["historyId"]


def test_it_lists_system_and_user_labels(gmail_sandbox):
    labels = gmail_sandbox.build_service().users().labels().list(userId="me").execute()["labels"]
    by_id = {label["id"]: label for label in labels}
    assert {"INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "CATEGORY_PROMOTIONS"} <= set(by_id)
    assert by_id["Label_1"] == {
        "id": "Label_1", "name": "Receipts", "type": "user",
        "messageListVisibility": "show", "labelListVisibility": "labelShow",
    }


def test_it_reports_the_profile(gmail_sandbox):
    profile = gmail_sandbox.build_service().users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == "me@example.com"
    assert (profile["messagesTotal"], profile["threadsTotal"]) == (7, 5)
    assert profile["historyId"] == str(gmail_sandbox.mailbox().history_id)


def test_it_answers_gmail_errors(gmail_sandbox):
    service = gmail_sandbox.build_service()
    with pytest.raises(HttpError) as missing:
        service.users().messages().get(userId="me", id="0123456789abcdef").execute()
    assert missing.value.status_code == 404
    assert missing.value.error_details == [
        {"message": "Requested entity was not found.", "domain": "global", "reason": "notFound"}
    ]
    with pytest.raises(HttpError) as other_user:
        service.users().messages().list(userId="someone@example.com").execute()
    assert other_user.value.status_code == 403
    with pytest.raises(HttpError) as bad_token:
        service.users().messages().list(userId="me", pageToken="not-a-token").execute()
    assert bad_token.value.status_code == 400


def test_it_gives_the_same_ids_for_the_same_load(gmail_sandbox):
    from integrations.gmail.sandbox import GmailSandbox

    with GmailSandbox() as other:
        other.load_samples()
        assert sorted(other.mailbox().messages) == sorted(gmail_sandbox.mailbox().messages)

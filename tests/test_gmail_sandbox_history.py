"""Incremental sync: history records after mail arrives, is relabelled or deleted; sending and drafts."""

import base64
from email.message import EmailMessage

import pytest
from googleapiclient.errors import HttpError

NEW_MAIL = b"From: Bob <bob@x.example>\r\nTo: me@example.com\r\nSubject: Hello\r\nMessage-ID: <hello-1@x.example>\r\n\r\nHi!\r\n"


def history(service, start, **params):
    records, token = [], None
    while True:
        page = service.users().history().list(userId="me", startHistoryId=start, pageToken=token, **params).execute()
        records += page.get("history", [])
        token = page.get("nextPageToken")
        if not token:
            return records, page["historyId"]


def encoded(message):
    return base64.urlsafe_b64encode(message.as_bytes()).decode()


def test_it_records_additions_label_changes_and_deletions(gmail_sandbox):
    service = gmail_sandbox.build_service()
    start = service.users().getProfile(userId="me").execute()["historyId"]
    added = gmail_sandbox.add_message(NEW_MAIL, ["INBOX", "UNREAD"])
    gmail_sandbox.modify_labels(added["id"], add=["STARRED"], remove=["UNREAD"])
    gmail_sandbox.delete_message(added["id"])

    records, latest = history(service, start, maxResults=1)
    assert len(records) == 3
    ids = [int(record["id"]) for record in records]
    assert ids == sorted(ids) and ids[0] > int(start) and latest == str(ids[-1])
    assert records[0]["messagesAdded"][0]["message"] == {
        "id": added["id"], "threadId": added["threadId"], "labelIds": ["INBOX", "UNREAD"]
    }
    assert records[1]["labelsAdded"][0]["labelIds"] == ["STARRED"]
    assert records[1]["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    assert records[2]["messagesDeleted"][0]["message"]["id"] == added["id"]

    only_added, _ = history(service, start, historyTypes=["messageAdded"])
    assert [list(r)[-1] for r in only_added] == ["messagesAdded"]
    assert history(service, latest) == ([], latest)


def test_it_filters_history_by_label(gmail_sandbox):
    service = gmail_sandbox.build_service()
    start = service.users().getProfile(userId="me").execute()["historyId"]
    gmail_sandbox.add_message(NEW_MAIL, ["INBOX"])
    gmail_sandbox.add_message(NEW_MAIL.replace(b"hello-1", b"hello-2"), ["SPAM"])
    records, _ = history(service, start, labelId="SPAM")
    assert len(records) == 1


def test_it_answers_404_for_expired_history(gmail_sandbox):
    service = gmail_sandbox.build_service()
    start = service.users().getProfile(userId="me").execute()["historyId"]
    gmail_sandbox.add_message(NEW_MAIL)
    gmail_sandbox.expire_history()
    with pytest.raises(HttpError) as expired:
        service.users().history().list(userId="me", startHistoryId=start).execute()
    assert expired.value.status_code == 404
    assert expired.value.error_details[0]["reason"] == "notFound"
    current = service.users().getProfile(userId="me").execute()["historyId"]
    assert "history" not in service.users().history().list(userId="me", startHistoryId=current).execute()


def test_it_threads_a_sent_reply_and_records_it(gmail_sandbox):
    service = gmail_sandbox.build_service()
    original = service.users().messages().list(userId="me", q="subject:Grüße").execute()["messages"][0]
    start = service.users().getProfile(userId="me").execute()["historyId"]
    reply = EmailMessage()
    reply["To"] = "juergen@partner.example"
    reply["Subject"] = "Re: Grüße aus München – Termin nächste Woche?"
    reply["In-Reply-To"] = "<termin-1@sandbox.example>"
    reply["References"] = "<termin-1@sandbox.example>"
    reply.set_content("Gerne, Dienstag um 10?")

    sent = service.users().messages().send(userId="me", body={"raw": encoded(reply)}).execute()
    assert sent["threadId"] == original["threadId"] and sent["labelIds"] == ["SENT"]
    stored = service.users().messages().get(userId="me", id=sent["id"], format="metadata").execute()
    headers = {h["name"] for h in stored["payload"]["headers"]}
    assert {"From", "Date", "Message-ID"} <= headers
    records, _ = history(service, start)
    assert records[0]["messagesAdded"][0]["message"]["id"] == sent["id"]
    assert gmail_sandbox.sent[-1]["recipients"] == ["juergen@partner.example"]


def test_it_starts_a_new_thread_when_the_subject_changed(gmail_sandbox):
    service = gmail_sandbox.build_service()
    reply = EmailMessage()
    reply["To"] = "juergen@partner.example"
    reply["Subject"] = "Something else"
    reply["In-Reply-To"] = "<termin-1@sandbox.example>"
    reply.set_content("...")
    sent = service.users().messages().send(userId="me", body={"raw": encoded(reply)}).execute()
    assert sent["threadId"] == sent["id"]


def test_it_refuses_a_message_without_recipients(gmail_sandbox):
    service = gmail_sandbox.build_service()
    message = EmailMessage()
    message["Subject"] = "nobody"
    message.set_content("x")
    with pytest.raises(HttpError) as refused:
        service.users().messages().send(userId="me", body={"raw": encoded(message)}).execute()
    assert refused.value.status_code == 400


def test_it_delivers_mail_between_sandbox_mailboxes(gmail_sandbox):
    gmail_sandbox.add_mailbox("other@example.com")
    message = EmailMessage()
    message["To"] = "Other <other@example.com>"
    message["Subject"] = "Ping"
    message.set_content("ping")
    gmail_sandbox.build_service().users().messages().send(userId="me", body={"raw": encoded(message)}).execute()
    other = gmail_sandbox.build_service(gmail_sandbox.credentials("other@example.com"))
    listed = other.users().messages().list(userId="me", labelIds=["INBOX"]).execute()
    assert listed["resultSizeEstimate"] == 1


def test_it_creates_drafts(gmail_sandbox):
    service = gmail_sandbox.build_service()
    message = EmailMessage()
    message["To"] = "alice@client.example"
    message["Subject"] = "Re: Quote for the spring workshop"
    message["In-Reply-To"] = "<quote-3@sandbox.example>"
    message.set_content("Contract attached.")
    quote_thread = service.users().messages().list(userId="me", q="rfc822msgid:quote-3@sandbox.example").execute()
    draft = service.users().drafts().create(
        userId="me", body={"message": {"raw": encoded(message), "threadId": quote_thread["messages"][0]["threadId"]}}
    ).execute()
    assert draft["id"].startswith("r") and draft["message"]["labelIds"] == ["DRAFT"]
    assert draft["message"]["threadId"] == quote_thread["messages"][0]["threadId"]

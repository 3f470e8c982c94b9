"""The /_sandbox control API the browser demo uses, media uploads, and the gmail_sandbox command's options."""

import base64
from email.message import EmailMessage
import io

import requests
from googleapiclient.http import MediaIoBaseUpload


def control(sandbox, path, **body):
    answer = requests.post(sandbox.url + "/_sandbox" + path, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_it_changes_the_mailbox_over_http(gmail_sandbox):
    raw = b"From: c@x.example\r\nTo: me@example.com\r\nSubject: via http\r\n\r\nhello\r\n"
    added = control(gmail_sandbox, "/messages", raw=base64.urlsafe_b64encode(raw).decode(), labelIds=["INBOX"])
    assert gmail_sandbox.mailbox().get(added["id"]).header("Subject") == "via http"
    relabelled = control(gmail_sandbox, "/messages/labels", id=added["id"], add=["STARRED", "Projects"])
    assert relabelled["labelIds"][:2] == ["INBOX", "STARRED"] and relabelled["labelIds"][2].startswith("Label_")
    control(gmail_sandbox, "/messages/delete", id=added["id"])
    assert added["id"] not in gmail_sandbox.mailbox().messages


def test_it_simulates_new_mail_for_the_demo(gmail_sandbox):
    first = control(gmail_sandbox, "/arrive")
    second = control(gmail_sandbox, "/arrive")
    assert first["id"] != second["id"] and first["labelIds"] == ["INBOX", "UNREAD"]
    newest = gmail_sandbox.build_service().users().messages().list(userId="me", maxResults=1).execute()
    assert newest["messages"][0]["id"] == second["id"]


def test_it_sets_faults_and_reports_stats_over_http(gmail_sandbox):
    control(gmail_sandbox, "/faults", backend_500=1.0, seed=1)
    service = gmail_sandbox.build_service()
    status = requests.get(
        gmail_sandbox.url + "/gmail/v1/users/me/profile",
        headers={"Authorization": "Bearer " + service._http.credentials.token},
    ).status_code
    assert status == 500
    control(gmail_sandbox, "/faults")
    control(gmail_sandbox, "/expire-history")
    control(gmail_sandbox, "/reset-quota")
    control(gmail_sandbox, "/revoke-tokens")
    stats = requests.get(gmail_sandbox.url + "/_sandbox/stats").json()
    assert stats["faults_500"] == 1 and stats["mailboxes"]["me@example.com"]["messages"] == 7


def test_it_answers_unknown_control_paths_with_400(gmail_sandbox):
    assert requests.post(gmail_sandbox.url + "/_sandbox/nothing", json={}).status_code == 400


def test_it_accepts_messages_sent_as_media_uploads(gmail_sandbox):
    message = EmailMessage()
    message["To"] = "alice@client.example"
    message["Subject"] = "upload"
    message.set_content("sent through /upload")
    media = MediaIoBaseUpload(io.BytesIO(message.as_bytes()), mimetype="message/rfc822")
    sent = gmail_sandbox.build_service().users().messages().send(userId="me", body={}, media_body=media).execute()
    assert gmail_sandbox.mailbox().get(sent["id"]).header("Subject") == "upload"


def test_it_reports_settings_for_the_product(gmail_sandbox):
    overrides = gmail_sandbox.settings_overrides()
    assert overrides["GMAIL_API_ROOT_URL"] == gmail_sandbox.url + "/"
    assert overrides["GOOGLE_OAUTH_TOKEN_URL"] == gmail_sandbox.url + "/token"
    assert requests.get(overrides["GOOGLE_CERTS_URL"]).json() == gmail_sandbox.certificates()
    assert (overrides["GOOGLE_CLIENT_ID"], overrides["GOOGLE_CLIENT_SECRET"]) == (
        "sandbox-client-id", "sandbox-client-secret"
    )


def test_it_runs_as_a_management_command(tmp_path):
    import threading

    from django.core.management import call_command

    from integrations.management.commands.gmail_sandbox import Command

    (tmp_path / "hello.eml").write_bytes(b"From: a@x.example\r\nSubject: hello\r\n\r\nhi\r\n")
    command = Command(stdout=io.StringIO())
    arguments = ["--port", "0", "--mbox", f"other@example.com={tmp_path}", "--faults", "backend_500=0.5"]
    thread = threading.Thread(target=call_command, args=(command, *arguments))
    thread.start()
    try:
        assert command.started.wait(5)
        url = command.sandbox.url
        mailboxes = requests.get(url + "/_sandbox/mailboxes").json()["mailboxes"]
        assert mailboxes["other@example.com"]["messages"] == 1
        assert requests.get(url + "/_sandbox/faults").json()["faults"]["backend_500"] == 0.5
    finally:
        command.stop_requested.set()
        thread.join(5)
    assert "Gmail sandbox on " + url in command.stdout.getvalue()

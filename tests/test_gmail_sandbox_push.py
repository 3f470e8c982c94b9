"""Pub/Sub push from users.watch, received by a tiny local endpoint and verified with google-auth."""

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import Request
from google.oauth2 import id_token

from integrations.gmail.sandbox.push import new_signing_key

AUDIENCE = "https://assistant.example/gmail/push"
NEW_MAIL = b"From: bob@x.example\r\nTo: me@example.com\r\nSubject: ping\r\n\r\nping\r\n"


@pytest.fixture
def receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_address[1]}/push"
    yield server
    server.shutdown()
    server.server_close()


def verify(sandbox, token):
    return id_token.verify_token(token, Request(), audience=AUDIENCE, certs_url=sandbox.url + "/oauth2/v1/certs")


def watched(sandbox, receiver, **body):
    sandbox.configure(push_endpoint=receiver.url, push_audience=AUDIENCE)
    service = sandbox.build_service()
    return service.users().watch(userId="me", body={"topicName": "projects/p/topics/gmail", **body}).execute()


def test_it_pushes_a_signed_notification_when_mail_arrives(gmail_sandbox, receiver):
    watch = watched(gmail_sandbox, receiver)
    assert int(watch["expiration"]) > time.time() * 1000 and watch["historyId"]
    added = gmail_sandbox.add_message(NEW_MAIL)
    assert gmail_sandbox.wait_for_pushes()

    [(authorization, body)] = receiver.received
    claims = verify(gmail_sandbox, authorization.removeprefix("Bearer "))
    assert claims["iss"] == "https://accounts.google.com" and claims["email_verified"] is True
    assert claims["email"] == gmail_sandbox.push_service_account
    assert body["subscription"] == "projects/sandbox/subscriptions/gmail-push"
    assert body["message"]["messageId"] == body["message"]["message_id"]
    data = json.loads(base64.b64decode(body["message"]["data"]))
    assert data == {"emailAddress": "me@example.com", "historyId": int(added["historyId"])}


def test_it_pushes_only_for_watched_labels(gmail_sandbox, receiver):
    watched(gmail_sandbox, receiver, labelIds=["INBOX"], labelFilterBehavior="include")
    gmail_sandbox.add_message(NEW_MAIL, ["SPAM"])
    gmail_sandbox.add_message(NEW_MAIL, ["INBOX"])
    gmail_sandbox.wait_for_pushes()
    assert len(receiver.received) == 1


def test_it_stops_pushing_after_stop(gmail_sandbox, receiver):
    watched(gmail_sandbox, receiver)
    gmail_sandbox.build_service().users().stop(userId="me").execute()
    gmail_sandbox.add_message(NEW_MAIL)
    gmail_sandbox.wait_for_pushes()
    assert receiver.received == []


def test_it_mints_tokens_google_auth_refuses(gmail_sandbox):
    gmail_sandbox.configure(push_audience=AUDIENCE)
    assert verify(gmail_sandbox, gmail_sandbox.mint_push_token())["aud"] == AUDIENCE
    with pytest.raises(ValueError):
        verify(gmail_sandbox, gmail_sandbox.mint_push_token(aud="https://elsewhere.example"))
    with pytest.raises(ValueError):
        verify(gmail_sandbox, gmail_sandbox.mint_push_token(exp=int(time.time()) - 600, iat=int(time.time()) - 4200))
    with pytest.raises((ValueError, auth_exceptions.GoogleAuthError)):
        verify(gmail_sandbox, gmail_sandbox.mint_push_token(signing_key=new_signing_key()))

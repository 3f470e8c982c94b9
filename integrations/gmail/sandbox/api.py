"""The Gmail v1 REST methods, as gmail.v1.json describes them. Each handler takes (sandbox, mailbox, request)
and returns the JSON resource, or raises MailboxError with Gmail's status and reason."""

import email
import email.policy
import email.utils
import json
import re
import time

from .mailbox import MailboxError
from .messages import b64url, b64url_decode, header_end

READ = {"https://mail.google.com/", "gmail.readonly", "gmail.modify", "gmail.metadata"}
MODIFY = {"https://mail.google.com/", "gmail.modify"}
SEND = {"https://mail.google.com/", "gmail.modify", "gmail.compose", "gmail.send"}
COMPOSE = {"https://mail.google.com/", "gmail.modify", "gmail.compose"}
LABELS = READ | {"gmail.labels"}
# gmail.metadata may list and read headers but not bodies or search, as on Gmail.
METADATA_ONLY = {"gmail.metadata"}

FORMATS = ("full", "metadata", "minimal", "raw")
WATCH_LIFETIME_MS = 7 * 24 * 3600 * 1000


def bad_request(message, reason="invalidArgument"):
    return MailboxError(400, reason, message)


def int_param(request, name, default, maximum):
    value = request.param(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"Invalid value at '{name}' ({value})")
    if number < 1:
        raise bad_request(f"Invalid value at '{name}' ({value})")
    return min(number, maximum)


def bool_param(request, name):
    return (request.param(name) or "").lower() == "true"


def cursor_token(internal_date, hex_id):
    # Opaque and numeric like Gmail's tokens; pages stay stable while new mail arrives.
    return str(internal_date * 10**20 + int(hex_id, 16))


def parse_cursor(token):
    try:
        date, id_number = divmod(int(token), 10**20)
    except ValueError:
        raise bad_request("Invalid pageToken")
    return date, f"{id_number:016x}"


def page(items, key, request, default=100, maximum=500):
    """(page of items, next token) for items sorted newest first by key(item) = (date, hex id)."""
    limit = int_param(request, "maxResults", default, maximum)
    token = request.param("pageToken")
    if token:
        cursor = parse_cursor(token)
        items = [item for item in items if key(item) < cursor]
    chunk = items[:limit]
    next_token = cursor_token(*key(chunk[-1])) if len(items) > limit else None
    return chunk, next_token


def metadata_only(request):
    return not request.scopes & (READ - METADATA_ONLY)


def check_format(request, allowed=FORMATS):
    fmt = request.param("format") or "full"
    if fmt not in allowed:
        raise bad_request(f"Invalid value at 'format' ({fmt})")
    if fmt in ("full", "raw") and metadata_only(request):
        raise MailboxError(403, "forbidden", f"Metadata scope doesn't allow format {fmt.upper()}")
    return fmt


def check_query_allowed(request):
    if request.param("q") and metadata_only(request):
        raise MailboxError(403, "forbidden", "Metadata scope does not support 'q' parameter")


# ----- users -----


def get_profile(sandbox, mailbox, request):
    return mailbox.profile()


def watch(sandbox, mailbox, request):
    body = request.json()
    topic = body.get("topicName", "")
    if not re.fullmatch(r"projects/[^/]+/topics/[^/]+", topic):
        raise bad_request("Invalid topicName does not match projects/SOME-ANDROID-PROJECT/topics/*")
    expiration = int(time.time() * 1000) + WATCH_LIFETIME_MS
    sandbox.watches[mailbox.address] = {
        "topicName": topic,
        "labelIds": list(body.get("labelIds") or []),
        "labelFilterBehavior": (body.get("labelFilterBehavior") or body.get("labelFilterAction") or "include").lower(),
        "expiration": expiration,
    }
    return {"historyId": str(mailbox.history_id), "expiration": str(expiration)}


def stop(sandbox, mailbox, request):
    sandbox.watches.pop(mailbox.address, None)
    return None


# ----- labels -----


def labels_list(sandbox, mailbox, request):
    return {"labels": mailbox.labels()}


def labels_get(sandbox, mailbox, request):
    for label in mailbox.labels():
        if label["id"] == request.route["id"]:
            counted = [m for m in mailbox.messages.values() if label["id"] in m.label_ids]
            threads = {m.thread_id for m in counted}
            unread = [m for m in counted if "UNREAD" in m.label_ids]
            return {
                **label,
                "messagesTotal": len(counted),
                "messagesUnread": len(unread),
                "threadsTotal": len(threads),
                "threadsUnread": len({m.thread_id for m in unread}),
            }
    raise MailboxError(404, "notFound", "Requested entity was not found.")


def labels_create(sandbox, mailbox, request):
    name = request.json().get("name", "").strip()
    if not name:
        raise bad_request("Invalid label name")
    if mailbox.label_id_for_name(name, create=False):
        raise MailboxError(409, "failedPrecondition", "Label name exists or conflicts")
    label_id = mailbox.label_id_for_name(name)
    return {"id": label_id, "name": name, "messageListVisibility": "show", "labelListVisibility": "labelShow"}


# ----- messages -----


def messages_list(sandbox, mailbox, request):
    check_query_allowed(request)
    found = mailbox.search(request.params("labelIds"), request.param("q") or "", bool_param(request, "includeSpamTrash"))
    chunk, next_token = page(found, lambda message: (message.internal_date, message.id), request)
    response = {}
    if chunk:
        response["messages"] = [message.reference() for message in chunk]
    if next_token:
        response["nextPageToken"] = next_token
    response["resultSizeEstimate"] = len(found)
    return response


def messages_get(sandbox, mailbox, request):
    fmt = check_format(request)
    stored = mailbox.get(request.route["id"])
    return stored.resource(fmt, request.params("metadataHeaders"), sandbox.attachment_threshold)


def attachments_get(sandbox, mailbox, request):
    stored = mailbox.get(request.route["messageId"])
    data = stored.attachment(request.route["id"], sandbox.attachment_threshold)
    if data is None:
        raise bad_request("Invalid attachment token")
    return {"attachmentId": request.route["id"], "size": len(data), "data": b64url(data)}


def messages_modify(sandbox, mailbox, request):
    body = request.json()
    stored = mailbox.modify_labels(request.route["id"], body.get("addLabelIds") or [], body.get("removeLabelIds") or [])
    return stored.resource("minimal")


def messages_batch_modify(sandbox, mailbox, request):
    body = request.json()
    ids = body.get("ids") or []
    if len(ids) > 1000:
        raise bad_request("Too many ids: at most 1000")
    for message_id in ids:
        if message_id in mailbox.messages:
            mailbox.modify_labels(message_id, body.get("addLabelIds") or [], body.get("removeLabelIds") or [])
    return None


def messages_trash(sandbox, mailbox, request):
    stored = mailbox.modify_labels(request.route["id"], ["TRASH"], ["INBOX", "SPAM"])
    return stored.resource("minimal")


def messages_untrash(sandbox, mailbox, request):
    stored = mailbox.modify_labels(request.route["id"], [], ["TRASH"])
    return stored.resource("minimal")


def messages_delete(sandbox, mailbox, request):
    mailbox.delete_message(request.route["id"])
    return None


def raw_and_metadata(request):
    """(raw message bytes, message metadata) from a JSON body or a media upload."""
    upload_type = request.param("uploadType")
    if request.upload and upload_type == "media":
        return request.body, {}
    if request.upload and upload_type == "multipart":
        parts = multipart_bodies(request.headers.get("Content-Type", ""), request.body)
        if len(parts) < 2:
            raise bad_request("Invalid multipart upload")
        return parts[1], json.loads(parts[0] or b"{}")
    metadata = request.json()
    return None, metadata


def multipart_bodies(content_type, body):
    """The bodies of a multipart/related upload, byte for byte (the message part must not be re-encoded)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise bad_request("Invalid multipart upload")
    delimiter = b"--" + match.group(1).encode()
    bodies = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        end = header_end(chunk)
        bodies.append(chunk[end:].removesuffix(b"\r\n").removesuffix(b"\n"))
    return bodies


def decode_raw(message):
    try:
        return b64url_decode(message.get("raw") or "")
    except ValueError:
        raise bad_request("Invalid value for ByteString")


def complete_headers(raw, address):
    """Gmail fills in From, Date and Message-ID when the sender left them out."""
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    missing = []
    if not parsed.get("From"):
        missing.append(f"From: {address}")
    if not parsed.get("Date"):
        missing.append(f"Date: {email.utils.formatdate(localtime=False)}")
    if not parsed.get("Message-ID"):
        missing.append(f"Message-ID: {email.utils.make_msgid(domain='mail.gmail.com')}")
    if not missing:
        return raw
    return ("\r\n".join(missing) + "\r\n").encode() + raw


def recipients_of(raw):
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    values = [str(value) for name in ("To", "Cc", "Bcc") for value in parsed.get_all(name, [])]
    return [address.lower() for _, address in email.utils.getaddresses(values) if address]


def messages_send(sandbox, mailbox, request):
    raw, metadata = raw_and_metadata(request)
    if raw is None:
        raw = decode_raw(metadata)
    if not raw:
        raise bad_request("'raw' RFC822 payload message string or uploading message via /upload/* URL required")
    recipients = recipients_of(raw)
    if not recipients:
        raise bad_request("Recipient address required")
    raw = complete_headers(raw, mailbox.address)
    labels = ["SENT"]
    if mailbox.address.lower() in recipients:
        labels += ["INBOX", "UNREAD"]
    thread_id = metadata.get("threadId")
    stored = mailbox.add_message(raw, labels, internal_date=int(time.time() * 1000), thread_id=thread_id)
    sandbox.sent.append({"address": mailbox.address, "id": stored.id, "raw": raw, "recipients": recipients})
    for other in recipients:
        if other != mailbox.address.lower() and other in sandbox.mailboxes:
            sandbox.mailboxes[other].add_message(raw, ["INBOX", "UNREAD"], internal_date=stored.internal_date)
    return {"id": stored.id, "threadId": stored.thread_id, "labelIds": list(stored.label_ids)}


def drafts_create(sandbox, mailbox, request):
    raw, metadata = raw_and_metadata(request)
    message = metadata.get("message") or {}
    if raw is None:
        raw = decode_raw(message)
    if not raw:
        raise bad_request("Missing draft message")
    raw = complete_headers(raw, mailbox.address)
    draft_id, stored = mailbox.create_draft(raw, thread_id=message.get("threadId"))
    return {"id": draft_id, "message": {"id": stored.id, "threadId": stored.thread_id, "labelIds": stored.label_ids}}


# ----- threads -----


def threads_list(sandbox, mailbox, request):
    check_query_allowed(request)
    thread_ids = mailbox.search_threads(
        request.params("labelIds"), request.param("q") or "", bool_param(request, "includeSpamTrash")
    )

    def latest(thread_id):
        last = mailbox.thread_messages(thread_id)[-1]
        return (last.internal_date, thread_id)

    chunk, next_token = page(thread_ids, latest, request)
    response = {}
    if chunk:
        response["threads"] = [
            {
                "id": thread_id,
                "snippet": mailbox.thread_messages(thread_id)[-1].snippet(),
                "historyId": str(mailbox.thread_history_id(thread_id)),
            }
            for thread_id in chunk
        ]
    if next_token:
        response["nextPageToken"] = next_token
    response["resultSizeEstimate"] = len(thread_ids)
    return response


def threads_get(sandbox, mailbox, request):
    fmt = check_format(request, ("full", "metadata", "minimal"))
    thread_id = request.route["id"]
    messages = mailbox.thread_messages(thread_id)
    return {
        "id": thread_id,
        "historyId": str(mailbox.thread_history_id(thread_id)),
        "messages": [
            message.resource(fmt, request.params("metadataHeaders"), sandbox.attachment_threshold)
            for message in messages
        ],
    }


# ----- history -----


def history_list(sandbox, mailbox, request):
    start = request.param("startHistoryId")
    if not start:
        raise bad_request("Missing required parameter: startHistoryId", reason="required")
    if not start.isdigit():
        raise bad_request(f"Invalid value at 'start_history_id' ({start})")
    types = request.params("historyTypes")
    unknown = [name for name in types if name not in ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")]
    if unknown:
        raise bad_request(f"Invalid value at 'history_types' ({unknown[0]})")
    after_record = request.param("pageToken")
    if after_record and not after_record.isdigit():
        raise bad_request("Invalid pageToken")
    limit = int_param(request, "maxResults", 100, 500)
    records, more = mailbox.list_history(
        int(start), types, request.param("labelId"), int(after_record) if after_record else None, limit
    )
    response = {}
    if records:
        response["history"] = records
    if more:
        response["nextPageToken"] = records[-1]["id"]
    response["historyId"] = str(mailbox.history_id)
    return response


USER = r"/gmail/v1/users/(?P<userId>[^/]+)"

# (HTTP method, path pattern, method name from the discovery document, handler, scopes that allow it)
ROUTES = [
    ("GET", USER + r"/profile", "users.getProfile", get_profile, READ | COMPOSE | SEND | LABELS),
    ("POST", USER + r"/watch", "users.watch", watch, READ),
    ("POST", USER + r"/stop", "users.stop", stop, READ),
    ("GET", USER + r"/labels", "users.labels.list", labels_list, LABELS),
    ("POST", USER + r"/labels", "users.labels.create", labels_create, MODIFY | {"gmail.labels"}),
    ("GET", USER + r"/labels/(?P<id>[^/]+)", "users.labels.get", labels_get, LABELS),
    ("GET", USER + r"/messages", "users.messages.list", messages_list, READ),
    ("POST", USER + r"/messages/send", "users.messages.send", messages_send, SEND),
    ("POST", USER + r"/messages/batchModify", "users.messages.batchModify", messages_batch_modify, MODIFY),
    ("GET", USER + r"/messages/(?P<messageId>[^/]+)/attachments/(?P<id>[^/]+)", "users.messages.attachments.get",
     attachments_get, READ - METADATA_ONLY),
    ("GET", USER + r"/messages/(?P<id>[^/]+)", "users.messages.get", messages_get, READ),
    ("POST", USER + r"/messages/(?P<id>[^/]+)/modify", "users.messages.modify", messages_modify, MODIFY),
    ("POST", USER + r"/messages/(?P<id>[^/]+)/trash", "users.messages.trash", messages_trash, MODIFY),
    ("POST", USER + r"/messages/(?P<id>[^/]+)/untrash", "users.messages.untrash", messages_untrash, MODIFY),
    ("DELETE", USER + r"/messages/(?P<id>[^/]+)", "users.messages.delete", messages_delete,
     {"https://mail.google.com/"}),
    ("POST", USER + r"/drafts", "users.drafts.create", drafts_create, COMPOSE),
    ("GET", USER + r"/threads", "users.threads.list", threads_list, READ),
    ("GET", USER + r"/threads/(?P<id>[^/]+)", "users.threads.get", threads_get, READ),
    ("GET", USER + r"/history", "users.history.list", history_list, READ),
]

# Quota units per call (Gmail's published costs; methods not listed cost 5).
COSTS = {
    "users.messages.list": 5,
    "users.messages.get": 20,
    "users.messages.attachments.get": 5,
    "users.messages.modify": 5,
    "users.messages.trash": 5,
    "users.messages.untrash": 5,
    "users.messages.delete": 10,
    "users.messages.batchModify": 50,
    "users.messages.send": 100,
    "users.threads.list": 10,
    "users.threads.get": 40,
    "users.history.list": 2,
    "users.labels.list": 1,
    "users.labels.get": 1,
    "users.labels.create": 5,
    "users.getProfile": 1,
    "users.drafts.create": 10,
    "users.watch": 100,
    "users.stop": 1,
}


def find_route(method, path):
    """(name, handler, scopes, path params) or None."""
    for route_method, pattern, name, handler, scopes in ROUTES:
        match = re.fullmatch(pattern, path)
        if match and route_method == method:
            return name, handler, scopes, match.groupdict()
    return None


def scope_allows(granted, allowed):
    short = {scope.removeprefix("https://www.googleapis.com/auth/") for scope in granted}
    return bool(short & allowed)

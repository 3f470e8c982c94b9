"""One stored message and how Gmail renders it: formats full / metadata / minimal / raw, snippets, attachments."""

import base64
import email
import email.policy
import email.utils
import hashlib
import html
import re
from email.header import decode_header, make_header

# Leaf parts whose decoded body is larger than this are sent as body.attachmentId, like Gmail does.
ATTACHMENT_THRESHOLD = 64 * 1024


def b64url(data):
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64url_decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def header_text(value):
    """A header value as Gmail's API shows it: encoded words decoded, folding removed."""
    if value is None:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except (UnicodeError, LookupError, ValueError, email.errors.HeaderParseError):
        text = str(value)
    return re.sub(r"\r?\n[ \t]*", " ", text)


class StoredMessage:
    """A message in one mailbox. `raw` never changes; labels and historyId do."""

    def __init__(self, *, message_id, thread_id, raw, label_ids, internal_date, history_id):
        self.id = message_id
        self.thread_id = thread_id
        self.raw = raw
        self.label_ids = list(label_ids)
        self.internal_date = internal_date
        self.history_id = history_id
        # Only the header block is parsed up front: loading 10,000 messages stays quick.
        self.head = email.message_from_bytes(raw[: header_end(raw)], policy=email.policy.compat32)
        self._parsed = None
        self._snippet = None

    @property
    def parsed(self):
        if self._parsed is None:
            self._parsed = email.message_from_bytes(self.raw, policy=email.policy.compat32)
        return self._parsed

    def header(self, name):
        return header_text(self.head.get(name))

    def snippet(self):
        if self._snippet is None:
            self._snippet = make_snippet(self.parsed)
        return self._snippet

    def body_text(self):
        return text_of(self.parsed)

    def has_attachment(self):
        return any(part.get_filename() for part in self.parsed.walk() if not part.is_multipart())

    def reference(self):
        return {"id": self.id, "threadId": self.thread_id}

    def reference_with_labels(self):
        return {"id": self.id, "threadId": self.thread_id, "labelIds": list(self.label_ids)}

    def resource(self, fmt="full", metadata_headers=None, threshold=ATTACHMENT_THRESHOLD):
        resource = {
            "id": self.id,
            "threadId": self.thread_id,
            "labelIds": list(self.label_ids),
            "snippet": self.snippet(),
            "sizeEstimate": len(self.raw),
            "historyId": str(self.history_id),
            "internalDate": str(self.internal_date),
        }
        if fmt == "raw":
            resource["raw"] = b64url(self.raw)
        elif fmt == "metadata":
            resource["payload"] = metadata_payload(self.head, metadata_headers)
        elif fmt == "full":
            resource["payload"] = part_resource(self.parsed, "", self.id, threshold)
        return resource

    def attachment(self, attachment_id, threshold=ATTACHMENT_THRESHOLD):
        """The decoded bytes behind an attachmentId, or None."""
        for part_id, part in walk_with_ids(self.parsed, ""):
            if attachment_id == make_attachment_id(self.id, part_id):
                return leaf_bytes(part)
        return None


def header_end(raw):
    ends = [index + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (index := raw.find(mark)) >= 0]
    return min(ends) if ends else len(raw)


def walk_with_ids(part, part_id):
    yield part_id, part
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        for index, child in enumerate(part.get_payload()):
            child_id = f"{part_id}.{index}" if part_id else str(index)
            yield from walk_with_ids(child, child_id)


def make_attachment_id(message_id, part_id):
    digest = hashlib.sha256(f"{message_id}/{part_id}".encode()).digest()
    return "ANGjdJ" + b64url(digest + digest[:18]).rstrip("=")


def leaf_bytes(part):
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) else inner
        return inner.as_bytes() if hasattr(inner, "as_bytes") else str(inner).encode()
    return part.get_payload(decode=True) or b""


def headers_of(part, only=None):
    wanted = {name.lower() for name in only} if only else None
    return [
        {"name": name, "value": header_text(value)}
        for name, value in part.items()
        if wanted is None or name.lower() in wanted
    ]


def metadata_payload(parsed, metadata_headers):
    return {
        "partId": "",
        "mimeType": parsed.get_content_type(),
        "filename": "",
        "headers": headers_of(parsed, metadata_headers),
        "body": {"size": 0},
    }


def part_resource(part, part_id, message_id, threshold):
    resource = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": header_text(part.get_filename()) if part.get_filename() else "",
        "headers": headers_of(part),
    }
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        resource["body"] = {"size": 0}
        resource["parts"] = [
            part_resource(child, f"{part_id}.{index}" if part_id else str(index), message_id, threshold)
            for index, child in enumerate(part.get_payload())
        ]
        return resource
    data = leaf_bytes(part)
    if resource["filename"] or len(data) > threshold:
        resource["body"] = {"attachmentId": make_attachment_id(message_id, part_id), "size": len(data)}
    elif data:
        resource["body"] = {"size": len(data), "data": b64url(data)}
    else:
        resource["body"] = {"size": 0}
    return resource


def decoded_text(part):
    data = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def text_of(parsed):
    """The message's readable text: the first text/plain part, else the first text/html part without tags."""
    html_text = None
    for part in parsed.walk():
        if part.is_multipart() or part.get_filename():
            continue
        if part.get_content_type() == "text/plain":
            return decoded_text(part)
        if part.get_content_type() == "text/html" and html_text is None:
            html_text = decoded_text(part)
    if html_text is None:
        return ""
    html_text = re.sub(r"(?is)<(script|style).*?</\1>", " ", html_text)
    return html.unescape(re.sub(r"<[^>]+>", " ", html_text))


def make_snippet(parsed):
    text = " ".join(text_of(parsed).split())[:200]
    # Gmail escapes snippets as HTML, with numeric entities for quotes.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace(
        "'", "&#39;"
    )


def date_header_ms(parsed):
    """Milliseconds since the epoch from the Date header, or None."""
    value = parsed.get("Date")
    if not value:
        return None
    try:
        parsed_date = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed_date.tzinfo is None:
        return None
    return int(parsed_date.timestamp() * 1000)


def message_ids_in(value):
    return re.findall(r"<[^<>\s]+>", str(value or ""))


def normalized_subject(subject):
    subject = header_text(subject).strip()
    while True:
        stripped = re.sub(r"^\s*(re|fw|fwd|aw|wg|sv|vs|tr)(\[\d+\])?\s*:\s*", "", subject, flags=re.I)
        if stripped == subject:
            return " ".join(subject.lower().split())
        subject = stripped

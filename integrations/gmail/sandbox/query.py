"""The subset of Gmail's search language the sandbox understands (the `q` parameter).

after:/before: (YYYY/MM/DD, read as midnight US Pacific like Gmail, or epoch seconds), newer_than:/older_than:
(Nd, Nm, Ny), in:, label:, is:unread/read/starred/important, category:, from:, to:, cc:, subject:,
has:attachment, rfc822msgid:, bare words (searched in subject, addresses and text), and `-` to negate.
"""

import datetime
import re
import time
import zoneinfo

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")

IN_NAMES = {
    "inbox": "INBOX",
    "sent": "SENT",
    "spam": "SPAM",
    "trash": "TRASH",
    "drafts": "DRAFT",
    "draft": "DRAFT",
    "starred": "STARRED",
    "important": "IMPORTANT",
    "chats": "CHAT",
    "unread": "UNREAD",
}

TOKEN = re.compile(r'-?[\w.]+:"[^"]*"|-?[\w.]+:\([^)]*\)|-?"[^"]*"|\S+')


class QueryError(ValueError):
    pass


def parse(q):
    """A list of (negated, key, value) terms; key is None for bare words."""
    terms = []
    for token in TOKEN.findall(q or ""):
        negated = token.startswith("-") and len(token) > 1
        if negated:
            token = token[1:]
        key, sep, value = token.partition(":")
        if not sep or not re.fullmatch(r"[\w.]+", key):
            key, value = None, token
        else:
            key = key.lower()
        value = value.strip('"()')
        if key is None and value.upper() in ("OR", "AND"):
            continue
        terms.append((negated, key, value))
    return terms


def wants_spam_or_trash(terms):
    return any(
        not negated and key in ("in", "label") and value.lower() in ("spam", "trash", "anywhere")
        for negated, key, value in terms
    )


def parse_time(value):
    """Epoch seconds from `1700000000` or `2024/01/31` (midnight Pacific, as Gmail reads dates)."""
    if value.isdigit() and len(value) > 8:
        return int(value)
    match = re.fullmatch(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", value)
    if not match:
        raise QueryError(f"Invalid date in query: {value}")
    day = datetime.datetime(*map(int, match.groups()), tzinfo=PACIFIC)
    return int(day.timestamp())


def parse_age(value):
    match = re.fullmatch(r"(\d+)([dmy])", value.lower())
    if not match:
        raise QueryError(f"Invalid age in query: {value}")
    days = int(match.group(1)) * {"d": 1, "m": 31, "y": 365}[match.group(2)]
    return days * 86400


def label_matches(message, value, label_names):
    value = value.lower()
    if value == "anywhere":
        return True
    wanted = IN_NAMES.get(value)
    if wanted is None and value.upper() in message.label_ids:
        return True
    if wanted is None:
        # User labels by name; Gmail accepts spaces written as - or _ and is case-insensitive.
        simple = re.sub(r"[\s_\-/]+", "-", value)
        wanted = {
            label_id
            for label_id, name in label_names.items()
            if re.sub(r"[\s_\-/]+", "-", name.lower()) == simple
        }
        return bool(wanted & set(message.label_ids))
    return wanted in message.label_ids


def term_matches(message, key, value, label_names):
    seconds = message.internal_date / 1000
    lowered = value.lower()
    if key == "after":
        return seconds >= parse_time(value)
    if key == "before":
        return seconds < parse_time(value)
    if key == "newer_than":
        return seconds >= time.time() - parse_age(value)
    if key == "older_than":
        return seconds < time.time() - parse_age(value)
    if key in ("in", "label"):
        return label_matches(message, value, label_names)
    if key == "is":
        if lowered == "read":
            return "UNREAD" not in message.label_ids
        return IN_NAMES.get(lowered, lowered.upper()) in message.label_ids
    if key == "category":
        name = "PERSONAL" if lowered == "primary" else lowered.upper()
        return f"CATEGORY_{name}" in message.label_ids
    if key in ("from", "to", "cc", "bcc", "subject"):
        return lowered in message.header(key).lower()
    if key == "has":
        return lowered == "attachment" and message.has_attachment()
    if key == "rfc822msgid":
        return lowered.strip("<>") == message.header("Message-ID").lower().strip().strip("<>")
    words = " ".join(
        [message.header("Subject"), message.header("From"), message.header("To"), message.body_text()]
    ).lower()
    return (f"{key}:{lowered}" if key else lowered) in words


def matches(message, terms, label_names):
    return all(term_matches(message, key, value, label_names) != negated for negated, key, value in terms)

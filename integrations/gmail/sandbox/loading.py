"""Filling a mailbox: Google Takeout mbox files (labels in X-Gmail-Labels), .eml files and folders, demo mail."""

import csv
import re
import email
import mailbox as stdlib_mailbox
from pathlib import Path

from .mailbox import SYSTEM_LABELS

TAKEOUT_LABELS = {
    "inbox": "INBOX",
    "sent": "SENT",
    "important": "IMPORTANT",
    "unread": "UNREAD",
    "starred": "STARRED",
    "spam": "SPAM",
    "trash": "TRASH",
    "draft": "DRAFT",
    "drafts": "DRAFT",
    "chat": "CHAT",
    "category personal": "CATEGORY_PERSONAL",
    "category primary": "CATEGORY_PERSONAL",
    "category social": "CATEGORY_SOCIAL",
    "category promotions": "CATEGORY_PROMOTIONS",
    "category updates": "CATEGORY_UPDATES",
    "category forums": "CATEGORY_FORUMS",
}
# Takeout markers that are not labels in the API.
TAKEOUT_IGNORED = {"opened", "archived"}


def takeout_label_names(header_value):
    """Label names from an X-Gmail-Labels header: comma separated, names with commas are quoted."""
    if not header_value:
        return []
    text = " ".join(str(header_value).split())
    return [name.strip() for name in next(csv.reader([text], skipinitialspace=True)) if name.strip()]


def takeout_label_ids(mailbox, header_value):
    label_ids = []
    for name in takeout_label_names(header_value):
        if name.lower() in TAKEOUT_IGNORED:
            continue
        label_ids.append(TAKEOUT_LABELS.get(name.lower()) or mailbox.label_id_for_name(name))
    return label_ids


def load_mbox(mailbox, path):
    """Add every message of a (Takeout) mbox file; returns how many were added."""
    box = stdlib_mailbox.mbox(str(path), create=False)
    count = 0
    try:
        for key in box.keys():
            raw = box.get_bytes(key)
            header_value = box.get_message(key).get("X-Gmail-Labels")
            mailbox.add_message(raw, takeout_label_ids(mailbox, header_value))
            count += 1
    finally:
        box.close()
    return count


def load_eml(mailbox, path, label_ids=("INBOX", "UNREAD")):
    """Add one .eml file, or every .eml file under a folder (sorted by name)."""
    path = Path(path)
    files = sorted(path.rglob("*.eml")) if path.is_dir() else [path]
    for file in files:
        raw = file.read_bytes()
        header_value = _header_from_bytes(raw, "X-Gmail-Labels")
        labels = takeout_label_ids(mailbox, header_value) if header_value else list(label_ids)
        mailbox.add_message(raw, labels)
    return len(files)


def _header_from_bytes(raw, name):
    return email.message_from_bytes(raw).get(name)


def load_path(mailbox, path):
    path = Path(path)
    if path.is_dir() or path.suffix.lower() == ".eml":
        return load_eml(mailbox, path)
    return load_mbox(mailbox, path)


def load_demo(mailbox, count=200, seed=1):
    """Demo mail from the generator in demo.py (its user labels with their names), else the built-in samples."""
    try:
        from . import demo
    except ModuleNotFoundError as error:
        if not (error.name or "").endswith("sandbox.demo"):
            raise
        from .samples import sample_messages

        return load_pairs(mailbox, sample_messages(mailbox.address))
    for label_id, name in getattr(demo, "LABEL_NAMES", {}).items():
        if label_id.startswith("Label_"):
            mailbox.add_user_label(label_id, name)
    return load_pairs(mailbox, demo.generate_demo_mailbox(mailbox.address, count, seed))


def resolve_label(mailbox, label):
    """A system label id, an existing user label id, or a user label name (created on first use)."""
    if label in SYSTEM_LABELS or label in mailbox.user_labels:
        return label
    if re.fullmatch(r"Label_\d+", label):
        return mailbox.add_user_label(label, label)
    return TAKEOUT_LABELS.get(label.lower()) or mailbox.label_id_for_name(label)


def load_pairs(mailbox, pairs):
    for raw, label_ids in pairs:
        mailbox.add_message(raw, [resolve_label(mailbox, label) for label in label_ids])
    return len(pairs)

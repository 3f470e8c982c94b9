"""One Gmail mailbox in memory: messages, threads, labels, and the history log that drives incremental sync."""

import hashlib
import threading
import time

from . import query
from .messages import StoredMessage, date_header_ms, message_ids_in, normalized_subject

SYSTEM_LABELS = [
    "INBOX",
    "SENT",
    "DRAFT",
    "SPAM",
    "TRASH",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "CHAT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
]
# System labels that cannot be shown or hidden in the label list, as Gmail reports them.
HIDDEN_FROM_MESSAGE_LIST = {"UNREAD", "STARRED", "IMPORTANT", "SENT", "DRAFT", "SPAM", "TRASH", "CHAT"}

FIRST_HISTORY_ID = 100000


class MailboxError(Exception):
    """A request the mailbox refuses; `status` and `reason` follow Gmail's error body."""

    def __init__(self, status, reason, message):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def not_found(what="Requested entity was not found."):
    return MailboxError(404, "notFound", what)


class Mailbox:
    def __init__(self, address, lock=None, on_change=None):
        self.address = address
        self.lock = lock or threading.RLock()
        self.on_change = on_change  # called with (mailbox, history record) after each change
        self.messages = {}
        self.threads = {}  # thread id -> list of message ids
        self.user_labels = {}  # label id -> name
        self.drafts = {}  # draft id -> message id
        self.history = []
        self.history_id = FIRST_HISTORY_ID
        self.oldest_history_id = FIRST_HISTORY_ID
        self._rfc822_index = {}  # Message-ID header -> message id
        self._takeout_threads = {}  # X-GM-THRID -> thread id
        self._sequence = 0

    # ----- labels -----

    def label_names(self):
        names = {label_id: label_id for label_id in SYSTEM_LABELS}
        names.update(self.user_labels)
        return names

    def label_id_for_name(self, name, create=True):
        """The id of a user label with this name, created on first use."""
        with self.lock:
            if name.upper() in SYSTEM_LABELS:
                return name.upper()
            for label_id, existing in self.user_labels.items():
                if existing.lower() == name.lower():
                    return label_id
            if not create:
                return None
            number = len(self.user_labels) + 1
            while f"Label_{number}" in self.user_labels:
                number += 1
            return self.add_user_label(f"Label_{number}", name)

    def add_user_label(self, label_id, name):
        with self.lock:
            self.user_labels[label_id] = name
            return label_id

    def labels(self):
        with self.lock:
            system = [
                {
                    "id": label_id,
                    "name": label_id,
                    "type": "system",
                    **(
                        {}
                        if label_id in HIDDEN_FROM_MESSAGE_LIST
                        else {"messageListVisibility": "hide", "labelListVisibility": "labelShow"}
                    ),
                }
                for label_id in SYSTEM_LABELS
            ]
            user = [
                {
                    "id": label_id,
                    "name": name,
                    "type": "user",
                    "messageListVisibility": "show",
                    "labelListVisibility": "labelShow",
                }
                for label_id, name in self.user_labels.items()
            ]
            return system + user

    def check_labels(self, label_ids):
        known = self.label_names()
        for label_id in label_ids:
            if label_id not in known:
                raise MailboxError(400, "invalidArgument", f"Invalid label: {label_id}")

    # ----- history -----

    def _next_history_id(self):
        # Gmail's history ids grow with gaps; clients must not assume they are contiguous.
        self._sequence += 1
        self.history_id += 1 + self._sequence % 3
        return self.history_id

    def _record(self, history_id, message, **changes):
        record = {"id": str(history_id), "messages": [message.reference()], **changes}
        # Label snapshot at the time of the change, for history.list's labelId filter.
        record["_labels"] = set(message.label_ids)
        self.history.append(record)
        if self.on_change:
            self.on_change(self, record)
        return record

    def expire_history(self):
        """Forget all history: any startHistoryId below the current one now gets 404, like an old id on Gmail."""
        with self.lock:
            self.oldest_history_id = self.history_id
            self.history = []

    def list_history(self, start_history_id, history_types=None, label_id=None, after_record=None, limit=100):
        """(records, has_more) for history after start_history_id, oldest first."""
        with self.lock:
            if start_history_id < self.oldest_history_id:
                raise not_found()
            floor = max(start_history_id, after_record or 0)
            type_keys = {
                "messageAdded": "messagesAdded",
                "messageDeleted": "messagesDeleted",
                "labelAdded": "labelsAdded",
                "labelRemoved": "labelsRemoved",
            }
            wanted = [type_keys[name] for name in history_types] if history_types else list(type_keys.values())
            records = []
            for record in self.history:
                if int(record["id"]) <= floor:
                    continue
                if label_id and label_id not in record["_labels"]:
                    continue
                if not any(key in record for key in wanted):
                    continue
                records.append(
                    {key: value for key, value in record.items() if key in wanted or key in ("id", "messages")}
                )
                if len(records) > limit:
                    break
            return records[:limit], len(records) > limit

    # ----- messages -----

    def _new_message_id(self, internal_date):
        # 16 hex digits that grow with time like Gmail's, and are the same for the same mailbox load.
        self._sequence += 1
        salt = int(hashlib.sha256(self.address.encode()).hexdigest()[:3], 16)
        return f"{((internal_date << 20) + (self._sequence << 12) + salt) % (1 << 64):016x}"

    def _thread_for(self, stored, thread_id=None):
        parsed = stored.head
        takeout_thread = parsed.get("X-GM-THRID")
        if takeout_thread:
            # Takeout says which thread Gmail put the message in; follow it rather than guess.
            return self._takeout_threads.get(takeout_thread)
        subject = normalized_subject(parsed.get("Subject"))
        referenced = message_ids_in(parsed.get("In-Reply-To")) + list(
            reversed(message_ids_in(parsed.get("References")))
        )
        candidates = [self.messages[self._rfc822_index[ref]] for ref in referenced if ref in self._rfc822_index]
        if thread_id is not None:
            candidates = [message for message in candidates if message.thread_id == thread_id]
        for candidate in candidates:
            # Gmail threads a reply only when the subjects also agree.
            if normalized_subject(candidate.head.get("Subject")) == subject:
                return candidate.thread_id
        return None

    def add_message(self, raw, label_ids=(), internal_date=None, thread_id=None, record_history=True):
        """Store raw RFC 822 bytes; returns the StoredMessage. Advances historyId and logs messagesAdded."""
        with self.lock:
            label_ids = list(dict.fromkeys(label_ids))
            self.check_labels(label_ids)
            history_id = self._next_history_id()
            stored = StoredMessage(
                message_id="",
                thread_id="",
                raw=raw,
                label_ids=label_ids,
                internal_date=0,
                history_id=history_id,
            )
            if internal_date is None:
                internal_date = date_header_ms(stored.head) or int(time.time() * 1000)
            stored.internal_date = internal_date
            stored.id = self._new_message_id(internal_date)
            while stored.id in self.messages:
                stored.id = self._new_message_id(internal_date)
            stored.thread_id = self._thread_for(stored, thread_id) or stored.id
            self.messages[stored.id] = stored
            self.threads.setdefault(stored.thread_id, []).append(stored.id)
            self.threads[stored.thread_id].sort(key=lambda mid: (self.messages[mid].internal_date, mid))
            rfc822_id = message_ids_in(stored.head.get("Message-ID"))
            if rfc822_id:
                self._rfc822_index.setdefault(rfc822_id[0], stored.id)
            if stored.head.get("X-GM-THRID"):
                self._takeout_threads.setdefault(stored.head.get("X-GM-THRID"), stored.thread_id)
            if record_history:
                self._record(history_id, stored, messagesAdded=[{"message": stored.reference_with_labels()}])
            return stored

    def get(self, message_id):
        with self.lock:
            if message_id not in self.messages:
                raise not_found()
            return self.messages[message_id]

    def delete_message(self, message_id):
        with self.lock:
            stored = self.get(message_id)
            del self.messages[message_id]
            self.threads[stored.thread_id].remove(message_id)
            if not self.threads[stored.thread_id]:
                del self.threads[stored.thread_id]
            self._rfc822_index = {key: value for key, value in self._rfc822_index.items() if value != message_id}
            self.drafts = {key: value for key, value in self.drafts.items() if value != message_id}
            history_id = self._next_history_id()
            self._record(history_id, stored, messagesDeleted=[{"message": stored.reference_with_labels()}])
            return stored

    def modify_labels(self, message_id, add=(), remove=()):
        with self.lock:
            stored = self.get(message_id)
            self.check_labels(list(add) + list(remove))
            added = [label for label in dict.fromkeys(add) if label not in stored.label_ids]
            removed = [label for label in dict.fromkeys(remove) if label in stored.label_ids and label not in added]
            if not added and not removed:
                return stored
            history_id = self._next_history_id()
            stored.label_ids = [label for label in stored.label_ids if label not in removed] + added
            stored.history_id = history_id
            changes = {}
            if added:
                changes["labelsAdded"] = [{"message": stored.reference_with_labels(), "labelIds": added}]
            if removed:
                changes["labelsRemoved"] = [{"message": stored.reference_with_labels(), "labelIds": removed}]
            self._record(history_id, stored, **changes)
            return stored

    def create_draft(self, raw, thread_id=None):
        with self.lock:
            stored = self.add_message(raw, ["DRAFT"], internal_date=int(time.time() * 1000), thread_id=thread_id)
            draft_id = f"r{int(stored.id, 16) % 10**19:019d}"
            self.drafts[draft_id] = stored.id
            return draft_id, stored

    # ----- listing -----

    def search(self, label_ids=(), q="", include_spam_trash=False):
        """Matching messages, newest first."""
        with self.lock:
            terms = query.parse(q)
            names = self.label_names()
            skip_spam_trash = not (
                include_spam_trash or {"SPAM", "TRASH"} & set(label_ids) or query.wants_spam_or_trash(terms)
            )
            found = []
            for stored in self.messages.values():
                if not set(label_ids) <= set(stored.label_ids):
                    continue
                if skip_spam_trash and {"SPAM", "TRASH"} & set(stored.label_ids):
                    continue
                if query.matches(stored, terms, names):
                    found.append(stored)
            found.sort(key=lambda message: (message.internal_date, message.id), reverse=True)
            return found

    def thread_messages(self, thread_id):
        with self.lock:
            if thread_id not in self.threads:
                raise not_found()
            return [self.messages[message_id] for message_id in self.threads[thread_id]]

    def thread_history_id(self, thread_id):
        return max(message.history_id for message in self.thread_messages(thread_id))

    def search_threads(self, label_ids=(), q="", include_spam_trash=False):
        """Thread ids with at least one matching message, latest activity first."""
        with self.lock:
            seen = {}
            for stored in self.search(label_ids, q, include_spam_trash):
                seen.setdefault(stored.thread_id, None)
            latest = {
                thread_id: max((self.messages[mid].internal_date, mid) for mid in self.threads[thread_id])
                for thread_id in seen
            }
            return sorted(seen, key=lambda thread_id: latest[thread_id], reverse=True)

    def profile(self):
        with self.lock:
            return {
                "emailAddress": self.address,
                "messagesTotal": len(self.messages),
                "threadsTotal": len(self.threads),
                "historyId": str(self.history_id),
            }

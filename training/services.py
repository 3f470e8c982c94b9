"""Training pairs from synced threads: a client's message (or messages) and the reply we sent to it.

How a thread becomes pairs (messages in Gmail's received order):
- Every reply we sent closes a turn. The client's side of that turn is what people other than us wrote since
  our previous message: usually one message; when a client wrote twice before we answered, both, in order.
  The pair's client_message is the one our reply names in In-Reply-To, else the latest of them.
- Automatic, bulk and list mail (Auto-Submitted, Precedence, List-Id, List-Unsubscribe, auto-reply senders and
  subjects: `EmailMessage.automatic_reason`) is never a client's side; drafts, spam and trash take no part.
- A turn whose cleaned client text or cleaned reply is empty (a bare forward, a reply that only quotes) makes
  no pair.
- Idempotent: a pair is found again by its reply. A pair nobody has touched follows the thread (a late
  message, better cleaning); a pair a reviewer decided or edited is never changed; no pair is deleted here.
"""

import re

from django.db import transaction
from django.utils import timezone

from integrations.gmail.parsing import html_to_text
from integrations.models import EmailMessage
from training.cleaning import clean_reply_text
from training.models import TrainingPair

IGNORED_LABELS = {"DRAFT", "SPAM", "TRASH"}
SUBJECT_PREFIX = re.compile(r"^(?:\s*(?:re|fw|fwd|aw|wg|sv|vs|tr|rif|res|enc|antw|odp|ответ)\s*(?:\[\d+\])?\s*:)+\s*", re.I)
_MESSAGE_FIELDS = [
    "id", "thread_id", "message_id", "in_reply_to", "direction", "from_name", "subject", "text_body", "html_body",
    "sent_at", "internal_date", "label_ids", "automatic_reason",
]
_UPDATABLE = ["client_message", "client_text", "reply_text", "subject", "client_sent_at", "updated_at"]


def pairs_update_for_threads(*, account, thread_ids) -> int:
    """Create or refresh the pairs of these threads of account; returns how many pairs were created."""
    thread_ids = list(thread_ids)
    if not thread_ids:
        return 0
    created = 0
    for start in range(0, len(thread_ids), 200):
        created += _update_threads(account, thread_ids[start : start + 200])
    return created


def _update_threads(account, thread_ids) -> int:
    messages = (
        EmailMessage.objects.filter(account=account, thread_id__in=thread_ids)
        .only(*_MESSAGE_FIELDS)
        .order_by("thread_id", "internal_date", "id")
    )
    threads = {}
    for message in messages:
        threads.setdefault(message.thread_id, []).append(message)
    turns = [turn for thread in threads.values() for turn in thread_turns(thread)]
    if not turns:
        return 0
    with transaction.atomic():
        existing = {
            pair.reply_message_id: pair
            for pair in TrainingPair.objects.select_for_update().filter(
                reply_message_id__in=[reply.pk for _, _, reply in turns]
            )
        }
        new, changed = [], []
        for clients, client, reply in turns:
            pair = existing.get(reply.pk) or TrainingPair(account=account, thread_id=reply.thread_id, reply_message=reply)
            if pair.pk and not _untouched(pair):
                continue
            client_text = "\n\n".join(filter(None, (_cleaned(message) for message in clients))).strip()
            reply_text = _cleaned(reply)
            if not client_text or not reply_text:
                continue
            values = {
                "client_message": client,
                "client_text": client_text,
                "reply_text": reply_text,
                "subject": SUBJECT_PREFIX.sub("", client.subject or reply.subject).strip()[:1000],
                "client_sent_at": client.sent_at or client.internal_date,
            }
            if pair.pk and all(getattr(pair, name) == value for name, value in values.items()):
                continue
            for name, value in values.items():
                setattr(pair, name, value)
            (changed if pair.pk else new).append(pair)
        if changed:
            # bulk_update skips auto_now: a reviewer's open edit form must see that the pair changed under it.
            now = timezone.now()
            for pair in changed:
                pair.updated_at = now
            TrainingPair.objects.bulk_update(changed, _UPDATABLE, batch_size=200)
        if new:
            # Counted around the insert: a pair another process inserted for the same reply since our read is
            # skipped by the unique constraint and is not ours to count.
            before = TrainingPair.objects.filter(reply_message_id__in=[pair.reply_message_id for pair in new]).count()
            TrainingPair.objects.bulk_create(new, batch_size=200, ignore_conflicts=True)
            after = TrainingPair.objects.filter(reply_message_id__in=[pair.reply_message_id for pair in new]).count()
            return after - before
    return 0


def thread_turns(messages):
    """[(client messages, the one answered, our reply)] for one thread's messages in received order."""
    turns, waiting = [], []
    for message in messages:
        if IGNORED_LABELS.intersection(message.label_ids or []):
            continue
        if message.direction == EmailMessage.Direction.INCOMING:
            if not message.automatic_reason:
                waiting.append(message)
            continue
        if waiting:
            answered = next((m for m in waiting if m.message_id and m.message_id == message.in_reply_to), waiting[-1])
            turns.append((waiting, answered, message))
        waiting = []
    return turns


def _untouched(pair) -> bool:
    """Nobody reviewed or edited this pair: the thread may still reshape it."""
    return pair.status == TrainingPair.Status.NEW and pair.reviewed_at is None and not pair.is_edited


def _cleaned(message) -> str:
    return clean_reply_text(_body(message), author=message.from_name).strip()


def _body(message) -> str:
    return message.text_body or (html_to_text(message.html_body) if message.html_body else "")


def pairs_for_account(account):
    """Rebuild candidates for every thread of account that holds one of our replies; returns pairs created."""
    thread_ids = (
        EmailMessage.objects.filter(account=account, direction=EmailMessage.Direction.OUTGOING)
        .values_list("thread_id", flat=True)
        .distinct()
    )
    return pairs_update_for_threads(account=account, thread_ids=sorted(set(thread_ids)))

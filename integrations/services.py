"""Keeping the local copy of a Gmail account in sync: `account_sync` and the steps it is made of.

Full sync (first time, on request, or when Gmail has forgotten our history id):
  1. getProfile: the mailbox's history id *before* anything is listed; incremental sync continues from it, so
     whatever changes while the full sync runs is replayed afterwards, never skipped.
  2. List ids with messages.list (500 per page, 5 units): SENT first, then everything (spam and trash too,
     as history reports them). Each page is checkpointed (FullSyncItem rows + the page token) in one
     transaction. Messages in threads that hold our sent mail are fetched first (they yield training pairs),
     newest first. Local messages that the listing no longer has are deleted.
  3. Fetch the listed ids in batches of 50 with messages.get format=raw; each batch is stored, and its items
     marked done, in one transaction. A killed sync resumes at the first item not done: nothing stored is
     fetched again and nothing listed is lost.
  4. history_id := the id captured in step 1; then an incremental sync.

Incremental sync: history.list pages from the stored history id. Per page: fetch added messages we lack
(one batch per 50), then, in one transaction, store them, delete deleted ones, apply label changes and
advance the stored history id. A 404 (HistoryExpired) starts a full sync (step 1), which skips nothing.

Why messages.get format=raw, not threads.get (measured with bench/sync.py on the demo mailbox):
  - units: the 10,000-message demo mailbox holds 1.44 messages per thread (1,000 messages: 700 threads), so
    threads.get (40 units per thread) costs 28 units per stored message against 20 for messages.get; it only
    wins from 2 messages per thread up, and in an incremental sync a new message in a known thread would
    cost 40 instead of 20.
  - parsing: threads.get has no raw format; its `full` payload is Gmail's own MIME tree with decoded
    headers, so we would rebuild messages and lose exact header bytes and charsets. With raw we run
    parse_message (Python's email package) on the original bytes: 0.72 ms CPU per demo message, half of the
    ingest cost (1.52 ms with decoding, building rows, the upsert and pair extraction: 658 messages per CPU
    second on PostgreSQL).
  - per batch of 50: 1,000 units, a sixth of the minute's quota, about 150 KB of JSON on the demo mail.
"""

import base64
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.gmail.client import BATCH_LIMIT, GmailClient, GmailError, HistoryExpired, ReconnectNeeded
from integrations.gmail.client import internal_datetime
from integrations.models import Account, EmailMessage, FullSyncItem, FullSyncStage

logger = logging.getLogger(__name__)

# Renewed after every batch; a killed worker's lease runs out after this long.
LEASE_SECONDS = 300

_STORED_FIELDS = [
    "thread_id",
    "message_id",
    "in_reply_to",
    "references",
    "direction",
    "from_address",
    "from_name",
    "to",
    "cc",
    "bcc",
    "reply_to",
    "subject",
    "text_body",
    "html_body",
    "sent_at",
    "internal_date",
    "label_ids",
    "auto_submitted",
    "precedence",
    "list_id",
    "list_unsubscribe",
    "automatic_reason",
    "size",
    "note",
    "updated_at",
]


class SyncLeaseLost(Exception):
    """Another worker took this account's sync lease (ours had expired): stop without writing more."""


@dataclass
class SyncRun:
    """What one run of account_sync carries from step to step."""

    account: Account
    client: GmailClient
    lease_token: str
    progress: object = None
    summary: dict = field(default_factory=dict)

    def count(self, key, n=1):
        self.summary[key] = self.summary.get(key, 0) + n

    def report(self, stage, done, total):
        if self.progress:
            self.progress(stage, done, total)

    def renew_lease(self):
        if not self.account.acquire_sync_lease(self.lease_token, LEASE_SECONDS):
            raise SyncLeaseLost(f"Sync lease of account {self.account.pk} lost.")


def _new_summary(mode):
    return {
        "mode": mode,
        "fetched": 0,
        "stored": 0,
        "updated": 0,
        "deleted": 0,
        "pairs_created": 0,
        "errors": 0,
        "units_spent": 0,
        "retries": 0,
        "duration": 0.0,
    }


def account_sync(*, account_id: int, full: bool = False, progress=None) -> dict:
    """Sync one account; returns (and stores on the account) a summary of what was done.

    `progress(stage, done, total)` is called as the sync goes. Only one sync per account runs at a time:
    a second one returns at once with mode "skipped".
    """
    account = Account.objects.select_related("credentials").get(pk=account_id)
    if account.status in (Account.Status.DISABLED, Account.Status.RECONNECT_NEEDED):
        return {**_new_summary("skipped"), "reason": f"account is {account.get_status_display().lower()}"}
    token = uuid.uuid4().hex
    if not account.acquire_sync_lease(token, LEASE_SECONDS):
        return {**_new_summary("skipped"), "reason": "another sync of this account is running"}

    started = time.monotonic()
    wants_full = full or account.history_id is None or account.resync_requested_at or account.full_sync_stage
    summary = _new_summary("full" if wants_full else "incremental")
    run = None
    succeeded = False
    try:
        run = SyncRun(account=account, client=GmailClient(account), lease_token=token, progress=progress, summary=summary)
        if wants_full:
            full_sync(run)
        try:
            incremental_sync(run)
        except HistoryExpired:
            logger.info("History of account %s expired: full sync", account.pk)
            summary["mode"] = "full"
            summary["history_expired"] = True
            full_sync(run, restart=True)
            incremental_sync(run)
        succeeded = True
    except ReconnectNeeded as error:
        summary["errors"] += 1
        summary["error"] = str(error)
        account.mark_reconnect_needed(str(error))
    except GmailError as error:
        summary["errors"] += 1
        summary["error"] = str(error)
        account.mark_error(f"Sync failed: {error}")
    except Exception as error:
        logger.exception("Sync of account %s failed", account.pk)
        summary["errors"] += 1
        summary["error"] = f"Internal error ({type(error).__name__})."
        account.mark_error(f"Sync failed: internal error ({type(error).__name__}); see the server log.")
    finally:
        if run is not None:
            summary["units_spent"] = run.client.units_spent
            summary["retries"] = run.client.retries
        summary["duration"] = round(time.monotonic() - started, 3)
        updates = {"last_sync_summary": summary}
        if succeeded:
            updates["last_synced_at"] = timezone.now()
        Account.objects.filter(pk=account.pk).update(**updates)
        account.release_sync_lease(token)
    if succeeded and account.status == Account.Status.ERROR:
        account.enable()
    return summary


# ----- full sync -----


def full_sync(run: SyncRun, *, restart: bool = False):
    """Run (or resume) a full sync to its end: history_id is then the id captured at its start."""
    account = run.account
    if restart or not account.full_sync_stage:
        full_sync_start(run)
    if account.full_sync_stage == FullSyncStage.LIST_SENT:
        _list_stage(run, label_ids=["SENT"], next_stage=FullSyncStage.LIST_ALL)
    if account.full_sync_stage == FullSyncStage.LIST_ALL:
        _list_stage(run, label_ids=None, next_stage=FullSyncStage.FETCH)
    if account.full_sync_stage == FullSyncStage.FETCH:
        _fetch_stage(run)
        full_sync_finish(run)


def full_sync_start(run: SyncRun):
    account = run.account
    profile = run.client.get_profile()
    now = timezone.now()
    with transaction.atomic():
        FullSyncItem.objects.filter(account=account).delete()
        account.full_sync_stage = FullSyncStage.LIST_SENT
        account.full_sync_page_token = ""
        account.full_sync_history_id = int(profile["historyId"])
        account.full_sync_started_at = now
        account.save(
            update_fields=[
                "full_sync_stage",
                "full_sync_page_token",
                "full_sync_history_id",
                "full_sync_started_at",
                "updated_at",
            ]
        )
        # A resync asked for after this moment still gets its own full sync.
        Account.objects.filter(pk=account.pk, resync_requested_at__lte=now).update(resync_requested_at=None)


def _list_stage(run: SyncRun, *, label_ids, next_stage):
    account = run.account
    sending = label_ids == ["SENT"]
    sent_threads = (
        set()
        if sending
        else set(FullSyncItem.objects.filter(account=account, priority=0).values_list("thread_id", flat=True))
    )
    position = FullSyncItem.objects.filter(account=account).count()
    while True:
        ids, next_token = run.client.list_message_ids(label_ids=label_ids, page_token=account.full_sync_page_token)
        items = []
        for gmail_id, thread_id in ids:
            priority = 0 if sending or thread_id in sent_threads else 1
            items.append(
                FullSyncItem(account=account, gmail_id=gmail_id, thread_id=thread_id, priority=priority, position=position)
            )
            position += 1
        with transaction.atomic():
            FullSyncItem.objects.bulk_create(
                items,
                update_conflicts=True,
                unique_fields=["account", "gmail_id"],
                update_fields=["position", "priority"],
                batch_size=500,
            )
            account.full_sync_page_token = next_token or ""
            if not next_token:
                account.full_sync_stage = next_stage
                if next_stage == FullSyncStage.FETCH:
                    listed = FullSyncItem.objects.filter(account=account).values("gmail_id")
                    gone = EmailMessage.objects.filter(account=account).exclude(gmail_id__in=listed)
                    run.count("deleted", gone.delete()[1].get(EmailMessage._meta.label, 0))
            account.save(update_fields=["full_sync_page_token", "full_sync_stage", "updated_at"])
        run.report("listing", position, None)
        run.renew_lease()
        if not next_token:
            return


def _fetch_stage(run: SyncRun):
    account = run.account
    items = FullSyncItem.objects.filter(account=account)
    total = items.count()
    done = items.filter(done=True).count()
    run.report("fetching", done, total)
    while True:
        batch = list(
            items.filter(done=False).order_by("priority", "position").values_list("gmail_id", flat=True)[:BATCH_LIMIT]
        )
        if not batch:
            return
        resources = run.client.get_raw_messages(batch)
        with transaction.atomic():
            touched = messages_store(run, [resource for resource in resources.values() if resource])
            gone = [gmail_id for gmail_id, resource in resources.items() if resource is None]
            touched |= messages_delete(run, gone)
            items.filter(gmail_id__in=batch).update(done=True)
            run.count("pairs_created", _pairs_update(account=account, thread_ids=touched))
        done += len(batch)
        run.report("fetching", done, total)
        run.renew_lease()


def full_sync_finish(run: SyncRun):
    account = run.account
    with transaction.atomic():
        FullSyncItem.objects.filter(account=account).delete()
        account.history_id = account.full_sync_history_id
        account.full_sync_stage = ""
        account.full_sync_page_token = ""
        account.full_sync_history_id = None
        account.save(
            update_fields=["history_id", "full_sync_stage", "full_sync_page_token", "full_sync_history_id", "updated_at"]
        )


# ----- incremental sync -----


def incremental_sync(run: SyncRun):
    """Apply history.list pages from the stored history id; each page commits with its history id."""
    account = run.account
    start = account.history_id
    page_token = None
    while True:
        page = run.client.list_history(start_history_id=start, page_token=page_token)
        records = page.get("history", [])
        page_token = page.get("nextPageToken")
        changes = _history_changes(records)
        stored = set(
            EmailMessage.objects.filter(account=account, gmail_id__in=list(changes)).values_list("gmail_id", flat=True)
        )
        # Gmail messages never change except for their labels: fetch only what we lack.
        to_fetch = [gmail_id for gmail_id, change in changes.items() if not change["deleted"] and gmail_id not in stored]
        resources = run.client.get_raw_messages(to_fetch) if to_fetch else {}
        pointer = max(int(record["id"]) for record in records) if page_token else int(page["historyId"])
        with transaction.atomic():
            fetched = [resource for resource in resources.values() if resource]
            touched = messages_store(run, fetched)
            deleted = [gmail_id for gmail_id, change in changes.items() if change["deleted"]]
            touched |= messages_delete(run, deleted)
            relabel = {
                gmail_id: change["labels"]
                for gmail_id, change in changes.items()
                if gmail_id in stored and not change["deleted"] and change["labels"]
            }
            touched |= messages_relabel(run, relabel)
            Account.objects.filter(pk=account.pk).update(history_id=pointer)
            run.count("pairs_created", _pairs_update(account=account, thread_ids=touched))
        account.history_id = pointer
        run.report("history", run.summary["fetched"], None)
        run.renew_lease()
        if not page_token:
            return


def _history_changes(records):
    """{gmail id: {"deleted": bool, "labels": [(+1/-1, [label ids]), ...]}} in the order Gmail logged them."""
    changes = {}

    def change(message):
        return changes.setdefault(message["id"], {"deleted": False, "labels": []})

    for record in records:
        for item in record.get("messagesAdded", []):
            change(item["message"])["deleted"] = False
        for item in record.get("messagesDeleted", []):
            change(item["message"])["deleted"] = True
        for item in record.get("labelsAdded", []):
            change(item["message"])["labels"].append((1, item.get("labelIds", [])))
        for item in record.get("labelsRemoved", []):
            change(item["message"])["labels"].append((-1, item.get("labelIds", [])))
    return changes


# ----- storing -----


def messages_store(run: SyncRun, resources) -> set:
    """Parse and upsert Gmail message resources (format=raw); returns the thread ids touched."""
    if not resources:
        return set()
    account = run.account
    rows = [message_row(account=account, resource=resource, run=run) for resource in resources]
    existing = set(
        EmailMessage.objects.filter(account=account, gmail_id__in=[row.gmail_id for row in rows]).values_list(
            "gmail_id", flat=True
        )
    )
    EmailMessage.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["account", "gmail_id"],
        update_fields=_STORED_FIELDS,
        batch_size=100,
    )
    run.count("fetched", len(rows))
    run.count("updated", len(existing))
    run.count("stored", len(rows) - len(existing))
    return {row.thread_id for row in rows}


def messages_delete(run: SyncRun, gmail_ids) -> set:
    if not gmail_ids:
        return set()
    gone = EmailMessage.objects.filter(account=run.account, gmail_id__in=list(gmail_ids))
    threads = set(gone.values_list("thread_id", flat=True))
    run.count("deleted", gone.delete()[1].get(EmailMessage._meta.label, 0))
    return threads


def messages_relabel(run: SyncRun, label_changes) -> set:
    """Apply history's label deltas, in order, to stored messages."""
    if not label_changes:
        return set()
    address = run.account.address.lower()
    rows = list(EmailMessage.objects.filter(account=run.account, gmail_id__in=list(label_changes)))
    for row in rows:
        labels = list(row.label_ids)
        for sign, label_ids in label_changes[row.gmail_id]:
            if sign > 0:
                labels += [label for label in label_ids if label not in labels]
            else:
                labels = [label for label in labels if label not in label_ids]
        row.label_ids = labels
        row.direction = _direction(labels, row.from_address, address)
    EmailMessage.objects.bulk_update(rows, ["label_ids", "direction"], batch_size=100)
    run.count("updated", len(rows))
    return {row.thread_id for row in rows}


def _direction(label_ids, from_address, account_address):
    if "SENT" in label_ids or (from_address or "").lower() == account_address:
        return EmailMessage.Direction.OUTGOING
    return EmailMessage.Direction.INCOMING


def _clip(value, length=None):
    value = (value or "").replace("\x00", "")  # PostgreSQL text refuses NUL
    return value[:length] if length else value


def _joined(value, separator):
    return separator.join(value) if isinstance(value, (list, tuple)) else value


def _addresses(values):
    return [_clip(value) for value in (values or [])]


def message_row(*, account, resource, run=None) -> EmailMessage:
    """An unsaved EmailMessage from a Gmail message resource in format=raw."""
    from integrations.gmail.parsing import automatic_reason, parse_message

    raw = base64.urlsafe_b64decode(resource["raw"] + "=" * (-len(resource["raw"]) % 4))
    labels = resource.get("labelIds", [])
    row = EmailMessage(
        account=account,
        gmail_id=resource["id"],
        thread_id=resource["threadId"],
        label_ids=labels,
        internal_date=internal_datetime(resource),
        size=len(raw),
    )
    try:
        parsed = parse_message(raw, max_bytes=settings.GMAIL_MAX_MESSAGE_BYTES)
    except Exception as error:  # keep the message (ids, labels, size) rather than lose it
        logger.warning("Message %s of account %s could not be parsed: %s", row.gmail_id, account.pk, type(error).__name__)
        if run is not None:
            run.count("errors")
        row.note = f"Could not be parsed ({type(error).__name__})."
        row.direction = _direction(labels, "", account.address.lower())
        return row
    row.message_id = _clip(parsed.message_id, 998)
    row.in_reply_to = _clip(parsed.in_reply_to, 998)
    row.references = _clip(_joined(parsed.references, " "))
    row.from_address = _clip(parsed.from_address, 320)
    row.from_name = _clip(parsed.from_name, 500)
    row.to = _addresses(parsed.to)
    row.cc = _addresses(parsed.cc)
    row.bcc = _addresses(parsed.bcc)
    row.reply_to = _clip(_joined(parsed.reply_to, ", "), 998)
    row.subject = _clip(parsed.subject)
    row.text_body = _clip(parsed.text_body)
    row.html_body = _clip(parsed.html_body)
    row.sent_at = parsed.sent_at
    row.auto_submitted = _clip(parsed.auto_submitted, 200)
    row.precedence = _clip(parsed.precedence, 100)
    row.list_id = _clip(parsed.list_id, 500)
    row.list_unsubscribe = _clip(parsed.list_unsubscribe)
    row.automatic_reason = _clip(automatic_reason(parsed) or "", 200)
    row.size = parsed.size or len(raw)
    row.note = _clip(parsed.note, 500)
    row.direction = _direction(labels, row.from_address, account.address.lower())
    return row


def _pairs_update(*, account, thread_ids) -> int:
    if not thread_ids:
        return 0
    from training.services import pairs_update_for_threads

    # In a savepoint: a pair that cannot be built must never hold back the mail it comes from (the sync would
    # retry the same batch forever). `manage.py build_pairs` builds what was skipped once the cause is fixed.
    try:
        with transaction.atomic():
            return pairs_update_for_threads(account=account, thread_ids=sorted(thread_ids))
    except Exception as error:
        logger.warning("Training pairs of account %s not updated: %s", account.pk, type(error).__name__)
        return 0

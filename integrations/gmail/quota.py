"""Each Gmail account's per-user quota, shared by every worker process that talks to Gmail for it.

Gmail counts units per user over a sliding minute (6,000 in 2026), each call when Google handles it: the 50
calls of a batch are counted one after the other while the batch runs. So a worker may send only when the
units of calls in flight, plus those that *ended* within the last minute, plus its own, fit the limit; a
finished call stays in the window for a minute after its response arrived, which is never before Google
counted it. Whoever cannot send gets a queue slot (the earliest time its units would fit after the calls
ahead of it), sleeps until then and checks again, so workers queue instead of polling.

The ledger is one database row per account (`QuotaLedger.spent`), changed in short transactions that lock it
(an UPDATE first, so SQLite takes its write lock at once; PostgreSQL locks the row). It works the same on
SQLite and PostgreSQL and needs nothing else running. A worker killed mid-call leaves an entry that counts
as in flight for at most MAX_FLIGHT_SECONDS.
"""

import random
import time
import uuid

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F

QUEUED, IN_FLIGHT, DONE = "q", "f", "d"
MAX_FLIGHT_SECONDS = 300.0
# Clocks of workers on several hosts differ a little; Google's minute must never hold two of ours.
SAFETY_SECONDS = 0.05


def quota_limit() -> int:
    return settings.GMAIL_QUOTA_UNITS_PER_MINUTE


def quota_window() -> float:
    # 60 s, but benchmarks and tests that speed up the sandbox's clock shorten it the same way.
    return getattr(settings, "GMAIL_QUOTA_WINDOW_SECONDS", 60.0) + SAFETY_SECONDS


def quota_spend(*, account_id: int, units: int, sleep=time.sleep) -> str:
    """Wait until `units` may be spent now and mark them in flight; returns the ticket for `quota_done`."""
    ticket = uuid.uuid4().hex
    units = min(units, quota_limit())  # a call bigger than the whole budget still goes, alone in its minute
    while True:
        wait = _change(account_id, lambda entries, now: _send_or_queue(entries, now, ticket, units))
        if wait <= 0:
            return ticket
        sleep(wait)


def quota_done(*, account_id: int, ticket: str):
    """The call has been answered (or failed): its units leave the window a minute from now."""

    def finish(entries, now):
        for entry in entries:
            if entry[0] == ticket:
                entry[1], entry[3] = now, DONE
        return entries, None

    _change(account_id, finish)


def quota_reserve(*, account_id: int, units: int) -> float:
    """Queue `units` without waiting: the seconds until they may be sent (0: sent now). For tests and tools."""
    ticket = uuid.uuid4().hex
    return _change(account_id, lambda entries, now: _send_or_queue(entries, now, ticket, min(units, quota_limit())))


def _effective(entry, now):
    """When an entry's units were counted by Google, as late as we can tell."""
    _, at, _, state = entry
    if state == IN_FLIGHT:
        return max(at, min(now, at + MAX_FLIGHT_SECONDS))
    return at


def _send_or_queue(entries, now, ticket, units):
    limit, window = quota_limit(), quota_window()
    others = [
        entry
        for entry in entries
        if entry[0] != ticket
        and not (entry[3] != QUEUED and _effective(entry, now) <= now - window)
        and not (entry[3] == QUEUED and entry[1] < now - MAX_FLIGHT_SECONDS)  # a waiter that died
    ]
    counted = sum(entry[2] for entry in others if entry[3] != QUEUED)
    if counted + units <= limit:
        return others + [[ticket, now, units, IN_FLIGHT]], 0.0
    # The earliest time, after every slot already handed out, at which our units fit.
    points = sorted((_effective(entry, now), entry[2]) for entry in others)
    slot = max([now] + [entry[1] for entry in others if entry[3] == QUEUED])
    total = sum(spent for _, spent in points)
    if total + units > limit:
        for at, spent in points:
            total -= spent
            if total + units <= limit:
                slot = max(slot, at + window)
                break
    slot = max(slot, now + 0.001)
    return others + [[ticket, slot, units, QUEUED]], slot - now


def _change(account_id, change):
    # SQLite in shared-cache mode (the test database) answers "table is locked" at once instead of waiting.
    for _ in range(1000):
        try:
            return _change_once(account_id, change)
        except OperationalError as error:
            if "locked" not in str(error) or transaction.get_connection().in_atomic_block:
                raise
            time.sleep(0.002 + random.random() * 0.01)
    return _change_once(account_id, change)


def _change_once(account_id, change):
    from integrations.models import QuotaLedger

    QuotaLedger.objects.get_or_create(account_id=account_id)
    with transaction.atomic():
        # The UPDATE takes the write lock at once: the row lock on PostgreSQL, the database lock on SQLite
        # (where SELECT ... FOR UPDATE does nothing and a read-then-write transaction could deadlock).
        QuotaLedger.objects.filter(pk=account_id).update(version=F("version") + 1)
        ledger = QuotaLedger.objects.select_for_update().get(pk=account_id)
        entries, result = change([list(entry) for entry in ledger.spent], time.time())
        ledger.spent = entries
        ledger.save(update_fields=["spent"])
    return result

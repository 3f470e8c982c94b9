"""django-q2 tasks: they take ids and call services. Queue them inside transaction.on_commit."""

from functools import partial

from django.db import transaction
from django.db.models import F
from django_q.tasks import async_task

from integrations.models import Account
from integrations.services import account_sync


def sync_account(account_id, full=False):
    return account_sync(account_id=account_id, full=full)


def sync_account_enqueue(account_id, *, full=False):
    """Queue a sync of one account once the current transaction commits."""
    transaction.on_commit(
        partial(async_task, "integrations.tasks.sync_account", account_id, full=full, group="gmail-sync")
    )


def sync_all_accounts():
    """Queue a sync of every active Gmail account, least recently synced first; requested resyncs run full."""
    accounts = (
        Account.objects.active()
        .for_provider("gmail")
        .order_by(F("last_synced_at").asc(nulls_first=True), "pk")
        .values_list("pk", "resync_requested_at")
    )
    queued = 0
    for account_id, resync_requested_at in accounts:
        sync_account_enqueue(account_id, full=resync_requested_at is not None)
        queued += 1
    return queued


# ----- push and watch (integrations.push) -----


def sync_account_queued(account_id):
    """A sync queued by a push or the poll fallback. Clearing the flag first lets a push that arrives while
    this runs queue the next one; if another sync holds the lease, wait for it so no change is left behind."""
    import time

    Account.objects.filter(pk=account_id).update(sync_queued_at=None)
    summary = account_sync(account_id=account_id)
    deadline = time.monotonic() + 60
    while summary.get("mode") == "skipped" and "running" in summary.get("reason", "") and time.monotonic() < deadline:
        time.sleep(0.5)
        if not Account.objects.get(pk=account_id).sync_running:
            summary = account_sync(account_id=account_id)
    return summary


def watch_account(account_id):
    from integrations.gmail.client import ReconnectNeeded
    from integrations.push import account_watch

    account = Account.objects.select_related("credentials").get(pk=account_id)
    try:
        return account_watch(account=account)
    except ReconnectNeeded as error:
        account.mark_reconnect_needed(str(error))
        return None


def renew_watches():
    """Daily: users.watch again for every connected account (a watch lasts 7 days), prune push records."""
    from django.conf import settings

    from integrations.push import accounts_to_watch, push_records_prune

    push_records_prune()
    if not settings.GMAIL_PUSH_TOPIC:
        return 0
    account_ids = list(accounts_to_watch().values_list("pk", flat=True))
    for account_id in account_ids:
        async_task("integrations.tasks.watch_account", account_id, group="gmail-watch")
    return len(account_ids)


def sync_accounts_without_push():
    """Poll fallback: sync accounts that heard no push for GMAIL_POLL_FALLBACK_MINUTES."""
    from django.conf import settings

    from integrations.push import account_sync_queue, accounts_without_push

    queued = 0
    for account_id in accounts_without_push(minutes=settings.GMAIL_POLL_FALLBACK_MINUTES).values_list("pk", flat=True):
        queued += account_sync_queue(account_id=account_id)
    return queued

"""Sync benchmark: first sync of a demo mailbox under Gmail's 2026 quota, an incremental sync, ingest CPU.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/emailassist_bench .venv/bin/python bench/sync.py [--count 10000]

The sandbox runs in its own process (`manage.py gmail_sandbox`), its quota minute shortened by --time-scale;
the client's quota window is shortened the same way, so the run takes minutes instead of an hour while the
quota-limited rate keeps its meaning. The database named by DATABASE_URL is migrated and gets a bench account
(removed at the end).
"""

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emailassist.settings")
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from integrations.gmail.client import COST  # noqa: E402
from integrations.models import Account, Credentials, EmailMessage, Provider  # noqa: E402
from integrations.services import SyncRun, account_sync, messages_store  # noqa: E402
from training.models import TrainingPair  # noqa: E402
from training.services import pairs_update_for_threads  # noqa: E402

ADDRESS = "bench@example.com"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def control(url, path, data=None):
    request = urllib.request.Request(
        url + "/_sandbox" + path,
        data=json.dumps(data).encode() if data is not None else None,
        headers={"Content-Type": "application/json"},
        method="POST" if data is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def start_sandbox(count, time_scale, seed):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "gmail_sandbox", "--port", str(port), "--address", ADDRESS,
         "--demo", "--demo-count", str(count), "--seed", str(seed), "--time-scale", str(time_scale)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            boxes = control(url, "/stats")["mailboxes"]
            if boxes.get(ADDRESS, {}).get("messages", 0) >= count:
                return process, url
        except OSError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("the sandbox did not start")


def bench_account(url):
    Account.objects.filter(address=ADDRESS).delete()
    owner, _ = User.objects.get_or_create(username="bench")
    account = Account.objects.create(provider=Provider.objects.get(code="gmail"), owner=owner, address=ADDRESS)
    tokens = control(url, "/tokens", {"address": ADDRESS})
    Credentials.objects.create(account=account, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"])
    return account


def point_settings_at(url, time_scale):
    settings.GMAIL_API_ROOT_URL = url + "/"
    settings.GOOGLE_OAUTH_TOKEN_URL = url + "/token"
    settings.GOOGLE_CLIENT_ID = "sandbox-client-id"
    settings.GOOGLE_CLIENT_SECRET = "sandbox-client-secret"
    settings.GMAIL_QUOTA_UNITS_PER_MINUTE = 6000
    settings.GMAIL_QUOTA_WINDOW_SECONDS = 60 / time_scale
    settings.GMAIL_RETRY_BASE_SECONDS = 1 / time_scale


def pairs_count(account):
    return TrainingPair.objects.filter(account=account).count()


def first_sync(account, url, time_scale):
    before = control(url, "/stats")
    started = time.monotonic()
    summary = account_sync(account_id=account.pk)
    duration = time.monotonic() - started
    stats = control(url, "/stats")
    stored = EmailMessage.objects.filter(account=account).count()
    quota_units_per_second = 6000 / (60 / time_scale)
    achieved = summary["units_spent"] / duration
    pairs = pairs_count(account)
    print("First sync")
    print(f"  conditions: {stored} messages, quota 6000 units per {60 / time_scale:.2f} s "
          f"(the 2026 minute x1/{time_scale:g}), batches of 50, {settings.DATABASES['default']['ENGINE'].split('.')[-1]}")
    print(f"  duration {duration:.1f} s, {stored / duration:.1f} messages/s "
          f"(quota-limited rate {quota_units_per_second / COST['messages.get']:.1f} messages/s)")
    print(f"  units spent {summary['units_spent']} (sandbox counted {stats['units_total'] - before.get('units_total', 0)});"
          f" share of the quota-limited rate achieved {achieved / quota_units_per_second:.1%}")
    print(f"  units per stored message {summary['units_spent'] / max(stored, 1):.2f}; training pairs {pairs}"
          + (f", units per pair {summary['units_spent'] / pairs:.1f}" if pairs else ""))
    print(f"  429s seen {stats.get('status_429', 0) - before.get('status_429', 0)} "
          f"(quota {stats.get('quota_429', 0)}), unhandled {summary['errors']}; client retries {summary['retries']}")
    return summary


def incremental_sync(account, url):
    for n in range(10):
        raw = (f"From: client{n}@example.org\r\nTo: {ADDRESS}\r\nSubject: New question {n}\r\n"
               f"Message-ID: <bench-{n}-{time.time()}@example.org>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n"
               f"Hello {n}\r\n")
        control(url, "/messages", {"address": ADDRESS, "raw": raw, "encoding": "text", "labelIds": ["INBOX"]})
    before = control(url, "/stats")
    started = time.monotonic()
    summary = account_sync(account_id=account.pk)
    duration = time.monotonic() - started
    after = control(url, "/stats")
    delta = {key: after.get(key, 0) - before.get(key, 0)
             for key in ("calls:users.history.list", "batches", "calls:users.messages.get", "units_total")}
    print("Incremental sync of 10 new messages")
    print(f"  {duration * 1000:.0f} ms; history.list pages {delta['calls:users.history.list']}, batches "
          f"{delta['batches']}, messages.get {delta['calls:users.messages.get']}, units {delta['units_total']}; "
          f"stored {summary['stored']}")


def ingest(account, count, seed):
    """Parse + store + pair extraction without network: CPU seconds of this process per message, in committed
    batches of 50, as the sync does them."""
    from integrations.gmail.sandbox.demo import generate_demo_mailbox

    messages = generate_demo_mailbox(ADDRESS, count, seed)
    resources = [
        {"id": f"ingest{n:012x}", "threadId": f"ingest{n // 3:012x}", "labelIds": labels,
         "internalDate": str(1_700_000_000_000 + n), "raw": base64.urlsafe_b64encode(raw).decode()}
        for n, (raw, labels) in enumerate(messages)
    ]
    run = SyncRun(account=account, client=None, lease_token="bench", summary={})
    from integrations.gmail.parsing import parse_message

    cpu, wall = time.process_time(), time.perf_counter()
    for resource in resources[:2000]:
        parse_message(base64.urlsafe_b64decode(resource["raw"]), max_bytes=settings.GMAIL_MAX_MESSAGE_BYTES)
    parse_cpu = (time.process_time() - cpu) / min(2000, len(resources))
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(resources), 50):
        batch = resources[start : start + 50]
        with transaction.atomic():
            messages_store(run, batch)
            pairs_update_for_threads(account=account, thread_ids={resource["threadId"] for resource in batch})
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    pairs = TrainingPair.objects.filter(account=account, thread_id__startswith="ingest").count()
    print(f"Ingest (parse + upsert + pair extraction, no network; {pairs} pairs made)")
    print(f"  {len(resources)} messages: {len(resources) / cpu:.0f} messages per CPU second of the worker "
          f"({cpu / len(resources) * 1000:.2f} ms each, of which parse_message {parse_cpu * 1000:.2f} ms); "
          f"wall {len(resources) / wall:.0f} messages/s with the database server's time")
    TrainingPair.objects.filter(account=account, thread_id__startswith="ingest").delete()
    EmailMessage.objects.filter(account=account, gmail_id__startswith="ingest").delete()


def fetch_choice(url, account, sample):
    """Units per stored message: messages.get raw vs threads.get, on the demo mailbox as synced."""
    messages = EmailMessage.objects.filter(account=account)
    total = messages.count()
    threads = messages.values("thread_id").distinct().count()
    print("messages.get raw vs threads.get")
    print(f"  {total} messages in {threads} threads ({total / threads:.2f} per thread): messages.get 20 units/message;"
          f" threads.get 40/thread = {40 * threads / total:.2f} units/message for a full sync, 40 per new message"
          f" in an incremental one")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"Generating a {args.count}-message demo mailbox in the sandbox process ...", flush=True)
    process, url = start_sandbox(args.count, args.time_scale, args.seed)
    try:
        point_settings_at(url, args.time_scale)
        account = bench_account(url)
        first_sync(account, url, args.time_scale)
        fetch_choice(url, account, 200)
        incremental_sync(account, url)
        ingest(account, min(args.count, 5000), args.seed + 1)
        Account.objects.filter(pk=account.pk).delete()
    finally:
        process.terminate()
        process.wait(timeout=30)
        connection.close()


if __name__ == "__main__":
    main()

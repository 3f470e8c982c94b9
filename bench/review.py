"""Benchmark of the training-pair review page at 100,000 pairs, measured in-process with Django's test Client.

    .venv/bin/python bench/review.py [--requests 100] [--pairs 100000]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/emailassist_bench; the database is created when
missing, migrated, and filled once with pairs across three accounts (a later run reuses them). Figures are
server time per request (middleware, views, queries, templates; no network), p50/p95 in milliseconds.
Goals: list page p95 < 50 ms, approve POST < 30 ms.
"""

import argparse
import gzip
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emailassist.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/emailassist_bench")

WORDS = (
    "order invoice refund delivery package address payment account password shipping tracking number "
    "please thanks hello regards question problem broken replace return exchange warranty discount price "
    "monday tuesday week month today tomorrow morning afternoon team support customer service help issue "
    "could would should will can we you they our your the a an and or but with for from about into over"
).split()
RARE_WORD = "zeppelin"  # in about 1 pair in 1,000
COMMON_WORD = "warranty"  # one of WORDS: in most pairs


def ensure_database():
    """Create the benchmark database when it does not exist (PostgreSQL only)."""
    import environ

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    import psycopg

    admin = psycopg.connect(
        dbname="postgres", user=config.get("USER") or None, password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None, port=config.get("PORT") or None, autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"created database {config['NAME']}")


def text(rng, words):
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    if rng.random() < 0.001:
        body += f" {RARE_WORD}"
    return body


def fill(target):
    import datetime as dt

    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.utils import timezone

    from integrations.models import Account, Provider
    from training.models import TrainingPair

    owner, _ = User.objects.get_or_create(username="bench-owner")
    reviewer, created = User.objects.get_or_create(username="bench-reviewer")
    if created:
        reviewer.groups.add(Group.objects.get(name="Reviewers"))
    provider, _ = Provider.objects.get_or_create(code="gmail", defaults={"name": "Gmail"})
    accounts = [
        Account.objects.get_or_create(provider=provider, address=f"support{i}@bench.example", defaults={"owner": owner})[0]
        for i in range(3)
    ]
    have = TrainingPair.objects.count()
    if have >= target:
        return reviewer, accounts
    rng = random.Random(have)
    now = timezone.now()
    statuses = ["new"] * 6 + ["approved"] * 3 + ["rejected"]
    started = time.perf_counter()
    batch = []
    for n in range(have, target):
        sent_at = None if rng.random() < 0.005 else now - dt.timedelta(seconds=rng.randrange(2 * 365 * 86400))
        batch.append(TrainingPair(
            account=accounts[n % 3], thread_id=f"bench{n}", subject=f"Question {n} about {rng.choice(WORDS)}",
            client_text=text(rng, rng.randint(30, 150)), reply_text=text(rng, rng.randint(30, 150)),
            edited_reply_text=text(rng, 40) if rng.random() < 0.02 else "",
            client_sent_at=sent_at, status=rng.choice(statuses),
        ))
        if len(batch) == 5000:
            TrainingPair.objects.bulk_create(batch)
            batch = []
    TrainingPair.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE training_trainingpair")
    print(f"created {target - have} pairs in {time.perf_counter() - started:.0f} s")
    return reviewer, accounts


def measure(client, url, n, **kwargs):
    """(p50, p95, max) in ms, and the last response."""
    times, response = [], None
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1], response


def row(label, figures, goal=None):
    p50, p95, worst = figures[:3]
    verdict = "" if goal is None else ("  ok" if p95 < goal else f"  OVER goal {goal} ms")
    print(f"  {label:<46} p50 {p50:6.1f}   p95 {p95:6.1f}   max {worst:6.1f}{verdict}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=100_000)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    setup_test_environment()  # lets the test Client be used outside tests; templates are still compiled once
    settings.DEBUG = False  # no query logging while measuring
    settings.ALLOWED_HOSTS = ["testserver"]

    from training.models import Cursor, TrainingPair

    reviewer, accounts = fill(args.pairs)
    client = Client()
    client.force_login(reviewer)
    n = args.requests
    url = "/training/pairs/"

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    counts = {s: TrainingPair.objects.filter(status=s).count() for s in TrainingPair.Status.values}
    print("Conditions")
    print(f"  CPUs: {os.cpu_count()}   load average {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)   Python {sys.version.split()[0]}   Django {django.get_version()}")
    print(f"  Database: {connection.vendor} {version.split(' on ')[0]}")
    print(f"  Pairs: {sum(counts.values())} ({', '.join(f'{k} {v}' for k, v in counts.items())}) in {len(accounts)} accounts")
    print(f"  {n} requests per figure, in-process test Client, signed in as a Reviewers member; times in ms")

    print("List page (50 rows, counts, filters)")
    for _ in range(5):
        client.get(url)  # warm-up: templates, connection, caches
    row("default (new, newest first)", measure(client, url, n), goal=50)
    row("htmx results partial", measure(client, url, n, headers={"HX-Request": "true", "HX-Target": "results"}), goal=50)
    row("oldest first", measure(client, url, n, data={"sort": "oldest"}), goal=50)
    row("filtered: one account", measure(client, url, n, data={"account": accounts[1].pk}), goal=50)
    row("filtered: account + date range", measure(client, url, n, data={
        "account": accounts[2].pk, "since": "2025-01-01", "until": "2025-06-30"}), goal=50)
    row("200 rows per page", measure(client, url, n, data={"size": 200}), goal=50)

    new = TrainingPair.objects.pending()
    deep = new.in_review_order(newest=True)[int(counts["new"] * 0.95)]
    row("deep page: 95% down (keyset cursor)", measure(client, url, n, data={"after": str(Cursor.of(deep))}), goal=50)
    row("deep page, backwards (before cursor)", measure(client, url, n, data={"before": str(Cursor.of(deep))}), goal=50)

    def searches(label):
        row(f"search rare word '{RARE_WORD}' {label}", measure(client, url, n, data={"q": RARE_WORD}))
        row(f"search common word '{COMMON_WORD}' {label}", measure(client, url, n, data={"q": COMMON_WORD}))
        row(f"search absent word 'xylophone' {label}", measure(client, url, max(10, n // 5), data={"q": "xylophone"}))

    searches("(trigram)" if connection.vendor == "postgresql" else "")
    if connection.vendor == "postgresql":
        # The same searches with the trigram indexes dropped, inside a transaction that is rolled back.
        with transaction.atomic():
            with connection.cursor() as cursor:
                for column in ["client_text", "reply_text", "edited_client_text", "edited_reply_text"]:
                    cursor.execute(f"DROP INDEX pair_{column}_trgm")
            searches("(no index)")
            transaction.set_rollback(True)

    print("Approve POST (htmx: row + counts)")
    targets = list(new.values_list("pk", flat=True)[:n])
    times = []
    for pk in targets:
        started = time.perf_counter()
        response = client.post(f"/training/pairs/{pk}/approve/", {"filters": "status=new"},
                               headers={"HX-Request": "true", "HX-Target": f"pair-{pk}"})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    TrainingPair.objects.filter(pk__in=targets).update(status="new")  # leave the data as it was
    times.sort()
    row("approve one pair", (statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1]), goal=30)

    print("Page weight")
    html = client.get(url).content
    print(f"  HTML, 50 rows: {len(html):>8,} bytes   gzip {len(gzip.compress(html)):>7,}")
    total = total_gz = 0
    for asset in ["css/app.css", "training/review.css", "training/review.js", "django_htmx/htmx-2.min.js", "django_htmx/django-htmx.js"]:
        data = Path(finders.find(asset)).read_bytes()
        total, total_gz = total + len(data), total_gz + len(gzip.compress(data))
        print(f"  {asset:<26} {len(data):>8,} bytes   gzip {len(gzip.compress(data)):>7,}")
    print(f"  static total               {total:>8,} bytes   gzip {total_gz:>7,}")
    print(f"  first load total           {total + len(html):>8,} bytes   gzip {total_gz + len(gzip.compress(html)):>7,}")


if __name__ == "__main__":
    main()

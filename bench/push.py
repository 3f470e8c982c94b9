"""Push webhook benchmark: throughput and latency of POST /integrations/gmail/push under gunicorn, and the
time from new mail in the (sandbox) mailbox to the message stored by a real qcluster.

    .venv/bin/python bench/push.py [--seconds 10] [--clients 16] [--trials 10]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/emailassist_bench_push; the
database is created and migrated). Everything runs on loopback: the Gmail sandbox (Google's certificates,
users.watch, Pub/Sub push signed RS256) in this process, gunicorn with 2 sync workers, qcluster with the ORM
broker, and the load generator (processes with threads, one new connection per request as gunicorn's sync
workers close them). Goals: >= 500 requests/s and p99 < 50 ms on 2 cores; push-to-stored p50 < 2 s.
"""

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/emailassist_bench_push"
ADDRESS = "bench@example.com"
TOPIC = "projects/bench/topics/gmail"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database(url):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def body(message_id, address=ADDRESS, history_id=1):
    data = base64.b64encode(json.dumps({"emailAddress": address, "historyId": history_id}).encode()).decode()
    return json.dumps({"message": {"data": data, "messageId": message_id}, "subscription": "s"}).encode()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ----- load generator (one child process, asyncio: little CPU per request, so the server gets the cores) -----


async def _client(port, head, prefix, deadline, latencies, statuses):
    n = 0
    while time.monotonic() < deadline:
        n += 1
        payload = body(f"{prefix}-{n}")
        request = head + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            answer = await reader.read()  # gunicorn's sync workers close the connection after each answer
            writer.close()
            status = int(answer.split(b" ", 2)[1])
        except (OSError, IndexError, ValueError):
            status = "error"
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1


def load_process(port, token, prefix, seconds, clients, results):
    head = (
        f"POST /integrations/gmail/push HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nAuthorization: Bearer {token}\r\n"
    ).encode()
    latencies, statuses = [], {}
    deadline = time.monotonic() + seconds

    async def run():
        await asyncio.gather(
            *(_client(port, head, f"{prefix}-{i}", deadline, latencies, statuses) for i in range(clients))
        )

    cpu = time.process_time()
    asyncio.run(run())
    results.put((latencies, statuses, time.process_time() - cpu))


def load(port, token, prefix, seconds, clients):
    """(latencies, statuses, elapsed, CPU seconds of the load generator)."""
    results = multiprocessing.Queue()
    child = multiprocessing.Process(target=load_process, args=(port, token, prefix, seconds, clients, results))
    started = time.monotonic()
    child.start()
    latencies, statuses, cpu = results.get()
    child.join()
    return latencies, statuses, time.monotonic() - started, cpu


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(gunicorn_pid):
    """CPU seconds used so far by (gunicorn's workers, every PostgreSQL process)."""
    web = database = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
            name = text[text.index("(") + 1 : text.rindex(")")]
            parent = int(text.rsplit(")", 1)[1].split()[1])
            if parent == gunicorn_pid or int(entry) == gunicorn_pid:
                web += _cpu_seconds(entry)
            elif name.startswith("postgres"):
                database += _cpu_seconds(entry)
        except (OSError, ValueError):
            continue
    return web, database


# ----- the benchmark -----


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections in total")
    parser.add_argument("--trials", type=int, default=10, help="push-to-stored trials")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (as in the Dockerfile)")
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_database(database_url)

    from integrations.gmail.sandbox import GmailSandbox

    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    endpoint = web_url + "/integrations/gmail/push"
    sandbox = GmailSandbox(ADDRESS, push_endpoint=endpoint, push_audience=endpoint).start()
    sandbox.load_demo(ADDRESS, count=200, seed=3)

    environment = {
        **os.environ,
        **sandbox.settings_overrides(),
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
        "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE=",
        "GMAIL_PUSH_TOPIC": TOPIC,
        "GMAIL_PUSH_AUDIENCE": endpoint,
        "SITE_URL": web_url,
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "Q_WORKERS": "2",
        "DJANGO_SETTINGS_MODULE": "emailassist.settings",
    }
    os.environ.update({key: value for key, value in environment.items() if key not in ("LOG_LEVEL",)})
    import django

    django.setup()
    from django.core.management import call_command
    from django_q.models import OrmQ, Schedule

    from integrations.models import Account, Credentials, EmailMessage, Provider, PushDelivery
    from integrations.push import account_watch
    from integrations.services import account_sync

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    owner, _ = get_user_model().objects.get_or_create(username="bench-owner", defaults={"is_staff": True})
    Account.objects.filter(address=ADDRESS).delete()
    account = Account.objects.create(provider=Provider.objects.get(code="gmail"), owner=owner, address=ADDRESS)
    tokens = sandbox.issue_tokens(ADDRESS)
    Credentials.objects.create(account=account, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"])
    account_sync(account_id=account.pk)
    account_watch(account=account)
    PushDelivery.objects.all().delete()
    OrmQ.objects.all().delete()
    # Only our own traffic: no scheduled syncs during the measurements.
    Schedule.objects.all().delete()
    from django.db import connection

    connection.close()

    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "emailassist.wsgi:application",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{web_port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    cluster = None
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(web_url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        token = sandbox.mint_push_token()

        # 1. throughput and latency: deliveries with distinct messageIds for one mailbox (a burst: the first
        # queues a sync, the rest coalesce). No cluster runs, so the queued sync stays queued.
        load(web_port, token, "warmup", 2, args.clients)
        cpu_before = server_cpu(gunicorn.pid)
        latencies, statuses, elapsed, generator_cpu = load(web_port, token, "run", args.seconds, args.clients)
        cpu_web, cpu_database = (after - before for after, before in zip(server_cpu(gunicorn.pid), cpu_before))
        cpu_server = cpu_web + cpu_database
        requests_per_second = len(latencies) / elapsed
        stored = PushDelivery.objects.count()
        queued = OrmQ.objects.count()

        # 2. push-to-stored: a real qcluster, new mail added to the sandbox, time until the row exists.
        Account.objects.filter(pk=account.pk).update(sync_queued_at=None)
        OrmQ.objects.all().delete()
        connection.close()
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=environment,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(3)  # the cluster's workers start
        delays = []
        for trial in range(args.trials):
            message_id = f"<bench-{trial}-{time.time_ns()}@client.example>"
            raw = (
                f"From: Client <client@client.example>\r\nTo: {ADDRESS}\r\nSubject: Bench {trial}\r\n"
                f"Message-ID: {message_id}\r\n\r\nHello {trial}.\r\n"
            ).encode()
            started = time.perf_counter()
            sandbox.add_message(raw)
            while not EmailMessage.objects.filter(account=account, message_id=message_id).exists():
                if time.perf_counter() - started > 30:
                    break
                time.sleep(0.01)
            delays.append(time.perf_counter() - started)
            time.sleep(0.5)
    finally:
        for process in (gunicorn, cluster):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        sandbox.stop()

    ms = [value * 1000 for value in latencies]
    print("Push webhook benchmark")
    print(
        f"  conditions: {os.cpu_count()} CPUs (load generator on the same machine), PostgreSQL on loopback "
        f"({urllib.parse.urlsplit(database_url).path.lstrip('/')}), gunicorn {args.workers} sync workers, "
        f"DEBUG=false, CONN_MAX_AGE=60, {args.clients} concurrent clients (asyncio, one process), "
        f"one connection per request, valid RS256-signed deliveries, distinct messageIds, one mailbox"
    )
    print(f"  requests: {len(latencies)} in {elapsed:.1f} s, statuses {statuses}")
    print(f"  throughput: {requests_per_second:.0f} requests/s (goal >= 500)")
    per_request = cpu_server / max(len(latencies), 1)
    print(
        f"  CPU: gunicorn {cpu_web:.1f} s + PostgreSQL {cpu_database:.1f} s = {per_request * 1000:.2f} ms a request; "
        f"load generator {generator_cpu:.1f} s; of {elapsed * (os.cpu_count() or 1):.1f} core-seconds. "
        f"Two cores given to the server alone: about {2 / per_request:.0f} requests/s"
    )
    print(
        f"  latency: p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms (goal p99 < 50)"
    )
    print(f"  rows: {stored} deliveries recorded, {queued} sync queued (bursts coalesce)")
    print("Push to stored (sandbox push -> gunicorn -> ORM queue -> qcluster sync -> row)")
    print(f"  trials: {len(delays)}, 2 qcluster workers, ORM broker")
    print(
        f"  p50 {statistics.median(delays):.2f} s, min {min(delays):.2f} s, max {max(delays):.2f} s (goal p50 < 2 s)"
    )


if __name__ == "__main__":
    main()

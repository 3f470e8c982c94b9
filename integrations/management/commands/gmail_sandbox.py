import threading

from django.core.management.base import BaseCommand

from integrations.gmail.sandbox import GmailSandbox


def parse_faults(text):
    faults = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        faults[name.strip()] = float(value)
    return faults


class Command(BaseCommand):
    help = "Run the local Gmail sandbox (Gmail API, Google OAuth, Pub/Sub push) until Ctrl-C."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Lets a test run the command in a thread and end it.
        self.started = threading.Event()
        self.stop_requested = threading.Event()

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--address", default="me@example.com", help="the mailbox OAuth consent signs in as")
        parser.add_argument(
            "--mbox",
            action="append",
            default=[],
            metavar="FILE",
            help="Takeout mbox, .eml file or folder; ADDRESS=FILE loads into another mailbox (repeatable)",
        )
        parser.add_argument("--demo", action="store_true", help="load generated demo mail into --address")
        parser.add_argument("--demo-count", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--push-endpoint", default=None, help="URL that receives Pub/Sub push deliveries")
        parser.add_argument("--push-audience", default=None)
        parser.add_argument("--time-scale", type=float, default=1.0, help="10 makes a quota minute last 6 s")
        parser.add_argument("--quota-per-minute", type=int, default=6000)
        parser.add_argument("--batch-limit", type=int, default=50)
        parser.add_argument("--token-lifetime", type=int, default=3600, help="access token lifetime in seconds")
        parser.add_argument(
            "--faults",
            default="",
            help="e.g. rate_429=0.05,backend_500=0.02,drop=0.01,latency=0.1 (see integrations.gmail.sandbox)",
        )
        parser.add_argument("--client-id", default="sandbox-client-id")
        parser.add_argument("--client-secret", default="sandbox-client-secret")

    def handle(self, *args, **options):
        sandbox = GmailSandbox(
            options["address"],
            host=options["host"],
            port=options["port"],
            client_id=options["client_id"],
            client_secret=options["client_secret"],
            push_endpoint=options["push_endpoint"],
            push_audience=options["push_audience"],
            time_scale=options["time_scale"],
            quota_per_minute=options["quota_per_minute"],
            seed=options["seed"],
            batch_limit=options["batch_limit"],
            token_lifetime=options["token_lifetime"],
            faults=parse_faults(options["faults"]),
        )
        for source in options["mbox"]:
            address, _, path = source.rpartition("=") if "=" in source else (None, "", source)
            count = sandbox.load(path, address or None)
            self.stdout.write(f"Loaded {count} messages from {path} into {address or options['address']}")
        if options["demo"]:
            count = sandbox.load_demo(options["address"], options["demo_count"], options["seed"])
            self.stdout.write(f"Loaded {count} demo messages into {options['address']}")
        sandbox.start()
        self.stdout.write(self.style.SUCCESS(f"Gmail sandbox on {sandbox.url}"))
        for name, value in sandbox.settings_overrides().items():
            self.stdout.write(f"  {name}={value}")
        self.sandbox = sandbox
        self.started.set()
        try:
            self.stop_requested.wait()
        except KeyboardInterrupt:
            pass
        sandbox.stop()

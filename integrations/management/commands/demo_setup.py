"""Demo without Google: run the Gmail sandbox with the demo mailbox and connect it through the real OAuth code.

run.sh, when no Google credentials are configured, does:

    eval "$(python manage.py demo_setup --print-env)"   # the sandbox settings, for every process it starts
    python manage.py demo_setup --run-sandbox &         # sandbox + connect + first sync, then serve

The connection goes through integrations.oauth exactly as the "Connect Gmail" page does (state bound to a
session of the first superuser, PKCE, the sandbox's consent answer, token exchange, getProfile), then
users.watch and a queued first sync that the running qcluster picks up.
"""

import shlex
import threading
import urllib.parse

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from integrations.gmail.client import GmailError
from integrations.gmail.sandbox import GmailSandbox
from integrations.oauth import ConnectError, account_connect, oauth_flow_start
from integrations.push import account_watch
from integrations.tasks import sync_account_enqueue

DEMO_ADDRESS = "alex@brightwater.example"
DEMO_TOPIC = "projects/emailassist-demo/topics/gmail"
CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
SERVICE_ACCOUNT = "gmail-push@sandbox.iam.gserviceaccount.com"


def sandbox_environment(*, host, port, site_url):
    sandbox = f"http://{host}:{port}"
    return {
        "GOOGLE_CLIENT_ID": CLIENT_ID,
        "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
        "GMAIL_API_ROOT_URL": sandbox + "/",
        "GOOGLE_OAUTH_AUTHORIZE_URL": sandbox + "/o/oauth2/auth",
        "GOOGLE_OAUTH_TOKEN_URL": sandbox + "/token",
        "GOOGLE_OAUTH_REVOKE_URL": sandbox + "/revoke",
        "GOOGLE_CERTS_URL": sandbox + "/oauth2/v1/certs",
        "GMAIL_PUSH_TOPIC": DEMO_TOPIC,
        "GMAIL_PUSH_AUDIENCE": site_url.rstrip("/") + "/integrations/gmail/push",
        "GMAIL_PUSH_SERVICE_ACCOUNT": SERVICE_ACCOUNT,
        "SITE_URL": site_url,
        # oauthlib refuses plain http unless told; the sandbox is on loopback.
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
    }


class Command(BaseCommand):
    help = "Run the Gmail sandbox with demo mail and connect it for the first superuser (no Google needed)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.started = threading.Event()
        self.stop_requested = threading.Event()

    def add_arguments(self, parser):
        parser.add_argument("--print-env", action="store_true", help="print `export NAME=value` lines and exit")
        parser.add_argument("--run-sandbox", action="store_true", help="start the sandbox, connect, keep serving")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--site-url", default=None, help="where the product runs (default: SITE_URL)")
        parser.add_argument("--address", default=DEMO_ADDRESS)
        parser.add_argument("--count", type=int, default=200, help="demo messages")
        parser.add_argument("--arrive-every", type=float, default=0, help="new demo mail every N seconds (0: off)")

    def handle(self, *args, **options):
        site_url = options["site_url"] or settings.SITE_URL
        if options["print_env"]:
            environment = sandbox_environment(host=options["host"], port=options["port"], site_url=site_url)
            for name, value in environment.items():
                self.stdout.write(f"export {name}={shlex.quote(value)}")
            return
        if not options["run_sandbox"]:
            raise CommandError("Use --print-env or --run-sandbox.")
        expected = sandbox_environment(host=options["host"], port=options["port"], site_url=site_url)
        wrong = [name for name in ("GOOGLE_CLIENT_ID", "GOOGLE_OAUTH_TOKEN_URL") if getattr(settings, name) != expected[name]]
        if wrong:
            raise CommandError(f'Settings do not point at the sandbox ({", ".join(wrong)}): eval "$(python manage.py demo_setup --print-env)" first.')

        sandbox = GmailSandbox(
            options["address"],
            host=options["host"],
            port=options["port"],
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            push_endpoint=site_url.rstrip("/") + reverse("integrations:gmail_push"),
            push_audience=settings.GMAIL_PUSH_AUDIENCE,
            push_service_account=SERVICE_ACCOUNT,
        )
        count = sandbox.load_demo(options["address"], options["count"])
        sandbox.start()
        self.stdout.write(f"Gmail sandbox on {sandbox.url} with {count} demo messages for {options['address']}")
        try:
            account = self.connect()
            self.stdout.write(
                self.style.SUCCESS(f"Connected {account.address} for {account.owner}; first sync queued.")
            )
            self.started.set()
            self.serve(sandbox, options["arrive_every"])
        finally:
            sandbox.stop()

    def connect(self):
        owner = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if owner is None:
            raise CommandError("No superuser yet: run `python manage.py create_first_admin` first.")
        # A server-side session of the owner, as the "Connect Gmail" page would have.
        session = SessionStore()
        session.create()
        try:
            url = oauth_flow_start(user=owner, session_key=session.session_key)
            # The sandbox's consent page approves at once and redirects to our callback with code and state.
            answer = requests.get(url, allow_redirects=False, timeout=10)
            location = answer.headers.get("Location", "")
            if answer.status_code != 302 or not location:
                raise CommandError(f"The sandbox's consent page answered {answer.status_code}.")
            params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
            account = account_connect(user=owner, session_key=session.session_key, params=params)
        except ConnectError as error:
            raise CommandError(f"Connecting the demo mailbox failed: {error}") from None
        finally:
            session.delete()
        try:
            account_watch(account=account)
        except GmailError as error:
            self.stderr.write(f"users.watch failed ({error}); mail will be synced by the poll fallback.")
        sync_account_enqueue(account.pk)
        return account

    def serve(self, sandbox, arrive_every):
        self.stdout.write(
            f"New mail: curl -X POST {sandbox.url}/_sandbox/arrive -d '{{}}' (pushed to the product in seconds)."
        )
        try:
            while not self.stop_requested.is_set():
                if arrive_every > 0:
                    if self.stop_requested.wait(arrive_every):
                        break
                    sandbox.simulate_arrival()
                else:
                    self.stop_requested.wait(3600)
        except KeyboardInterrupt:
            pass

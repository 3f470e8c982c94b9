import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from integrations.models import Account
from integrations.services import account_sync


class Command(BaseCommand):
    help = "Sync Gmail accounts now (every active one, or one by address), with a progress bar and a summary."

    def add_arguments(self, parser):
        parser.add_argument("--account", metavar="ADDRESS", help="Only this account (any status but disabled).")
        parser.add_argument("--full", action="store_true", help="A full sync, even when history would do.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args, account=None, full=False, no_progress=False, **options):
        accounts = Account.objects.for_provider("gmail").order_by("pk")
        if account:
            accounts = list(accounts.filter(address__iexact=account))
            if not accounts:
                raise CommandError(f"No Gmail account {account}.")
            for found in accounts:
                if found.status in (Account.Status.ERROR, Account.Status.RECONNECT_NEEDED):
                    self.stderr.write(f"{found}: status {found.status} ({found.status_reason})")
        else:
            accounts = list(accounts.active())
        failed = False
        for found in accounts:
            bar = None if no_progress else tqdm(desc=found.address, unit="msg", dynamic_ncols=True)

            def progress(stage, done, total, bar=bar):
                if bar is None:
                    return
                bar.set_description(f"{found.address} {stage}")
                if total is not None and bar.total != total:
                    bar.total = total
                bar.n = done
                bar.refresh()

            try:
                summary = account_sync(account_id=found.pk, full=full, progress=progress)
            finally:
                if bar is not None:
                    bar.close()
            failed |= bool(summary.get("error"))
            self.stdout.write(f"{found.address}: {json.dumps(summary, sort_keys=True)}")
        if failed:
            raise CommandError("Some accounts failed to sync; see the summaries above.")

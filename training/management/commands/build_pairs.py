from django.core.management.base import BaseCommand, CommandError

from integrations.models import Account
from training.services import pairs_for_account


class Command(BaseCommand):
    help = (
        "Re-extract training pairs from the stored mail (after cleaning rules changed). "
        "Pairs a reviewer decided or edited are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", help="Only this account's address (default: every account).")

    def handle(self, *args, account=None, **options):
        accounts = Account.objects.order_by("address")
        if account:
            accounts = accounts.filter(address__iexact=account)
            if not accounts.exists():
                raise CommandError(f"No account with the address {account}.")
        for each in accounts:
            created = pairs_for_account(each)
            self.stdout.write(f"{each.address}: {created} pairs created, {each.training_pairs.count()} in all")

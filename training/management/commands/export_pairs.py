from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from integrations.models import Account
from training import export
from training.models import TrainingPair


class Command(BaseCommand):
    help = "Write the approved training pairs as JSONL (OpenAI chat fine-tuning format) or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", help="File to write; standard output when left out.")
        parser.add_argument("--account", help="Only this account's pairs (its address).")
        parser.add_argument("--system-prompt", default="", help="A system message put first in every JSONL record.")
        parser.add_argument("--since", help="Only pairs whose client message was sent on or after this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        pairs = TrainingPair.objects.approved()
        if options["account"]:
            accounts = Account.objects.filter(address__iexact=options["account"])
            if not accounts.exists():
                raise CommandError(f"No account with the address {options['account']}.")
            pairs = pairs.filter(account__in=accounts)
        if options["since"]:
            since = parse_date(options["since"])
            if since is None:
                raise CommandError(f"--since must be a date like 2025-01-31, not {options['since']!r}.")
            pairs = pairs.sent_between(since=since)
        pairs = pairs.in_review_order(newest=False)
        if options["format"] == "csv":
            lines = export.csv_lines(pairs)
        else:
            lines = export.jsonl_lines(pairs, system_prompt=options["system_prompt"])
        written = -1 if options["format"] == "csv" else 0  # the CSV header is not a pair
        if not options["output"]:
            for line in lines:
                self.stdout.write(line, ending="")
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write(line)
                written += 1
        self.stderr.write(f"Wrote {written} pair(s) to {options['output']}.")

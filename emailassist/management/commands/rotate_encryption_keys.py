from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from emailassist import crypto
from emailassist.fields import EncryptedTextField


def encrypted_fields():
    """(model, [field names]) for every model holding an EncryptedTextField."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


def rotate_model(model, field_names, *, batch_size):
    """Re-encrypt every value of these fields under the first key.

    Reads and writes the raw columns (the stored tokens, never the plaintext as model objects), in
    primary-key order, one transaction a batch. Values already under the first key are left alone, so an
    interrupted run is simply run again. Returns (rotated, already current).
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    columns = [quote(model._meta.get_field(name).column) for name in field_names]
    select = f"SELECT {pk}, {', '.join(columns)} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s"
    rotated = current = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(select, [last_pk, batch_size])
                rows = cursor.fetchall()
                for row_pk, *values in rows:
                    changes = {}
                    for column, stored in zip(columns, values):
                        if not stored:
                            continue
                        if crypto.is_current(stored):
                            current += 1
                        else:
                            changes[column] = crypto.rotate(stored)
                    if changes:
                        assignments = ", ".join(f"{column} = %s" for column in changes)
                        cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", [*changes.values(), row_pk])
                        rotated += len(changes)
        if len(rows) < batch_size:
            return rotated, current
        last_pk = rows[-1][0]


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the first key in FIELD_ENCRYPTION_KEYS. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        for model, names in encrypted_fields():
            try:
                rotated, current = rotate_model(model, names, batch_size=batch_size)
            except crypto.DecryptionError as exc:
                raise CommandError(f"{model._meta.label}: {exc}") from exc
            self.stdout.write(f"{model._meta.label}: {rotated} value(s) re-encrypted, {current} already current")

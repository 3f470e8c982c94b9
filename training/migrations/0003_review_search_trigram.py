"""Trigram indexes for the review page's text search, on PostgreSQL only.

The search is `icontains` over four columns, which PostgreSQL runs as UPPER(col) LIKE UPPER('%term%'):
a GIN index on UPPER(col) with gin_trgm_ops serves that without reading every row. SQLite has no such
index type and scans instead, which is fine at its sizes. pg_trgm is a trusted extension (PostgreSQL 13+),
so the database owner may create it.
"""

from django.db import migrations

COLUMNS = ["client_text", "reply_text", "edited_client_text", "edited_reply_text"]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS pair_{column}_trgm ON training_trainingpair "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS pair_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("training", "0002_reviewers_group")]
    operations = [migrations.RunPython(create_indexes, drop_indexes)]

"""Trigram (pg_trgm) GIN indexes for substring search of names and pinyin on PostgreSQL.
SQLite has no such index; its search scans the name table, which is fine at embedded scale."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "orgname_name_trgm": "name",
    "orgname_pinyin_trgm": "pinyin",
    "orgname_initials_trgm": "initials",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON orgs_orgname USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [TrigramExtension(), migrations.RunPython(create, drop)]

"""A trigram (pg_trgm) GIN index on the registered name, so that the public search for a
substring of the name (LIKE '%…%') does not read every institution on PostgreSQL. SQLite has
no such index; its search scans the table, which is fine at embedded scale."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "registration_institution_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON registration_institution "
        "USING gin (name gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registration", "0001_initial")]
    operations = [TrigramExtension(), migrations.RunPython(create, drop)]

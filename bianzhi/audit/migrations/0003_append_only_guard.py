"""The database refuses UPDATE and DELETE of audit rows (triggers per vendor, see audit/guard.py);
the chain head starts at the genesis hash."""

from django.db import migrations

from bianzhi.audit import guard

GENESIS = "0" * 64


def create_head(apps, schema_editor):
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(
        pk=1, defaults={"chain_seq": 0, "hash": GENESIS}
    )


def install(apps, schema_editor):
    guard.install(schema_editor)


def remove(apps, schema_editor):
    guard.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_position_head_archive")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(install, remove),
    ]

# The holiday schedules shipped in core/data/holidays (2025, 2026), through the loader that the
# `holidays` command and the calendar page use. Later years: `bianzhi holidays load FILE`.

from django.db import migrations


def load(apps, schema_editor):
    from bianzhi.core.calendar import load_shipped_holidays

    load_shipped_holidays(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_calendar_day_document_counter_doc_prefix")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

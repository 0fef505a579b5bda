from django.db import migrations


def load(apps, schema_editor):
    from bianzhi.core.reference import load_codesets

    load_codesets(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_load_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

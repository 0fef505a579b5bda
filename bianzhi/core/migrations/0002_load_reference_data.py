from django.db import migrations


def load(apps, schema_editor):
    from bianzhi.core.reference import load_codesets, load_regions

    load_regions(apps)
    load_codesets(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

# Views of personal data are audit events now (bianzhi.audit), chained and append-only.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0005_document_classification")]

    operations = [migrations.DeleteModel(name="AccessEvent")]

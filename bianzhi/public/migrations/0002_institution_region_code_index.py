"""A btree index on (region_code, credit_code): the public search lists institutions by region
and then credit code, so a search by region reads the index range in order and stops at the
page's end, instead of walking every credit code and filtering by region."""

from django.db import migrations

INDEX = "registration_institution_region_credit_code"


class Migration(migrations.Migration):
    dependencies = [("public", "0001_institution_name_trigram_index")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON registration_institution "
            "(region_code, credit_code)",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]

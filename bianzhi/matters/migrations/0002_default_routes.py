"""Default review routes: three steps (经办人 → 处室负责人 → 分管领导) for every matter; setting
up, abolishing, merging, splitting a body and changing its rank are major matters decided by
the establishment committee (机构编制工作条例, 2019, art. 13–15). Time limits are the defaults a
node can change per matter type."""

from django.db import migrations

DEFAULT_STEPS = ["clerk", "division_head", "leader"]
MAJOR = ["establish", "abolish", "merge", "split", "change_rank"]


def seed(apps, schema_editor):
    Route = apps.get_model("matters", "ReviewRoute")
    Route.objects.update_or_create(
        node=None, matter_type="", defaults={"steps": DEFAULT_STEPS, "time_limit_days": 20}
    )
    for matter_type in MAJOR:
        Route.objects.update_or_create(
            node=None,
            matter_type=matter_type,
            defaults={"steps": DEFAULT_STEPS, "major": True, "time_limit_days": 30},
        )


class Migration(migrations.Migration):
    dependencies = [("matters", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""Helpers of the change-set tests (their `world` fixture is in conftest): validate, execute,
check the journal."""

import datetime

from django.utils import timezone

from bianzhi.core.models import JournalEntry
from bianzhi.matters import changes
from bianzhi.staffing.models import Quota

from .factories import make_matter

D = datetime.date
EFFECTIVE = D(2026, 7, 1)
SPEC = {"name": "吴中区数据局", "category": "gov", "region_code": "320506", "rank": "section"}
FULL_SPEC = SPEC | {"short_name": "", "subcategory": "", "pi_class": "", "funding_form": ""}


def matter_of(world, matter_type):
    return make_matter(world.a, world.node, matter_type, user=world.clerk)


def validate(world, matter_type, op, org=None, **params):
    matter = matter_of(world, matter_type)
    return changes.validate_item(actor=world.clerk, matter=matter, op=op, org=org, params=params)


def execute(world, matter):
    changes.apply(matter, actor=world.clerk, document=world.decision, effective_date=EFFECTIVE)


def journaled(obj, action, world, *, dated=True):
    entry = JournalEntry.objects.get(
        entity=obj._meta.label_lower, entity_id=obj.pk, action=action, document=world.decision
    )
    assert entry.effective_date == (EFFECTIVE if dated else None)
    assert entry.actor == world.clerk
    return entry


def quota(org, est_type="admin"):
    return Quota.objects.get(org=org, est_type=est_type)


def in_days(n):
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()

"""Helpers for the matters tests: matters and change items made directly (the service layer
has tests of its own), and people on posts made through the real personnel services."""

import datetime
import itertools

from bianzhi.core.identifiers import ric_check_digit
from bianzhi.core.models import Node
from bianzhi.matters.models import ChangeItem, Matter, MatterState
from bianzhi.orgs.models import Org
from bianzhi.personnel import services as people
from bianzhi.personnel.models import Assignment
from bianzhi.testing import make_document

_refs = itertools.count(1)
_people = itertools.count(1)


def make_matter(
    applicant: Org,
    node: Node,
    matter_type: str,
    *,
    user=None,
    state: str = MatterState.DRAFT,
    title: str = "关于机构编制事项的请示",
) -> Matter:
    return Matter.objects.create(
        ref=f"TEST-{next(_refs):05d}",
        matter_type=matter_type,
        title=title,
        applicant=applicant,
        region_code=applicant.region_code,
        node=node,
        state=state,
        created_by=user,
    )


def add_item(matter: Matter, op: str, org: Org | None = None, **params) -> ChangeItem:
    """Append an item as stored after validation (normalised params)."""
    last = matter.items.order_by("-seq").values_list("seq", flat=True).first() or 0
    return ChangeItem.objects.create(matter=matter, seq=last + 1, op=op, org=org, params=params)


def resident_id() -> str:
    """A fresh valid resident ID (GB 11643) of a man born in 1980."""
    first17 = f"11010119800101{next(_people):03d}"
    return first17 + ric_check_digit(first17)


def fill_posts(
    org: Org, est_type: str, count: int, *, start: datetime.date = datetime.date(2021, 1, 1)
) -> list[Assignment]:
    """Put `count` people on posts of the body (入编), through the control checks."""
    taken = []
    for n in range(count):
        person = people.person_register(actor=None, resident_id=resident_id(), name=f"某{n}")
        taken.append(
            people.assignment_onboard(
                actor=None,
                person=person,
                org=org,
                est_type=est_type,
                start_date=start,
                entry_way="exam",
                document=make_document(issued_on=start),
            )
        )
    return taken

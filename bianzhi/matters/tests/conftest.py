"""A county office with the people of a matter's path, a body with a quota, and a helper that
drives a matter through the real services."""

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from bianzhi.accounts.models import User
from bianzhi.matters import services
from bianzhi.matters.models import Matter
from bianzhi.staffing import services as staffing
from bianzhi.staffing.services import quota_set
from bianzhi.testing import establish, make_document, make_user

ON = datetime.date(2024, 1, 1)


@dataclass
class Office:
    body: object
    unit: User
    clerk: User
    head: User
    leader: User
    city_clerk: User
    outsider: User


@pytest.fixture
def office(nodes) -> Office:
    body = establish("苏州市吴中区市场监督管理局", region="320506", on=ON)
    quota_set(
        actor=None,
        org=body,
        est_type="admin",
        approved=20,
        document=make_document(issued_on=ON),
        effective_date=ON,
    )
    unit = make_user("unit", None, role="unit")
    User.objects.filter(pk=unit.pk).update(org=body, email="unit@example.invalid")
    unit.refresh_from_db()
    return Office(
        body=body,
        unit=unit,
        clerk=make_user("wz_clerk", nodes["county"]),
        head=make_user("wz_head", nodes["county"], role="division_head"),
        leader=make_user("wz_leader", nodes["county"], role="leader"),
        city_clerk=make_user("sz_clerk", nodes["city"]),
        outsider=make_user("bj_clerk", nodes["other"]),
    )


def raise_matter(office: Office, count: int = 5, **kwargs) -> Matter:
    matter = services.matter_create(
        actor=office.unit,
        applicant=office.body,
        matter_type=kwargs.pop("matter_type", "quota_raise"),
        title=kwargs.pop("title", "关于调增行政编制的请示"),
        reason="职能增加",
        **kwargs,
    )
    services.item_add(
        actor=office.unit,
        matter=matter,
        op="quota.raise",
        org=office.body,
        params={"est_type": "admin", "count": count},
    )
    return matter


def act(matter: Matter, actor, action: str, comment: str = "", **data) -> Matter:
    return services.matter_act(
        actor=actor, matter=matter, action=action, comment=comment, data=data
    )


def cut_meanwhile(office: Office, by: int = 3) -> None:
    """Someone cuts the body's quota directly, after a matter on it was approved."""
    from django.utils import timezone

    from bianzhi.staffing.services import quota_adjust

    quota_adjust(
        actor=office.clerk,
        org=office.body,
        est_type="admin",
        delta=-by,
        document=make_document("核减", issued_on=timezone.localdate()),
        effective_date=timezone.localdate(),
    )


def to_approved(office: Office, matter: Matter) -> Matter:
    act(matter, office.unit, "submit")
    act(matter, office.clerk, "accept")
    act(matter, office.clerk, "pass")
    act(matter, office.head, "pass")
    return act(matter, office.leader, "approve", decision_text="")


@pytest.fixture
def world(nodes, users):
    """Three county bureaus with 10 administrative posts each, a county clerk and a decision."""
    bodies = {
        key: establish(name, rank="section", subcategory="gov.component")
        for key, name in (
            ("a", "吴中区市场监督管理局"),
            ("b", "吴中区发展和改革局"),
            ("c", "吴中区科学技术局"),
        )
    }
    for org in bodies.values():
        staffing.quota_set(
            actor=None,
            org=org,
            est_type="admin",
            approved=10,
            document=make_document(),
            effective_date=datetime.date(2020, 1, 1),
        )
    return SimpleNamespace(
        **bodies,
        node=nodes["county"],
        clerk=users["county"],
        decision=make_document("关于机构编制事项的批复", issued_on=datetime.date(2026, 6, 20)),
    )

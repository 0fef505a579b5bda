"""The demo's nodes (编办) and logins, and the emptiness check before loading.

:func:`ensure_demo_accounts` makes the national node and the 编办 of the province, its first
prefecture and one of that prefecture's counties; one business user per level, a viewer, the
county's division head, leader and registrar (登记管理人员), the own account of one county
body (``unit``), and the three administrators (``DEMO_ROLES``), all with the published
``DEMO_PASSWORD`` — demo only; ``bianzhi demo_logins`` prints them.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from bianzhi.accounts.models import User
from bianzhi.core.models import Node

from ..models import Org
from .places import Place, committee_of, province_places

DEMO_PASSWORD = "Bianzhi-demo-2026"  # nosec B105  # public demo password; demo only; printed by `bianzhi demo_logins`
# Business accounts (a clerk at each level and a viewer) and the three administrators (三员),
# who have no node and no business rights (ADR 0009).
DEMO_ROLES = {
    "admin": "clerk",
    "province": "clerk",
    "city": "clerk",
    "county": "clerk",
    "viewer": "viewer",
    "head": "division_head",
    "leader": "leader",
    "unit": "unit",
    "registrar": "registrar",
    "sysadmin": "sysadmin",
    "secadmin": "secadmin",
    "auditor": "auditor",
}
# "inst" is the own account of a registered public institution, made by the registration demo.
DEMO_USERS = (*DEMO_ROLES, "inst")
ADMIN_ROLES = {"sysadmin", "secadmin", "auditor"}


def _node(place: Place | None) -> Node | None:
    if place is None:
        return None
    node, _ = Node.objects.update_or_create(
        code=place.code,
        defaults={
            "name": f"{committee_of(place.name)}机构编制委员会办公室",
            "region_code": place.code,
            "doc_prefix": f"{committee_of(place.name)}编办发",
        },
    )
    return node


def demo_nodes(province_code: str) -> dict[str, Node | None]:
    """The national node and the 编办 of the province, its first prefecture and a county."""
    places = province_places(province_code)
    prefecture = next((p for p in places if p.level == 2), None)
    parent = prefecture.code[:4] if prefecture else province_code[:2]
    county = next((p for p in places if p.level == 3 and p.code.startswith(parent)), None)
    national, _ = Node.objects.update_or_create(
        code="000000",
        defaults={
            "name": "中央机构编制委员会办公室",
            "region_code": "000000",
            "doc_prefix": "中央编办发",
        },
    )
    return {
        "admin": national,
        "province": _node(places[0]),
        "city": _node(prefecture),
        "county": _node(county),
    }


@transaction.atomic
def ensure_demo_accounts(province_code: str) -> list[str]:
    """Create (or re-attach) the demo users; existing passwords are left alone. Idempotent."""
    nodes = demo_nodes(province_code)
    nodes["viewer"] = nodes["province"]
    nodes["head"] = nodes["leader"] = nodes["registrar"] = nodes["county"]
    # The body's own account (单位账号) of the county's first body: it applies for matters.
    county = nodes["county"]
    body = (
        Org.objects.filter(region_code=county.region_code, status="active", parent=None)
        .order_by("id")
        .first()
        if county
        else None
    )
    made = []
    for username, role in DEMO_ROLES.items():
        node = nodes.get(username)
        if role == "unit":
            if body is None:
                continue
        elif node is None and role not in ADMIN_ROLES:
            continue
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "node": node,
                "org": body if role == "unit" else None,
                "is_superuser": False,
                "is_staff": False,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            made.append(username)
        user.groups.set([Group.objects.get(name=role)])
    return made


def org_count_in(province_code: str) -> int:
    return Org.objects.filter(region_code__startswith=province_code[:2]).count()

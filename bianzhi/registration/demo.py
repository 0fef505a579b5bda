"""Demo registrations for the county of the demo: its public institutions registered with
items and certificates, an own account (`inst`) for the first of them, one establishment taken
through the whole flow (so the public notices are not empty), and one change of legal
representative waiting in the registrar's inbox."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from bianzhi.accounts.models import User
from bianzhi.core.documents import document_register
from bianzhi.core.models import Node
from bianzhi.orgs.models import Org

from . import applications
from .codes import code_block_add
from .models import CodeBlock, Institution
from .services import certificate_issue, institution_register

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华建国军平志强伟芳娜敏静丽涛磊洋艳勇杰娟霞"
STREETS = ("东吴北路", "宝带西路", "越溪大道", "苏蠡路", "太湖东路", "木渎中山路")
# A minimal valid PDF, standing in for the scanned materials of the demo applications.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _items(org: Org, rng: random.Random, sponsor: str) -> dict:
    return {
        "name": org.name,
        "address": f"{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        "purpose": f"承担{org.short_name or org.name}的公益服务职能，开展相关业务工作。",
        "legal_rep": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
        "funding_source": org.funding_form or "full",
        "capital": Decimal(rng.randint(10, 500)),
        "sponsor": sponsor,
    }


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def _apply(actor, kind: str, materials: list[str], **fields):
    app = applications.application_create(actor=actor, kind=kind, **fields)
    for material in materials:
        applications.attachment_add(
            actor=actor, application=app, kind=material, upload=_pdf(f"{material}.pdf")
        )
    return app


@transaction.atomic
def load_demo_registrations(seed: int = 1) -> int:
    """Register the county's institutions once; returns how many were registered (0 when the
    demo accounts are missing or registrations exist)."""
    users = {u.username: u for u in User.objects.filter(username__in=["registrar", "leader"])}
    if len(users) < 2 or Institution.objects.exists():
        return 0
    registrar, leader = users["registrar"], users["leader"]
    node: Node = registrar.node
    if not CodeBlock.objects.filter(registrar=node).exists():
        code_block_add(actor=None, registrar=node, prefix="MB", first=1, last=999999)
    rng = random.Random(seed)  # nosec B311  # demo data, not security
    bodies = list(
        Org.objects.filter(
            region_code=node.region_code, category="institution", status="active"
        ).select_related("supervisor")
    )
    today = timezone.localdate()
    # The registrations before the system came in are cited by the register they were kept in.
    archive = document_register(
        actor=None,
        issuer=node.name,
        number="",
        issued_on=datetime.date(2020, 1, 1),
        title="事业单位登记档案（系统启用前登记）",
    )
    for org in bodies[1:]:
        on = max(org.established_on, datetime.date(2020, 1, 1))
        sponsor = org.supervisor.name if org.supervisor else node.name
        institution = institution_register(
            actor=None,
            org=org,
            items=_items(org, rng, sponsor),
            registrar=node,
            registered_on=on,
            document=archive,
        )
        certificate_issue(actor=None, institution=institution, issued_on=on)
    if not bodies:
        return 0
    # The first body goes through the whole establishment flow, then asks for a change.
    first = bodies[0]
    sponsor = first.supervisor.name if first.supervisor else node.name
    app = _apply(
        registrar,
        "establish",
        ["application_form", "approval", "address_proof", "capital_proof", "legal_rep"],
        org=first,
        data={"items": {**_items(first, rng, sponsor), "capital": "120"}},
    )
    for actor, action in (
        (registrar, "submit"),
        (registrar, "accept"),
        (registrar, "examine"),
        (leader, "approve"),
        (registrar, "certify"),
    ):
        applications.application_act(
            actor=actor,
            application=app,
            action=action,
            comment="材料齐全，符合条件。",
            opinion="approve",
        )
    inst = _own_account(first, node)
    change = _apply(
        inst,
        "change",
        ["application_form", "change_decision", "legal_rep"],
        institution=Institution.objects.get(org=first),
        data={"changes": {"legal_rep": "周立新"}},
        event_date=today - datetime.timedelta(days=3),
    )
    applications.application_act(actor=inst, application=change, action="submit")
    return len(bodies)


def _own_account(org: Org, node: Node) -> User:
    from bianzhi.orgs.demo import DEMO_PASSWORD

    user, created = User.objects.update_or_create(
        username="inst", defaults={"node": node, "org": org, "is_staff": False}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.set([Group.objects.get(name="unit")])
    return user

"""Test helpers: a registered institution with a certificate in one call."""

import datetime
from decimal import Decimal

from bianzhi.core.models import Node
from bianzhi.testing import establish, make_document

from .codes import code_block_add
from .models import CodeBlock, Institution
from .services import certificate_issue, institution_register


def ensure_code_block(registrar: Node, prefix: str | None = None) -> CodeBlock:
    """The registrar's first code block (prefix "MB" + its code's last 4 digits' letters)."""
    block = CodeBlock.objects.filter(registrar=registrar, active=True).first()
    if block is not None:
        return block
    prefix = prefix or "M" + registrar.code[-4:]
    return code_block_add(actor=None, registrar=registrar, prefix=prefix, first=1, last=999)


def make_institution(
    name: str,
    *,
    registrar: Node,
    region: str = "320506",
    on: datetime.date = datetime.date(2021, 3, 1),
    certificate: bool = True,
    **items,
) -> Institution:
    """A body of category 事业单位 in the registry, registered by `registrar` on `on`."""
    org = establish(
        name, region=region, category="institution", pi_class="public1", funding_form="full", on=on
    )
    ensure_code_block(registrar)
    values = {
        "name": name,
        "address": "苏州市吴中区东吴北路101号",
        "purpose": "为社会提供公益服务。",
        "legal_rep": "王明",
        "funding_source": "full",
        "capital": Decimal("100.00"),
        "sponsor": "苏州市吴中区人民政府",
        **items,
    }
    institution = institution_register(
        actor=None,
        org=org,
        items=values,
        registrar=registrar,
        registered_on=on,
        document=make_document(issued_on=on),
    )
    if certificate:
        certificate_issue(actor=None, institution=institution, issued_on=on)
    return institution

"""Unified social credit codes for new public institutions (GB 32100-2015): registration
authority 1 (机构编制), category 2 (事业单位), the region code, an organisation code from the
registrar's configured blocks (GB 11714, with its check character) and the check character.

A block is `prefix` + a zero-padded counter (`CodeBlock`); the block row is locked while a
code is taken, and every code ever assigned is kept in `IssuedCode` (unique), so a code is
never assigned twice, even after the institution is cancelled."""

from django.db import transaction
from django.db.models.functions import Substr

from bianzhi.core.errors import Conflict, InvalidInput
from bianzhi.core.identifiers import USCC_ALPHABET, make_credit_code
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Node
from bianzhi.orgs.models import Org

from .models import CodeBlock, IssuedCode

AUTHORITY, CATEGORY = "1", "2"  # 机构编制 · 事业单位
ORG_CODE_BODY = 8


def org_code_body(prefix: str, value: int) -> str:
    return prefix + str(value).zfill(ORG_CODE_BODY - len(prefix))


@transaction.atomic
def code_block_add(*, actor, registrar: Node, prefix: str, first: int, last: int) -> CodeBlock:
    """Give a registration authority a block of organisation codes: prefix + first…last."""
    prefix = (prefix or "").strip().upper()
    if not 1 <= len(prefix) <= 6 or any(char not in USCC_ALPHABET for char in prefix):
        raise InvalidInput(
            "代码段前缀应为1至6位数字或大写字母（不含 I、O、S、V、Z）",
            "the prefix is 1 to 6 digits or capital letters (not I, O, S, V or Z)",
            field="prefix",
        )
    width = ORG_CODE_BODY - len(prefix)
    if not 0 <= first <= last < 10**width:
        raise InvalidInput(
            f"代码段起止值应满足 0 ≤ 起始 ≤ 截止 < {10**width}",
            f"the block needs 0 ≤ first ≤ last < {10**width}",
            field="last",
        )
    if CodeBlock.objects.filter(prefix=prefix).exists():
        raise Conflict(
            f"代码段前缀“{prefix}”已分配", f"prefix {prefix} is already assigned", field="prefix"
        )
    block = CodeBlock.objects.create(
        registrar=registrar, prefix=prefix, next_value=first, last_value=last
    )
    journal_record(
        obj=block,
        action="registration.codeblock.block_added",
        actor=actor,
        after={"registrar": registrar.code, "prefix": prefix, "first": first, "last": last},
    )
    return block


def credit_code_allocate(*, registrar: Node, region_code: str, application=None) -> str:
    """Assign the next unused credit code of the registrar's active blocks (inside the
    caller's transaction; the block stays locked until it ends)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("credit_code_allocate must be called inside transaction.atomic()")
    blocks = CodeBlock.objects.select_for_update().filter(registrar=registrar, active=True)
    for block in blocks.order_by("id"):
        while block.next_value <= block.last_value:
            body = org_code_body(block.prefix, block.next_value)
            block.next_value += 1
            code = make_credit_code(AUTHORITY, CATEGORY, region_code, body)
            used = IssuedCode.objects.filter(org_code=code[8:17]).exists() or (
                Org.objects.annotate(org_code=Substr("credit_code", 9, 9))
                .filter(org_code=code[8:17])
                .exists()
            )
            if not used:
                block.save(update_fields=["next_value"])
                IssuedCode.objects.create(
                    credit_code=code, org_code=code[8:17], block=block, application=application
                )
                return code
        block.active = False
        block.save(update_fields=["next_value", "active"])
    raise Conflict(
        "登记管理机关没有可用的组织机构代码段，请先配置代码段",
        "the registration authority has no organisation codes left; add a code block",
        field="code_block",
    )

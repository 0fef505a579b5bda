"""Checks of one proposed change as it is added to a matter: the op is one the matter type
allows, the parameters are well formed (codes from the code sets, positive counts, names,
dates) and every body named is active and in the actor's scope. Errors name the field as
``params.<name>`` (or ``org``, ``op``) and the rule, in Chinese and English."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from bianzhi.core.errors import InvalidInput
from bianzhi.core.scope import region_in_scope, region_prefix
from bianzhi.matters.models import ChangeItem, Matter
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.orgs.validation import (
    OrgSpec,
    check_active,
    check_category,
    check_code,
    check_credit_code,
    check_name,
    check_parent,
    check_region,
    check_unique_name,
)

from . import ops
from .ops import ORG_NONE, ORG_REQUIRED, ORG_RULE, PARAM_KEYS, SPEC_KEYS, SPEC_TEXT

MAX_TEXT = 2000


@contextmanager
def _prefixed(prefix: str) -> Iterator[None]:
    """Name the fields of errors raised by the registry's own checks as params.<…>."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message_zh,
            exc.message_en,
            field=f"{prefix}{exc.field}",
            code=exc.code,
            details=exc.details,
        ) from exc


def _whole(value, field: str, minimum: int) -> int:
    """A whole number (an int, or digits from a form) not below the minimum."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            f"{field} 必须是整数", f"{field} must be a whole number", field=field, code="not_int"
        )
    if value < minimum:
        rule_zh = "正整数" if minimum == 1 else f"不小于 {minimum} 的整数"
        rule_en = "a positive number" if minimum == 1 else f"at least {minimum}"
        raise InvalidInput(
            f"{field} 必须是{rule_zh}", f"{field} must be {rule_en}", field=field, code="range"
        )
    return value


def _text(value, field: str, *, max_length: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(
            f"{field} 必须是文本", f"{field} must be text", field=field, code="not_text"
        )
    value = " ".join(value.split())
    if len(value) > max_length:
        raise InvalidInput(
            f"{field} 不能超过 {max_length} 个字符",
            f"{field} is longer than {max_length} characters",
            field=field,
            code="too_long",
        )
    return value


def _text_list(value, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(
            f"{field} 必须是列表", f"{field} must be a list", field=field, code="not_list"
        )
    texts = (_text(entry, f"{field}[{n}]") for n, entry in enumerate(value))
    return [text for text in texts if text]


def _unknown_keys(params: dict, allowed: frozenset[str], prefix: str) -> None:
    for key in params:
        if key not in allowed:
            raise InvalidInput(
                f"未知参数 {prefix}{key}",
                f"unknown parameter {prefix}{key}",
                field=f"{prefix}{key}",
                code="unknown",
            )


def _not_found(field: str) -> InvalidInput:
    # The same answer for a missing body and one outside the actor's scope (no existence leak).
    return InvalidInput(
        f"{field}：机构不存在或不在您的管理范围内",
        f"{field}: no such body in your scope",
        field=field,
        code="not_found",
    )


class _Check:
    """What one item's checks need: the actor, the matter's other items, the body."""

    def __init__(self, *, actor, matter: Matter, params: dict, seq: int | None) -> None:
        self.actor, self.matter, self.params, self.seq = actor, matter, params, seq
        self.items = {item.seq: item for item in ChangeItem.objects.filter(matter=matter)}
        self.org: Org | None = None  # an existing body, or an unsaved one an earlier item sets up
        self.org_ref: int | None = None

    def in_scope(self, region_code: str) -> bool:
        """The actor's region; a body's own account (no region of its own) may name the bodies
        of the region its matter is handled in, which the office then reviews."""
        if self.actor is None or region_in_scope(self.actor, region_code):
            return True
        own_body = getattr(self.actor, "org_id", None) == self.matter.applicant_id
        return (
            own_body
            and self.actor.has_perm("matters.apply_matter")
            and region_code.startswith(region_prefix(self.matter.node.region_code))
        )

    def body(self, value, field: str) -> Org:
        """An existing, active body in the actor's scope, named by an Org or its id."""
        pk = value.pk if isinstance(value, Org) else _whole(value, field, 1)
        org = Org.objects.filter(pk=pk).select_related("parent", "supervisor").first()
        if org is None or not self.in_scope(org.region_code):
            raise _not_found(field)
        check_active(org, field)
        return org

    def ref(self, value, field: str) -> int:
        """The seq of an earlier item of this matter that sets up one body."""
        seq = _whole(value, field, 1)
        item = self.items.get(seq)
        later = self.seq is not None and seq >= self.seq
        if item is None or later or not ops.creates_body(item.op, item.params):
            raise InvalidInput(
                f"{field}：第 {seq} 项不是本事项中在前的新设机构变更",
                f"{field}: item {seq} is not an earlier item of this matter setting up a body",
                field=field,
                code="bad_ref",
            )
        return seq

    def planned(self, seq: int) -> Org:
        """The body an earlier item sets up, unsaved, for checks of its fields."""
        item = self.items[seq]
        spec = ops.created_spec(item.op, item.params) or {}
        return Org(status=OrgStatus.ACTIVE, **{key: spec.get(key, "") for key in SPEC_TEXT})

    def body_or_ref(self, id_key: str, ref_key: str, *, required: bool) -> tuple[Org | None, int]:
        """A body named by ``<id_key>`` or by ``<ref_key>``, not both; (body, ref seq or 0)."""
        has_id, has_ref = self.params.get(id_key) is not None, ref_key in self.params
        if has_id and has_ref:
            raise InvalidInput(
                f"params.{id_key} 与 params.{ref_key} 只能填一个",
                f"give params.{id_key} or params.{ref_key}, not both",
                field=f"params.{ref_key}",
            )
        if has_ref:
            seq = self.ref(self.params[ref_key], f"params.{ref_key}")
            return self.planned(seq), seq
        if has_id:
            return self.body(self.params[id_key], f"params.{id_key}"), 0
        if required:
            raise InvalidInput(
                f"params.{id_key} 不能为空",
                f"params.{id_key} is required",
                field=f"params.{id_key}",
            )
        return None, 0


def _with_org(check: _Check, op: str, org: Org | int | None) -> None:
    """Resolve the item's own body (``org``, or ``params.org_ref``) by the op's rule."""
    rule = ORG_RULE[op]
    ref = check.params.get("org_ref")
    if rule == ORG_NONE and (org is not None or ref is not None):
        raise InvalidInput(
            "新设机构的变更不指定现有机构", "this change names no existing body", field="org"
        )
    if org is not None and ref is not None:
        raise InvalidInput(
            "org 与 params.org_ref 只能填一个", "give org or params.org_ref, not both", field="org"
        )
    if org is not None:
        check.org = check.body(org, "org")
    elif ref is not None:
        check.org_ref = check.ref(ref, "params.org_ref")
        check.org = check.planned(check.org_ref)
    elif rule == ORG_REQUIRED:
        raise InvalidInput("请指定机构", "a body is required", field="org", code="required")


def _spec(check: _Check, raw, prefix: str) -> dict:
    """A body to set up, checked as org_establish would check it today."""
    if not isinstance(raw, dict):
        raise InvalidInput(
            f"{prefix[:-1]} 必须是机构信息", f"{prefix[:-1]} must be an object", field=prefix[:-1]
        )
    _unknown_keys(raw, SPEC_KEYS, prefix)
    spec = {key: _text(raw.get(key), f"{prefix}{key}", max_length=200) for key in SPEC_TEXT}
    spec["name"] = check_name(spec["name"], f"{prefix}name")
    with _prefixed(prefix):
        check_category(OrgSpec(**{key: spec[key] for key in SPEC_TEXT}))
        if not spec["region_code"]:
            raise InvalidInput("区划代码不能为空", "region code is required", field="region_code")
        check_region(spec["region_code"], timezone.localdate())
    if not check.in_scope(spec["region_code"]):
        raise _not_found(f"{prefix}region_code")
    if raw.get("credit_code"):
        with _prefixed(prefix):
            spec["credit_code"] = check_credit_code(_text(raw["credit_code"], "credit_code"))
    parent = _spec_body(check, raw, spec, prefix, "parent")
    _spec_body(check, raw, spec, prefix, "supervisor")
    # Under a body an earlier item sets up, the parent exists and no name can clash yet.
    if "parent_ref" not in spec:
        with _prefixed(prefix):
            check_parent(None, parent, spec["category"])
            check_unique_name(spec["name"], spec["region_code"], parent)
    return spec


def _spec_body(check: _Check, raw: dict, spec: dict, prefix: str, role: str) -> Org | None:
    id_key, ref_key = f"{role}_id", f"{role}_ref"
    if raw.get(id_key) is not None and raw.get(ref_key) is not None:
        raise InvalidInput(
            f"{prefix}{id_key} 与 {prefix}{ref_key} 只能填一个",
            f"give {prefix}{id_key} or {prefix}{ref_key}, not both",
            field=f"{prefix}{ref_key}",
        )
    if raw.get(ref_key) is not None:
        spec[ref_key] = check.ref(raw[ref_key], f"{prefix}{ref_key}")
        return None
    if raw.get(id_key) is not None:
        body = check.body(raw[id_key], f"{prefix}{id_key}")
        spec[id_key] = body.pk
        return body
    return None


def _establish(check: _Check) -> dict:
    return _spec(check, check.params, "params.")


def _abolish(check: _Check) -> dict:
    return {}


def _merge(check: _Check) -> dict:
    raw = check.params.get("source_ids")
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(
            "params.source_ids 必须列出被合并的机构",
            "params.source_ids must list the bodies merged",
            field="params.source_ids",
        )
    sources = [check.body(value, f"params.source_ids[{n}]").pk for n, value in enumerate(raw)]
    absorbing = check.org is not None
    new = check.params.get("new")
    if absorbing == bool(new):
        raise InvalidInput(
            "请指定并入的现有机构（org）或新设机构（params.new）之一",
            "give either the absorbing body (org) or the new body (params.new)",
            field="params.new",
        )
    if len(set(sources)) != len(sources) or (check.org and check.org.pk in sources):
        raise InvalidInput(
            "被合并机构重复，或包含并入机构",
            "the merged bodies repeat or include the absorbing body",
            field="params.source_ids",
            code="duplicate",
        )
    if len(sources) < (1 if absorbing else 2):
        raise InvalidInput(
            "新设合并至少需要两个机构",
            "a merge into a new body needs at least two bodies",
            field="params.source_ids",
        )
    if absorbing:
        return {"source_ids": sorted(sources)}
    return {"source_ids": sorted(sources), "new": _spec(check, new, "params.new.")}


def _split(check: _Check) -> dict:
    raw = check.params.get("into")
    if not isinstance(raw, list) or len(raw) < 2:
        raise InvalidInput(
            "params.into 至少列出两个新机构",
            "params.into must list at least two new bodies",
            field="params.into",
        )
    into = [_spec(check, spec, f"params.into[{n}].") for n, spec in enumerate(raw)]
    names = [(spec["region_code"], spec.get("parent_id"), spec["name"]) for spec in into]
    if len(set(names)) != len(names):
        raise InvalidInput(
            "拆分后的新机构名称重复",
            "the new bodies of the split share a name",
            field="params.into",
            code="duplicate",
        )
    return {"into": into}


def _rename(check: _Check) -> dict:
    org = check.org
    name = check_name(_text(check.params.get("name"), "params.name", max_length=200), "params.name")
    cleaned = {"name": name}
    if check.params.get("short_name") is not None:
        cleaned["short_name"] = _text(
            check.params["short_name"], "params.short_name", max_length=100
        )
    if name == org.name and cleaned.get("short_name", org.short_name) == org.short_name:
        raise InvalidInput(
            "新名称与现名称相同",
            "the new name equals the current name",
            field="params.name",
            code="unchanged",
        )
    if name != org.name:
        with _prefixed("params."):
            check_unique_name(name, org.region_code, org.parent, exclude_pk=org.pk)
    return cleaned


def _change_rank(check: _Check) -> dict:
    rank = _text(check.params.get("rank"), "params.rank", max_length=32)
    check_code("rank", rank, "params.rank", required=True)
    if rank == check.org.rank:
        raise InvalidInput(
            "新规格与现规格相同",
            "the new rank equals the current rank",
            field="params.rank",
            code="unchanged",
        )
    return {"rank": rank}


def _change_supervisor(check: _Check) -> dict:
    supervisor, ref = check.body_or_ref("supervisor_id", "supervisor_ref", required=False)
    org = check.org
    if ref:
        return {"supervisor_ref": ref}
    if supervisor is not None and supervisor.pk == org.pk:
        raise InvalidInput(
            "主管部门不能是本机构",
            "a body cannot supervise itself",
            field="params.supervisor_id",
            code="cycle",
        )
    if getattr(supervisor, "pk", None) == org.supervisor_id:
        raise InvalidInput(
            "新主管部门与现主管部门相同",
            "the supervising body is unchanged",
            field="params.supervisor_id",
            code="unchanged",
        )
    return {"supervisor_id": getattr(supervisor, "pk", None)}


def _provision(check: _Check) -> dict:
    functions = _text_list(check.params.get("functions"), "params.functions")
    if not functions:
        raise InvalidInput(
            "三定规定至少列明一项职能",
            "a provision lists at least one function",
            field="params.functions",
        )
    raw_bodies = _text_list(check.params.get("internal_bodies"), "params.internal_bodies")
    bodies = [check_name(name, f"params.internal_bodies[{n}]") for n, name in enumerate(raw_bodies)]
    if len(set(bodies)) != len(bodies):
        raise InvalidInput(
            "内设机构名称重复",
            "internal body names repeat",
            field="params.internal_bodies",
            code="duplicate",
        )
    summary = _text(check.params.get("summary"), "params.summary", max_length=5000)
    return {"functions": functions, "internal_bodies": bodies, "summary": summary}


def _est_type(check: _Check) -> str:
    est_type = _text(check.params.get("est_type"), "params.est_type", max_length=20)
    check_code("establishment_type", est_type, "params.est_type", required=True)
    return est_type


def _quota_set(check: _Check) -> dict:
    approved = _whole(check.params.get("approved"), "params.approved", 0)
    return {"est_type": _est_type(check), "approved": approved}


def _quota_change(check: _Check) -> dict:
    count = _whole(check.params.get("count"), "params.count", 1)
    return {"est_type": _est_type(check), "count": count}


def _quota_transfer(check: _Check) -> dict:
    if "target_id_ref" in check.params:
        check.params["target_ref"] = check.params.pop("target_id_ref")
    target, ref = check.body_or_ref("target_id", "target_ref", required=True)
    cleaned = _quota_change(check)
    if ref:
        same = ref == check.org_ref
        cleaned["target_ref"] = ref
    else:
        same = target.pk == check.org.pk
        cleaned["target_id"] = target.pk
    if same:
        raise InvalidInput(
            "划出与划入机构相同",
            "source and target are the same body",
            field="params.target_id",
            code="same_body",
        )
    return cleaned


def _leader_post_set(check: _Check) -> dict:
    title = _text(check.params.get("title"), "params.title", max_length=60)
    if not title:
        raise InvalidInput("职务名称不能为空", "the post title is required", field="params.title")
    level = _text(check.params.get("level"), "params.level", max_length=12)
    check_code("leader_level", level, "params.level", required=True)
    rank = _text(check.params.get("rank"), "params.rank", max_length=32)
    check_code("rank", rank, "params.rank")
    approved = _whole(check.params.get("approved"), "params.approved", 0)
    return {"title": title, "level": level, "rank": rank, "approved": approved}


def _date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError as exc:
        raise InvalidInput(
            f"{field} 必须是日期（YYYY-MM-DD）",
            f"{field} must be a date (YYYY-MM-DD)",
            field=field,
            code="not_date",
        ) from exc


def _reservation_create(check: _Check) -> dict:
    cleaned = _quota_change(check)
    expires_on = _date(check.params.get("expires_on"), "params.expires_on")
    if expires_on < timezone.localdate():
        raise InvalidInput(
            "有效期不能早于今天",
            "the expiry date is in the past",
            field="params.expires_on",
            code="past",
        )
    purpose = _text(check.params.get("purpose"), "params.purpose", max_length=200)
    return cleaned | {"purpose": purpose or "用编计划", "expires_on": expires_on.isoformat()}


CHECKS = {
    ops.ESTABLISH: _establish,
    ops.ABOLISH: _abolish,
    ops.MERGE: _merge,
    ops.SPLIT: _split,
    ops.RENAME: _rename,
    ops.CHANGE_RANK: _change_rank,
    ops.CHANGE_SUPERVISOR: _change_supervisor,
    ops.PROVISION: _provision,
    ops.QUOTA_SET: _quota_set,
    ops.QUOTA_RAISE: _quota_change,
    ops.QUOTA_CUT: _quota_change,
    ops.QUOTA_TRANSFER: _quota_transfer,
    ops.LEADER_POST_SET: _leader_post_set,
    ops.RESERVATION_CREATE: _reservation_create,
}


def _check_op(matter: Matter, op: str, params) -> None:
    if op not in ops.ALLOWED_OPS.get(matter.matter_type, frozenset()):
        raise InvalidInput(
            f"“{matter.get_matter_type_display()}”事项不能包含变更“{op}”",
            f"a matter of type {matter.matter_type!r} cannot carry the change {op!r}",
            field="op",
            code="not_allowed",
        )
    if not isinstance(params, dict):
        raise InvalidInput("params 必须是对象", "params must be an object", field="params")
    allowed = PARAM_KEYS[op] | ({"org_ref"} if ORG_RULE[op] != ORG_NONE else frozenset())
    _unknown_keys(params, allowed, "params.")


def validate_item(
    *,
    actor,
    matter: Matter,
    op: str,
    org: Org | int | None,
    params: dict,
    seq: int | None = None,
) -> tuple[Org | None, dict]:
    """Check one proposed change and return its body and normalised parameters.

    Rule: the op is allowed for the matter type; codes are in their code sets, counts positive
    whole numbers, names and dates well formed; every body named exists, is active and lies in
    the actor's scope; a reference (``*_ref``) names an earlier item of the same matter that
    sets up one body (``seq``: the item's own place when it is edited, None when appended).
    Effects of earlier items on today's state (a quota cut below zero after them, say) are
    shown by ``preview`` and refused by ``apply``, not here."""
    _check_op(matter, op, params)
    check = _Check(actor=actor, matter=matter, params=dict(params), seq=seq)
    _with_org(check, op, org)
    cleaned = CHECKS[op](check)
    if check.org_ref:
        cleaned["org_ref"] = check.org_ref
    # A body an earlier item sets up is named by params.org_ref and stays unsaved here.
    body = check.org if check.org is not None and check.org.pk else None
    return body, cleaned

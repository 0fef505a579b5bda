"""Execution of an approved change set: every item in order through the registry's and the
ledger's own services, citing the decision document and its effective date, so each change is
checked, locked and journaled exactly as if a clerk had made it by hand."""

import datetime

from django.db import transaction

from bianzhi.core.errors import DomainError, InvalidInput
from bianzhi.core.models import Document
from bianzhi.matters.models import ChangeItem, Matter
from bianzhi.orgs import services as registry
from bianzhi.orgs.models import Org
from bianzhi.orgs.validation import OrgSpec
from bianzhi.staffing import services as ledger
from bianzhi.staffing.models import Quota

from . import ops
from .ops import SPEC_TEXT


class _Run:
    """What the items of one execution share: who, on what authority, from when, and the
    bodies set up so far (by the seq of the item that set them up)."""

    def __init__(self, actor, document: Document, effective_date: datetime.date) -> None:
        self.actor, self.document, self.effective_date = actor, document, effective_date
        self.created: dict[int, Org] = {}

    @property
    def dated(self) -> dict:
        return {
            "actor": self.actor,
            "document": self.document,
            "effective_date": self.effective_date,
        }

    def ref(self, seq: int, field: str) -> Org:
        org = self.created.get(seq)
        if org is None:
            raise InvalidInput(
                f"第 {seq} 项没有新设机构",
                f"item {seq} set up no body",
                field=field,
                code="bad_ref",
            )
        return Org.objects.get(pk=org.pk)  # fresh: later items may have changed it

    def named(self, params: dict, id_key: str, ref_key: str) -> Org | None:
        if params.get(ref_key):
            return self.ref(params[ref_key], f"params.{ref_key}")
        if params.get(id_key):
            return Org.objects.get(pk=params[id_key])
        return None

    def body(self, item: ChangeItem) -> Org:
        if item.org_id:
            return Org.objects.get(pk=item.org_id)  # fresh: earlier items may have changed it
        return self.ref(item.params.get("org_ref") or 0, "params.org_ref")

    def spec(self, raw: dict) -> OrgSpec:
        return OrgSpec(
            **{key: raw.get(key, "") for key in SPEC_TEXT},
            credit_code=raw.get("credit_code") or None,
            parent=self.named(raw, "parent_id", "parent_ref"),
            supervisor=self.named(raw, "supervisor_id", "supervisor_ref"),
        )


def _quota_result(quota: Quota) -> dict:
    return {
        "quota_id": quota.pk,
        "est_type": quota.est_type,
        "approved": quota.approved,
        "occupied": quota.occupied,
        "reserved": quota.reserved,
    }


def _establish(run: _Run, item: ChangeItem) -> dict:
    org = registry.org_establish(spec=run.spec(item.params), **run.dated)
    run.created[item.seq] = org
    return {"org_id": org.pk, "name": org.name}


def _abolish(run: _Run, item: ChangeItem) -> dict:
    org = registry.org_abolish(org=run.body(item), **run.dated)
    return {"org_id": org.pk, "status": org.status}


def _merge(run: _Run, item: ChangeItem) -> dict:
    params = item.params
    sources = list(Org.objects.filter(pk__in=params["source_ids"]).order_by("pk"))
    new = params.get("new")
    successor = registry.org_merge(
        sources=sources,
        into=None if new else run.body(item),
        new=run.spec(new) if new else None,
        **run.dated,
    )
    if new:
        run.created[item.seq] = successor
    return {"org_id": successor.pk, "name": successor.name, "source_ids": params["source_ids"]}


def _split(run: _Run, item: ChangeItem) -> dict:
    into = [run.spec(spec) for spec in item.params["into"]]
    successors = registry.org_split(org=run.body(item), into=into, **run.dated)
    return {"org_ids": [org.pk for org in successors]}


def _rename(run: _Run, item: ChangeItem) -> dict:
    params = item.params
    org = registry.org_rename(
        org=run.body(item), name=params["name"], short_name=params.get("short_name"), **run.dated
    )
    return {"org_id": org.pk, "name": org.name, "short_name": org.short_name}


def _change_rank(run: _Run, item: ChangeItem) -> dict:
    org = registry.org_change_rank(org=run.body(item), rank=item.params["rank"], **run.dated)
    return {"org_id": org.pk, "rank": org.rank}


def _change_supervisor(run: _Run, item: ChangeItem) -> dict:
    supervisor = run.named(item.params, "supervisor_id", "supervisor_ref")
    org = registry.org_change_supervisor(org=run.body(item), supervisor=supervisor, **run.dated)
    return {"org_id": org.pk, "supervisor_id": org.supervisor_id}


def _provision(run: _Run, item: ChangeItem) -> dict:
    params = item.params
    provision = registry.provision_set(
        org=run.body(item),
        functions=params["functions"],
        internal_bodies=params.get("internal_bodies", []),
        summary=params.get("summary", ""),
        **run.dated,
    )
    return {"provision_id": provision.pk, "functions": len(params["functions"])}


def _quota_set(run: _Run, item: ChangeItem) -> dict:
    params = item.params
    quota = ledger.quota_set(
        org=run.body(item), est_type=params["est_type"], approved=params["approved"], **run.dated
    )
    return _quota_result(quota)


def _quota_adjust(run: _Run, item: ChangeItem) -> dict:
    params = item.params
    delta = params["count"] if item.op == ops.QUOTA_RAISE else -params["count"]
    quota = ledger.quota_adjust(
        org=run.body(item), est_type=params["est_type"], delta=delta, **run.dated
    )
    return _quota_result(quota)


def _quota_transfer(run: _Run, item: ChangeItem) -> dict:
    params = item.params
    out, into = ledger.quota_transfer(
        source=run.body(item),
        target=run.named(params, "target_id", "target_ref"),
        est_type=params["est_type"],
        count=params["count"],
        **run.dated,
    )
    return {"count": params["count"], "source": _quota_result(out), "target": _quota_result(into)}


def _leader_post_set(run: _Run, item: ChangeItem) -> dict:
    params = item.params
    post = ledger.leader_post_set(
        org=run.body(item),
        title=params["title"],
        level=params["level"],
        rank=params.get("rank", ""),
        approved=params["approved"],
        **run.dated,
    )
    return {"leader_post_id": post.pk, "approved": post.approved, "filled": post.filled}


def _reservation_create(run: _Run, item: ChangeItem) -> dict:
    params = item.params
    reservation = ledger.reservation_create(
        actor=run.actor,
        org=run.body(item),
        est_type=params["est_type"],
        count=params["count"],
        purpose=params.get("purpose", ""),
        expires_on=datetime.date.fromisoformat(params["expires_on"]),
        document=run.document,
    )
    quota = reservation.quota
    return {"reservation_id": reservation.pk, "count": reservation.count, "vacancy": quota.vacancy}


APPLY = {
    ops.ESTABLISH: _establish,
    ops.ABOLISH: _abolish,
    ops.MERGE: _merge,
    ops.SPLIT: _split,
    ops.RENAME: _rename,
    ops.CHANGE_RANK: _change_rank,
    ops.CHANGE_SUPERVISOR: _change_supervisor,
    ops.PROVISION: _provision,
    ops.QUOTA_SET: _quota_set,
    ops.QUOTA_RAISE: _quota_adjust,
    ops.QUOTA_CUT: _quota_adjust,
    ops.QUOTA_TRANSFER: _quota_transfer,
    ops.LEADER_POST_SET: _leader_post_set,
    ops.RESERVATION_CREATE: _reservation_create,
}


def _at_item(exc: DomainError, item: ChangeItem) -> DomainError:
    """The service's refusal, of the same kind and field, naming the item it stopped at."""
    return type(exc)(
        f"第 {item.seq} 项：{exc.message_zh}",
        f"item {item.seq}: {exc.message_en}",
        field=exc.field,
        code=exc.code,
        details={"seq": item.seq, "op": item.op, **exc.details},
    )


def _step(run: _Run, item: ChangeItem) -> dict:
    step = APPLY.get(item.op)
    if step is None:
        raise InvalidInput(
            f"未知的变更“{item.op}”", f"unknown change {item.op!r}", field="op", code="unknown"
        )
    return step(run, item)


def apply(matter: Matter, *, actor, document: Document, effective_date: datetime.date) -> None:
    """Apply the change set in item order through the registry and ledger services, with the
    decision document and effective date; store each item's result. Runs inside the caller's
    transaction (in a savepoint of its own); a refusal is raised again as the same error with
    ``details = {"seq", "op", **the service's details}`` and nothing of the set is kept."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply must run inside the caller's transaction.atomic()")
    items = list(matter.items.order_by("seq"))
    run = _Run(actor, document, effective_date)
    with transaction.atomic():
        for item in items:
            try:
                item.result = _step(run, item)
            except DomainError as exc:
                raise _at_item(exc, item) from exc
        ChangeItem.objects.bulk_update(items, ["result"])

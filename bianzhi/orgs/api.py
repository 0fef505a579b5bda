"""REST routes of the registry: search, detail as of a date, history, lifecycle operations."""

import datetime

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import HttpError

from bianzhi.core import reference
from bianzhi.core.classification import AboveClearance, can_read, check_clearance, visible_to
from bianzhi.core.documents import document_register
from bianzhi.core.permissions import api_requires
from bianzhi.core.scope import get_in_scope_or_404, scope_queryset

from . import queries, services
from .labels import action_label
from .models import Org, OrgAlias
from .schemas import (
    AliasIn,
    ChangeIn,
    EstablishIn,
    HistoryOut,
    MergeIn,
    OrgDetailOut,
    OrgFilterIn,
    OrgOut,
    OrgPage,
    OrgSpecIn,
    ParentIn,
    ProvisionIn,
    RankIn,
    RenameIn,
    SplitIn,
    SupervisorIn,
)
from .validation import OrgSpec

router = Router(tags=["orgs"])
VIEW, MANAGE = "orgs.view_org", "orgs.manage_org"


def _org(request, org_id: int) -> Org:
    """A body in scope (404 otherwise) and within the clearance (403, audited, otherwise)."""
    org = get_in_scope_or_404(request.user, Org.objects.all(), pk=org_id)
    try:
        check_clearance(request.user, org, request=request)
    except AboveClearance as exc:
        raise HttpError(403, exc.message) from exc
    return org


def _optional_org(request, org_id: int | None, field: str) -> Org | None:
    if org_id is None:
        return None
    org = visible_to(request.user, scope_queryset(request.user, Org.objects.all()))
    org = org.filter(pk=org_id).first()
    if org is None:
        raise HttpError(
            400,
            f"{field}: 机构 {org_id} 不存在或不在您的范围内 / "
            f"body {org_id} does not exist or is outside your scope",
        )
    return org


def _spec(request, data: OrgSpecIn) -> OrgSpec:
    fields = data.dict(exclude={"parent_id", "supervisor_id"})
    return OrgSpec(
        **fields,
        parent=_optional_org(request, data.parent_id, "parent_id"),
        supervisor=_optional_org(request, data.supervisor_id, "supervisor_id"),
    )


def _document(request, change: ChangeIn):
    return document_register(actor=request.user, **change.document.dict())


def _out(row) -> dict:
    data = {
        name: getattr(row, name, None)
        for name in (
            "id",
            "name",
            "short_name",
            "region_code",
            "category",
            "subcategory",
            "rank",
            "status",
            "credit_code",
            "parent_id",
        )
    }
    data["region_name"] = reference.region_full_name(row.region_code)
    data["category_name"] = reference.code_label("org_category", row.subcategory or row.category)
    data["matched_names"] = getattr(row, "matched", [])
    return data


@router.get("", response=OrgPage, summary="Search bodies 搜索机构")
@api_requires(VIEW)
def org_list(
    request,
    filters: Query[OrgFilterIn],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
):
    page = queries.org_search(request.user, filters.to_filter(), cursor=cursor, limit=limit)
    return {"items": [_out(row) for row in page.rows], "next_cursor": page.next_cursor}


@router.get("/{int:org_id}", response=OrgDetailOut, summary="One body as of a date")
@api_requires(VIEW)
def org_detail(request, org_id: int, as_of: datetime.date | None = None):
    org = _org(request, org_id)
    state = queries.org_state(org, as_of or timezone.localdate())
    state.internal_bodies = [v for v in state.internal_bodies if can_read(request.user, v.org)]
    if state.version is None:
        raise HttpError(404, f"机构在 {state.day} 不存在 / the body did not exist on {state.day}")
    data = _out(state.version) | {"id": org.pk, "uid": str(org.uid), "credit_code": org.credit_code}
    return data | {
        "as_of": state.day,
        "supervisor_id": state.version.supervisor_id,
        "pi_class": state.version.pi_class,
        "funding_form": state.version.funding_form,
        "established_on": org.established_on,
        "abolished_on": org.abolished_on,
        "aliases": state.aliases,
        "functions": [f.text for f in state.provision.functions.all()] if state.provision else [],
        "internal_bodies": [{"id": v.org_id, "name": v.name} for v in state.internal_bodies],
        "predecessors": [
            {"id": link.predecessor_id, "name": link.predecessor.name, "kind": link.kind}
            for link in state.predecessors
        ],
        "successors": [
            {"id": link.successor_id, "name": link.successor.name, "kind": link.kind}
            for link in state.successors
        ],
    }


@router.get("/{int:org_id}/history", response=list[HistoryOut], summary="History timeline")
@api_requires(VIEW)
def org_history(request, org_id: int):
    org = _org(request, org_id)
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "action_label": action_label(e.action),
            "effective_date": e.effective_date,
            "recorded_at": e.recorded_at,
            "actor": e.actor.username if e.actor else None,
            "document": e.document
            if e.document is None or can_read(request.user, e.document)
            else None,
            "before": e.before,
            "after": e.after,
        }
        for e in queries.org_history(org)
    ]


@router.post("", response={201: OrgOut}, summary="Establish a body 设立")
@api_requires(MANAGE)
@transaction.atomic
def org_establish(request, data: EstablishIn):
    org = services.org_establish(
        actor=request.user,
        spec=_spec(request, data.org),
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return Status(201, _out(org))


@router.post("/{int:org_id}/rename", response=OrgOut, summary="Rename 更名")
@api_requires(MANAGE)
@transaction.atomic
def org_rename(request, org_id: int, data: RenameIn):
    org = services.org_rename(
        actor=request.user,
        org=_org(request, org_id),
        name=data.name,
        short_name=data.short_name,
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return _out(org)


@router.post("/{int:org_id}/rank", response=OrgOut, summary="Change rank 调整规格")
@api_requires(MANAGE)
@transaction.atomic
def org_change_rank(request, org_id: int, data: RankIn):
    org = services.org_change_rank(
        actor=request.user,
        org=_org(request, org_id),
        rank=data.rank,
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return _out(org)


@router.post("/{int:org_id}/supervisor", response=OrgOut, summary="Change supervising body")
@api_requires(MANAGE)
@transaction.atomic
def org_change_supervisor(request, org_id: int, data: SupervisorIn):
    org = services.org_change_supervisor(
        actor=request.user,
        org=_org(request, org_id),
        supervisor=_optional_org(request, data.supervisor_id, "supervisor_id"),
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return _out(org)


@router.post("/{int:org_id}/parent", response=OrgOut, summary="Change parent body 调整隶属")
@api_requires(MANAGE)
@transaction.atomic
def org_change_parent(request, org_id: int, data: ParentIn):
    org = services.org_change_parent(
        actor=request.user,
        org=_org(request, org_id),
        parent=_optional_org(request, data.parent_id, "parent_id"),
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return _out(org)


@router.post("/merge", response=OrgOut, summary="Merge bodies 合并")
@api_requires(MANAGE)
@transaction.atomic
def org_merge(request, data: MergeIn):
    sources = [_org(request, pk) for pk in data.source_ids]
    successor = services.org_merge(
        actor=request.user,
        sources=sources,
        into=_optional_org(request, data.into_id, "into_id"),
        new=_spec(request, data.new) if data.new else None,
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return _out(successor)


@router.post("/{int:org_id}/split", response=list[OrgOut], summary="Split a body 拆分")
@api_requires(MANAGE)
@transaction.atomic
def org_split(request, org_id: int, data: SplitIn):
    successors = services.org_split(
        actor=request.user,
        org=_org(request, org_id),
        into=[_spec(request, spec) for spec in data.into],
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return [_out(org) for org in successors]


@router.post("/{int:org_id}/abolish", response=OrgOut, summary="Abolish a body 撤销")
@api_requires(MANAGE)
@transaction.atomic
def org_abolish(request, org_id: int, data: ChangeIn):
    org = services.org_abolish(
        actor=request.user,
        org=_org(request, org_id),
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return _out(org)


@router.post("/{int:org_id}/aliases", response={201: OrgOut}, summary="Add a name 加挂牌子")
@api_requires(MANAGE)
@transaction.atomic
def org_alias_add(request, org_id: int, data: AliasIn):
    org = _org(request, org_id)
    services.alias_add(
        actor=request.user,
        org=org,
        name=data.name,
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return Status(201, _out(org))


@router.post(
    "/{int:org_id}/aliases/{int:alias_id}/remove", response=OrgOut, summary="Remove a name 摘牌"
)
@api_requires(MANAGE)
@transaction.atomic
def org_alias_remove(request, org_id: int, alias_id: int, data: ChangeIn):
    org = _org(request, org_id)
    alias = get_object_or_404(OrgAlias, pk=alias_id, org=org)
    services.alias_remove(
        actor=request.user,
        alias=alias,
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return _out(org)


@router.post(
    "/{int:org_id}/provisions",
    response={201: OrgOut},
    summary="Adopt a three-fix provision 三定规定",
)
@api_requires(MANAGE)
@transaction.atomic
def org_provision_set(request, org_id: int, data: ProvisionIn):
    org = _org(request, org_id)
    services.provision_set(
        actor=request.user,
        org=org,
        functions=data.functions,
        internal_bodies=data.internal_bodies,
        summary=data.summary,
        document=_document(request, data),
        effective_date=data.effective_date,
    )
    return Status(201, _out(org))

"""REST routes of the quota ledger (编制), leader posts (领导职数), recruitment reservations
(用编计划) and the monitoring alerts. Rule refusals come back as 409 with a stable `code`."""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from ninja import Query, Router, Status

from bianzhi.core import reference
from bianzhi.core.documents import document_register
from bianzhi.core.errors import InvalidInput
from bianzhi.core.identifiers import mask_resident_id
from bianzhi.core.permissions import api_requires
from bianzhi.core.scope import get_in_scope_or_404, scope_queryset
from bianzhi.orgs.models import Org
from bianzhi.personnel.models import Assignment

from . import queries, services
from .models import LeaderPost, Quota, QuotaChange, Reservation
from .schemas import (
    AlertsOut,
    CancelIn,
    LeaderPostIn,
    LeaderPostOut,
    QuotaChangeIn,
    QuotaChangeOut,
    QuotaFilterIn,
    QuotaOut,
    ReservationIn,
    ReservationOut,
    ReservationStatus,
)

router = Router(tags=["staffing"])
VIEW, MANAGE = "staffing.view_quota", "staffing.manage_quota"


def _org(request, org_id: int) -> Org:
    return get_in_scope_or_404(request.user, Org.objects.all(), pk=org_id)


def _document(request, document):
    return document_register(actor=request.user, **document.dict())


def _type_name(est_type: str) -> str:
    return reference.code_label("establishment_type", est_type)


def _row_out(row: dict, *, dated: bool) -> dict:
    """A row of `queries.quota_rows` in the API's words."""
    return {
        "id": row["pk"],
        "org_id": row["org_id"],
        "org_name": row["org__name"],
        "region_code": row["org__region_code"],
        "est_type": row["est_type"],
        "est_type_name": _type_name(row["est_type"]),
        "approved": row["approved_on"],
        "occupied": row["occupied_on"],
        "reserved": None if dated else row["reserved_on"],
        "vacancy": row["vacancy"],
        "state": row["state"],
        "frozen": row["frozen"],
    }


def _quota_out(quota: Quota) -> dict:
    quota.refresh_from_db()
    return {
        "id": quota.pk,
        "org_id": quota.org_id,
        "org_name": quota.org.name,
        "region_code": quota.org.region_code,
        "est_type": quota.est_type,
        "est_type_name": _type_name(quota.est_type),
        "approved": quota.approved,
        "occupied": quota.occupied,
        "reserved": quota.reserved,
        "vacancy": quota.vacancy,
        "state": queries.state_of(quota.approved, quota.occupied, quota.vacancy),
        "frozen": quota.frozen,
    }


def _post_out(post: LeaderPost) -> dict:
    fields = ("id", "org_id", "title", "level", "rank", "approved", "filled", "valid_from")
    data = {name: getattr(post, name) for name in fields}
    return data | {"org_name": post.org.name, "over": post.filled > post.approved}


def _reservation_out(reservation: Reservation) -> dict:
    fields = ("id", "purpose", "count", "remaining", "expires_on", "status", "created_at")
    data = {name: getattr(reservation, name) for name in fields}
    quota = reservation.quota
    return data | {
        "org_id": quota.org_id,
        "org_name": quota.org.name,
        "est_type": quota.est_type,
        "document": reservation.document,
    }


# --- quotas and their ledger ----------------------------------------------------------------


@router.get("/quotas", response=list[QuotaOut], summary="Quotas and their state 编制使用情况")
@api_requires(VIEW)
def quota_list(request, filters: Query[QuotaFilterIn], limit: int = Query(500, ge=1, le=5000)):
    """Approved, occupied, reserved and vacant posts per body and type, today from the
    counters or `as_of` a past date from the ledger (reservations are then null)."""
    rows = queries.quota_rows(request.user, filters.to_filter(), limit=limit)
    return [_row_out(row, dated=filters.as_of is not None) for row in rows]


@router.get("/quota-changes", response=list[QuotaChangeOut], summary="Quota ledger of a body")
@api_requires(VIEW)
def quota_change_list(request, org_id: int, est_type: str = ""):
    """The dated changes of a body's approved posts, newest first."""
    org = _org(request, org_id)
    qs = QuotaChange.objects.filter(quota__org=org).select_related(
        "quota", "document", "counterpart"
    )
    if est_type:
        qs = qs.filter(quota__est_type=est_type)
    return [
        {
            "id": change.pk,
            "org_id": org.pk,
            "est_type": change.quota.est_type,
            "kind": change.kind,
            "kind_name": change.get_kind_display(),
            "delta": change.delta,
            "approved_after": change.approved_after,
            "effective_date": change.effective_date,
            "recorded_at": change.recorded_at,
            "counterpart_org_id": change.counterpart.org_id if change.counterpart else None,
            "document": change.document,
        }
        for change in qs.order_by("-effective_date", "-id")
    ]


def _common(request, org: Org, data: QuotaChangeIn, document) -> dict:
    return {
        "actor": request.user,
        "org": org,
        "est_type": data.est_type,
        "document": document,
        "effective_date": data.effective_date,
    }


def _set(request, org, data, document) -> list[Quota]:
    kwargs = _common(request, org, data, document)
    return [
        services.quota_set(
            **kwargs, approved=data.count, civil_servant_managed=data.civil_servant_managed
        )
    ]


def _adjust(sign: int) -> Callable:
    def run(request, org, data, document) -> list[Quota]:
        kwargs = _common(request, org, data, document)
        return [services.quota_adjust(**kwargs, delta=sign * data.count)]

    return run


def _freeze(frozen: bool) -> Callable:
    def run(request, org, data, document) -> list[Quota]:
        return [services.quota_freeze(**_common(request, org, data, document), frozen=frozen)]

    return run


def _transfer(request, org, data, document) -> list[Quota]:
    if data.target_org_id is None:
        raise InvalidInput(
            "划转须指定划入机构", "a transfer needs target_org_id", field="target_org_id"
        )
    kwargs = _common(request, org, data, document)
    kwargs["source"] = kwargs.pop("org")
    return list(
        services.quota_transfer(
            **kwargs, target=_org(request, data.target_org_id), count=data.count
        )
    )


def _withdraw(request, org, data, document) -> list[Quota]:
    services.pool_withdraw(**_common(request, org, data, document), count=data.count)
    return [Quota.objects.get(org=org, est_type=data.est_type)]


def _pool(service: Callable) -> Callable:
    def run(request, org, data, document) -> list[Quota]:
        return [service(**_common(request, org, data, document), count=data.count)]

    return run


CHANGES: dict[str, Callable] = {
    "set": _set,
    "raise": _adjust(+1),
    "cut": _adjust(-1),
    "transfer": _transfer,
    "freeze": _freeze(True),
    "unfreeze": _freeze(False),
    "withdraw": _withdraw,
    "lend": _pool(services.pool_lend),
    "recover": _pool(services.pool_recover),
}


@router.post("/quota-changes", response={201: list[QuotaOut]}, summary="Change a quota 调整编制")
@api_requires(MANAGE)
@transaction.atomic
def quota_change(request, data: QuotaChangeIn):
    """核定 set, 调增 raise, 核减 cut, 划转 transfer, 冻结/解冻 freeze/unfreeze, and the
    revolving pool: 收回 withdraw, 借出 lend, 收回借出 recover. Returns the quota(s) after."""
    org = _org(request, data.org_id)
    quotas = CHANGES[data.kind](request, org, data, _document(request, data.document))
    return Status(201, [_quota_out(quota) for quota in quotas])


# --- leader posts ---------------------------------------------------------------------------


@router.get("/leader-posts", response=list[LeaderPostOut], summary="Leader posts 领导职数")
@api_requires(VIEW)
def leader_post_list(request, org_id: int | None = None, over: bool | None = None):
    qs = scope_queryset(request.user, LeaderPost.objects.all(), "org__region_code")
    if org_id is not None:
        qs = qs.filter(org=_org(request, org_id))
    if over is not None:
        qs = qs.filter(filled__gt=F("approved")) if over else qs.exclude(filled__gt=F("approved"))
    ordered = qs.select_related("org").order_by("org__region_code", "org_id", "level", "title")
    return [_post_out(post) for post in ordered]


@router.post("/leader-posts", response={201: LeaderPostOut}, summary="Set a leader post")
@api_requires(MANAGE)
@transaction.atomic
def leader_post_set(request, data: LeaderPostIn):
    post = services.leader_post_set(
        actor=request.user,
        org=_org(request, data.org_id),
        title=data.title,
        level=data.level,
        rank=data.rank,
        approved=data.approved,
        document=_document(request, data.document),
        effective_date=data.effective_date,
    )
    return Status(201, _post_out(post))


# --- reservations (用编计划) -------------------------------------------------------------------


def _reservations(request):
    return scope_queryset(
        request.user,
        Reservation.objects.select_related("quota__org", "document"),
        "quota__org__region_code",
    )


@router.get("/reservations", response=list[ReservationOut], summary="Recruitment reservations")
@api_requires(VIEW)
def reservation_list(request, org_id: int | None = None, status: ReservationStatus | None = None):
    """Reservations as recorded; an active one past its expiry is released at the next entry
    into its quota."""
    qs = _reservations(request)
    if org_id is not None:
        qs = qs.filter(quota__org=_org(request, org_id))
    if status:
        qs = qs.filter(status=status)
    return [_reservation_out(r) for r in qs.order_by("-created_at", "-id")]


@router.post("/reservations", response={201: ReservationOut}, summary="Reserve posts 预留编制")
@api_requires(MANAGE)
@transaction.atomic
def reservation_create(request, data: ReservationIn):
    reservation = services.reservation_create(
        actor=request.user,
        org=_org(request, data.org_id),
        est_type=data.est_type,
        count=data.count,
        purpose=data.purpose,
        expires_on=data.expires_on,
        document=_document(request, data.document),
    )
    return Status(201, _reservation_out(reservation))


@router.post(
    "/reservations/{int:reservation_id}/cancel",
    response=ReservationOut,
    summary="Cancel a reservation",
)
@api_requires(MANAGE)
@transaction.atomic
def reservation_cancel(request, reservation_id: int, data: CancelIn):
    reservation = get_in_scope_or_404(
        request.user, Reservation.objects.all(), "quota__org__region_code", pk=reservation_id
    )
    services.reservation_cancel(
        actor=request.user, reservation=reservation, document=_document(request, data.document)
    )
    return _reservation_out(_reservations(request).get(pk=reservation_id))


# --- alerts ---------------------------------------------------------------------------------


def _summary(assignment: Assignment) -> dict:
    """A person on a post, with the resident ID masked."""
    person = assignment.person
    return {
        "person_id": person.pk,
        "name": person.name,
        "resident_id": mask_resident_id(person.resident_id),
        "gender": person.gender,
        "birth_date": person.birth_date,
        "retires_on": person.retires_on,
        "assignment_id": assignment.pk,
        "org_id": assignment.org_id,
        "org_name": assignment.org.name,
        "est_type": assignment.est_type,
    }


def _duplicates(user) -> list[dict]:
    groups = queries.duplicate_identities(user)
    if not groups:
        return []
    match = Q()
    for group in groups:
        match |= Q(
            person__name=group["person__name"], person__birth_date=group["person__birth_date"]
        )
    on_posts = scope_queryset(
        user, Assignment.objects.filter(match, end_date__isnull=True), "org__region_code"
    ).select_related("person", "org")
    members: dict[tuple, list[dict]] = {}
    for assignment in on_posts.order_by("person_id"):
        key = (assignment.person.name, assignment.person.birth_date)
        members.setdefault(key, []).append(_summary(assignment))
    return [
        {
            "name": group["person__name"],
            "birth_date": group["person__birth_date"],
            "count": group["n"],
            "persons": members.get((group["person__name"], group["person__birth_date"]), []),
        }
        for group in groups
    ]


@router.get("/alerts", response=AlertsOut, summary="Monitoring alerts 预警")
@api_requires(VIEW)
def alerts(request, as_of: datetime.date | None = None):
    """超编 bodies (as of the date), 超职数 leader posts (today), people on a post past or within
    12 months of their statutory retirement month, and people sharing a name and birth date
    under different resident IDs. Resident IDs are masked."""
    user, day = request.user, as_of or timezone.localdate()
    over = queries.quota_rows(user, queries.QuotaFilter(state="over", as_of=as_of))
    return {
        "as_of": day,
        "over_quota": [_row_out(row, dated=as_of is not None) for row in over],
        "over_leader_posts": [_post_out(post) for post in queries.over_leader_posts(user)],
        "past_retirement": [_summary(a) for a in queries.past_retirement(user, day)],
        "due_to_retire": [_summary(a) for a in queries.due_to_retire(user, day)],
        "duplicate_identities": _duplicates(user),
    }

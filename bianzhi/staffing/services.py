"""Every write to the quota ledger and leader posts: dated, citing a document, under row locks,
journaled. A cut below current occupation succeeds and leaves the body over quota."""

import datetime

from django.db import transaction
from django.db.models import Sum

from bianzhi.core.errors import InvalidInput
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Document
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.orgs.validation import check_code, check_scope

from .control import (
    ControlRefused,
    lock_quota,
    policy_for,
    refuse_over_quota,
    release_expired,
)
from .models import LeaderPost, Quota, QuotaChange, QuotaPool, Reservation

Kind = QuotaChange.Kind


def _check_target(actor, org: Org, est_type: str) -> None:
    check_code("establishment_type", est_type, "est_type", required=True)
    if org.status != OrgStatus.ACTIVE:
        raise InvalidInput(
            f"“{org.name}”已撤销，不能调整编制",
            f"{org.name!r} is not active",
            field="org",
            code="inactive",
        )
    check_scope(actor, org.region_code)


def _positive(n: int, field: str = "count") -> None:
    if n < 1:
        raise InvalidInput("数量必须为正整数", "the number must be a positive integer", field=field)


def _record(
    quota: Quota,
    *,
    actor,
    kind: str,
    delta: int,
    document: Document,
    effective_date: datetime.date,
    counterpart: Quota | None = None,
) -> QuotaChange:
    before = quota.approved
    if before + delta < 0:
        raise InvalidInput(
            f"核减后核定数不能小于 0（现核定 {before} 名）",
            f"approved posts cannot go below zero (now {before})",
            field="count",
            code="below_zero",
        )
    quota.approved = before + delta
    quota.save(update_fields=["approved"])
    change = QuotaChange.objects.create(
        quota=quota,
        kind=kind,
        delta=delta,
        approved_after=quota.approved,
        effective_date=effective_date,
        document=document,
        counterpart=counterpart,
    )
    journal_record(
        obj=quota,
        action=f"staffing.quota.{kind}",
        actor=actor,
        before={"approved": before},
        after={"approved": quota.approved, "occupied": quota.occupied, "reserved": quota.reserved},
        document=document,
        effective_date=effective_date,
    )
    _check_parent_sum(quota, actor=actor, document=document, effective_date=effective_date)
    return change


def _check_parent_sum(quota: Quota, *, actor, document, effective_date) -> None:
    """A parent's quota of a type is at least the sum of its internal bodies' (enforce or warn,
    per the parent's policy)."""
    org = quota.org
    parent = org.parent if org.category == "internal" else org
    if parent is None:
        return
    children = Quota.objects.filter(
        org__parent=parent,
        org__category="internal",
        org__status=OrgStatus.ACTIVE,
        est_type=quota.est_type,
    )
    total = children.aggregate(n=Sum("approved"))["n"] or 0
    own = Quota.objects.filter(org=parent, est_type=quota.est_type).first()
    approved = own.approved if own else 0
    if total <= approved:
        return
    if policy_for(parent).enforce_parent_sum:
        raise InvalidInput(
            f"内设机构编制合计 {total} 名，超过“{parent.name}”核定的 {approved} 名",
            f"internal bodies hold {total} posts, more than the {approved} of {parent.name!r}",
            field="count",
            code="parent_sum",
        )
    journal_record(
        obj=own or quota,
        action="staffing.quota.parent_sum_warning",
        actor=actor,
        after={"internal_total": total, "approved": approved},
        document=document,
        effective_date=effective_date,
    )


@transaction.atomic
def quota_set(
    *,
    actor,
    org: Org,
    est_type: str,
    approved: int,
    document: Document,
    effective_date: datetime.date,
    civil_servant_managed: bool | None = None,
) -> Quota:
    """Set (核定) the approved posts of a type to a number."""
    _check_target(actor, org, est_type)
    if approved < 0:
        raise InvalidInput("核定数不能为负", "approved posts cannot be negative", field="count")
    quota = lock_quota(org, est_type)
    if civil_servant_managed is not None and civil_servant_managed != quota.civil_servant_managed:
        quota.civil_servant_managed = civil_servant_managed
        quota.save(update_fields=["civil_servant_managed"])
    _record(
        quota,
        actor=actor,
        kind=Kind.SET,
        delta=approved - quota.approved,
        document=document,
        effective_date=effective_date,
    )
    return quota


@transaction.atomic
def quota_adjust(
    *, actor, org: Org, est_type: str, delta: int, document: Document, effective_date: datetime.date
) -> Quota:
    """Raise (调增, delta > 0) or cut (核减, delta < 0); a cut below occupation leaves the body
    over quota (超编, to be absorbed) and removes nobody."""
    _check_target(actor, org, est_type)
    if delta == 0:
        raise InvalidInput("调整数不能为 0", "the change cannot be zero", field="count")
    quota = lock_quota(org, est_type)
    _record(
        quota,
        actor=actor,
        kind=Kind.RAISE if delta > 0 else Kind.CUT,
        delta=delta,
        document=document,
        effective_date=effective_date,
    )
    return quota


@transaction.atomic
def quota_transfer(
    *,
    actor,
    source: Org,
    target: Org,
    est_type: str,
    count: int,
    document: Document,
    effective_date: datetime.date,
) -> tuple[Quota, Quota]:
    """Move (划转) n approved posts from one body to another in one transaction."""
    _positive(count)
    _check_target(actor, source, est_type)
    _check_target(actor, target, est_type)
    if source.pk == target.pk:
        raise InvalidInput(
            "划出与划入机构相同", "source and target are the same body", field="target"
        )
    first, second = sorted([source, target], key=lambda org: org.pk)
    locked = {first.pk: lock_quota(first, est_type), second.pk: lock_quota(second, est_type)}
    out, into = locked[source.pk], locked[target.pk]
    if out.approved < count:
        raise InvalidInput(
            f"“{source.name}”仅核定 {out.approved} 名，不能划出 {count} 名",
            f"{source.name!r} has only {out.approved} approved posts",
            field="count",
            code="below_zero",
        )
    _record(
        out,
        actor=actor,
        kind=Kind.TRANSFER_OUT,
        delta=-count,
        document=document,
        effective_date=effective_date,
        counterpart=into,
    )
    _record(
        into,
        actor=actor,
        kind=Kind.TRANSFER_IN,
        delta=count,
        document=document,
        effective_date=effective_date,
        counterpart=out,
    )
    return out, into


@transaction.atomic
def quota_freeze(
    *,
    actor,
    org: Org,
    est_type: str,
    frozen: bool,
    document: Document,
    effective_date: datetime.date,
) -> Quota:
    """Freeze (冻结) or unfreeze (解冻) a body's posts of a type: a frozen quota takes no one."""
    _check_target(actor, org, est_type)
    quota = lock_quota(org, est_type)
    if quota.frozen == frozen:
        raise InvalidInput(
            "编制已处于该状态",
            "the quota is already in that state",
            field="frozen",
            code="unchanged",
        )
    quota.frozen = frozen
    quota.save(update_fields=["frozen"])
    kind = Kind.FREEZE if frozen else Kind.UNFREEZE
    QuotaChange.objects.create(
        quota=quota,
        kind=kind,
        delta=0,
        approved_after=quota.approved,
        effective_date=effective_date,
        document=document,
    )
    journal_record(
        obj=quota,
        action=f"staffing.quota.{kind}",
        actor=actor,
        after={"frozen": frozen},
        document=document,
        effective_date=effective_date,
    )
    return quota


def _lock_pool(region_code: str, est_type: str) -> QuotaPool:
    pool, _created = QuotaPool.objects.get_or_create(region_code=region_code, est_type=est_type)
    return QuotaPool.objects.select_for_update().get(pk=pool.pk)


@transaction.atomic
def pool_withdraw(
    *, actor, org: Org, est_type: str, count: int, document: Document, effective_date: datetime.date
) -> QuotaPool:
    """Withdraw (收回) n posts from a body into its region's revolving pool."""
    _positive(count)
    _check_target(actor, org, est_type)
    quota = lock_quota(org, est_type)
    pool = _lock_pool(org.region_code, est_type)
    _record(
        quota,
        actor=actor,
        kind=Kind.WITHDRAW,
        delta=-count,
        document=document,
        effective_date=effective_date,
    )
    pool.available += count
    pool.save(update_fields=["available"])
    return pool


@transaction.atomic
def pool_lend(
    *, actor, org: Org, est_type: str, count: int, document: Document, effective_date: datetime.date
) -> Quota:
    """Lend n posts from the region's pool to a body (周转池借出)."""
    _positive(count)
    _check_target(actor, org, est_type)
    quota = lock_quota(org, est_type)
    pool = _lock_pool(org.region_code, est_type)
    if pool.available < count:
        raise InvalidInput(
            f"周转池仅余 {pool.available} 名",
            f"the pool has {pool.available}",
            field="count",
            code="pool_empty",
        )
    pool.available -= count
    pool.lent += count
    pool.save(update_fields=["available", "lent"])
    _record(
        quota,
        actor=actor,
        kind=Kind.LEND,
        delta=count,
        document=document,
        effective_date=effective_date,
    )
    return quota


@transaction.atomic
def pool_recover(
    *, actor, org: Org, est_type: str, count: int, document: Document, effective_date: datetime.date
) -> Quota:
    """Recover n lent posts from a body back into the pool (周转池收回)."""
    _positive(count)
    _check_target(actor, org, est_type)
    quota = lock_quota(org, est_type)
    pool = _lock_pool(org.region_code, est_type)
    if pool.lent < count:
        raise InvalidInput(
            f"周转池仅借出 {pool.lent} 名",
            f"only {pool.lent} posts are lent",
            field="count",
            code="over_recover",
        )
    _record(
        quota,
        actor=actor,
        kind=Kind.RECOVER,
        delta=-count,
        document=document,
        effective_date=effective_date,
    )
    pool.available += count
    pool.lent -= count
    pool.save(update_fields=["available", "lent"])
    return quota


@transaction.atomic
def reservation_create(
    *,
    actor,
    org: Org,
    est_type: str,
    count: int,
    purpose: str,
    expires_on: datetime.date,
    document: Document,
) -> Reservation:
    """Reserve n vacant posts for a recruitment plan (用编计划); reserved posts count as taken."""
    _positive(count)
    _check_target(actor, org, est_type)
    quota = lock_quota(org, est_type)
    release_expired(quota, actor=actor)
    if expires_on < datetime.date.today():
        raise InvalidInput(
            "有效期不能早于今天", "the expiry date is in the past", field="expires_on"
        )
    if quota.frozen:
        raise refuse_over_quota(quota, "quota_frozen")
    if quota.vacancy < count:
        raise ControlRefused(
            f"“{org.name}”空编仅 {max(quota.vacancy, 0)} 名，不能预留 {count} 名",
            f"{org.name!r} has {max(quota.vacancy, 0)} vacant posts, cannot reserve {count}",
            field="count",
            code="over_quota",
            details={
                "approved": quota.approved,
                "occupied": quota.occupied,
                "reserved": quota.reserved,
            },
        )
    reservation = Reservation.objects.create(
        quota=quota,
        purpose=purpose.strip() or "用编计划",
        count=count,
        remaining=count,
        expires_on=expires_on,
        document=document,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    quota.reserved += count
    quota.save(update_fields=["reserved"])
    journal_record(
        obj=reservation,
        action="staffing.reservation.created",
        actor=actor,
        after={
            "org_id": org.pk,
            "est_type": est_type,
            "count": count,
            "expires_on": expires_on.isoformat(),
        },
        document=document,
    )
    return reservation


@transaction.atomic
def reservation_cancel(*, actor, reservation: Reservation, document: Document) -> Reservation:
    """Cancel a reservation and release its remaining posts."""
    quota = Quota.objects.select_for_update().get(pk=reservation.quota_id)
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    check_scope(actor, quota.org.region_code)
    if reservation.status != Reservation.Status.ACTIVE:
        raise InvalidInput(
            "该用编计划已不在有效状态",
            "the reservation is no longer active",
            field="reservation",
            code="invalid_transition",
        )
    quota.reserved -= reservation.remaining
    quota.save(update_fields=["reserved"])
    reservation.status = Reservation.Status.CANCELLED
    reservation.save(update_fields=["status"])
    journal_record(
        obj=reservation,
        action="staffing.reservation.cancelled",
        actor=actor,
        before={"remaining": reservation.remaining},
        document=document,
    )
    return reservation


@transaction.atomic
def leader_post_set(
    *,
    actor,
    org: Org,
    title: str,
    level: str,
    approved: int,
    document: Document,
    effective_date: datetime.date,
    rank: str = "",
) -> LeaderPost:
    """Set the approved number of a leader post (领导职数); below the filled number it flags the
    post as over (超职数) and relieves nobody."""
    check_code("leader_level", level, "level", required=True)
    check_code("rank", rank, "rank")
    check_scope(actor, org.region_code)
    title = title.strip()
    if not title or approved < 0:
        raise InvalidInput(
            "职务名称不能为空，职数不能为负",
            "title required, count not negative",
            field="title" if not title else "approved",
        )
    post = LeaderPost.objects.select_for_update().filter(org=org, title=title).first()
    before = {"approved": post.approved} if post else None
    if post is None:
        post = LeaderPost.objects.create(
            org=org,
            title=title,
            level=level,
            rank=rank,
            approved=approved,
            valid_from=effective_date,
            document=document,
        )
    else:
        post.level, post.rank, post.approved = level, rank, approved
        post.valid_from, post.document = effective_date, document
        post.save()
    journal_record(
        obj=post,
        action="staffing.leader_post.set",
        actor=actor,
        before=before,
        after={
            "org_id": org.pk,
            "title": title,
            "level": level,
            "approved": approved,
            "filled": post.filled,
        },
        document=document,
        effective_date=effective_date,
    )
    return post

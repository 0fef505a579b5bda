"""Real-time control (编制实时控制): the checks every way into a post passes, on counter rows
locked by the caller's transaction, and the refusals with their codes."""

import math

from django.utils import timezone

from bianzhi.core import reference
from bianzhi.core.errors import DomainError
from bianzhi.core.journal import journal_record

from .models import ControlMode, LeaderPost, Quota, Reservation, StaffingPolicy


class ControlRefused(DomainError):
    """A way in was refused by the quota or leader-post control (HTTP 409)."""

    code = "control_refused"


def policy_for(org) -> StaffingPolicy:
    """The body's policy, or the default one (block, no tolerance, enforce parent sums)."""
    return StaffingPolicy.objects.filter(org=org).first() or StaffingPolicy(org=org)


def tolerance(policy: StaffingPolicy, approved: int) -> int:
    """Allowed overflow: a number of posts or a percentage of approved, rounded up."""
    by_percent = math.ceil(approved * policy.overflow_percent / 100)
    return max(policy.overflow_posts, by_percent)


def lock_quota(org, est_type: str) -> Quota:
    """The counter row of a body and type, locked; a missing row is zero approved posts."""
    quota, _created = Quota.objects.get_or_create(org=org, est_type=est_type)
    return Quota.objects.select_for_update().get(pk=quota.pk)


def release_expired(quota: Quota, *, actor=None) -> None:
    """Release reservations past their expiry date (lazy expiry, under the quota lock)."""
    today = timezone.localdate()
    for reservation in quota.reservations.filter(
        status=Reservation.Status.ACTIVE, expires_on__lt=today
    ):
        quota.reserved -= reservation.remaining
        reservation.status = Reservation.Status.EXPIRED
        reservation.save(update_fields=["status"])
        journal_record(
            obj=reservation,
            action="staffing.reservation.expired",
            actor=actor,
            before={"remaining": reservation.remaining},
            effective_date=today,
        )
    quota.save(update_fields=["reserved"])


def _type_label(est_type: str) -> str:
    return reference.code_label("establishment_type", est_type)


def refuse_over_quota(quota: Quota, code: str = "over_quota") -> ControlRefused:
    facts = {
        "org_id": quota.org_id,
        "est_type": quota.est_type,
        "approved": quota.approved,
        "occupied": quota.occupied,
        "reserved": quota.reserved,
    }
    name = quota.org.name
    if code == "quota_frozen":
        return ControlRefused(
            f"“{name}”的{_type_label(quota.est_type)}已冻结，不能进人",
            f"{quota.est_type} posts of {name!r} are frozen",
            field="org",
            code=code,
            details=facts,
        )
    return ControlRefused(
        f"“{name}”{_type_label(quota.est_type)}已无空编：核定 {quota.approved} 名，"
        f"实有 {quota.occupied} 名，预留 {quota.reserved} 名",
        f"no vacant {quota.est_type} post in {name!r}: approved {quota.approved}, "
        f"occupied {quota.occupied}, reserved {quota.reserved}",
        field="org",
        code=code,
        details=facts,
    )


def check_entry(quota: Quota, *, reservation: Reservation | None, override: bool) -> None:
    """Refuse a way in unless a post is vacant (within tolerance), or reserved for it, or the
    body's policy is warn and the override is recorded. Frozen quotas take no one."""
    if quota.frozen:
        raise refuse_over_quota(quota, "quota_frozen")
    if reservation is not None:
        return
    policy = policy_for(quota.org)
    if quota.occupied + quota.reserved + 1 <= quota.approved + tolerance(policy, quota.approved):
        return
    if override and policy.mode == ControlMode.WARN:
        return
    raise refuse_over_quota(quota)


def take_post(quota: Quota, reservation: Reservation | None) -> None:
    """Count one more occupant; a reservation used moves one post from reserved to occupied."""
    quota.occupied += 1
    if reservation is not None:
        reservation.remaining -= 1
        quota.reserved -= 1
        if reservation.remaining == 0:
            reservation.status = Reservation.Status.USED
        reservation.save(update_fields=["remaining", "status"])
    quota.save(update_fields=["occupied", "reserved"])


def release_post(quota: Quota) -> None:
    quota.occupied -= 1
    quota.save(update_fields=["occupied"])


def lock_leader_post(post: LeaderPost) -> LeaderPost:
    return LeaderPost.objects.select_for_update().select_related("org").get(pk=post.pk)


def check_leader_post(post: LeaderPost, *, override: bool) -> None:
    """Refuse an appointment beyond the approved leader positions (超职数)."""
    if post.filled + 1 <= post.approved:
        return
    if override and policy_for(post.org).mode == ControlMode.WARN:
        return
    raise ControlRefused(
        f"“{post.org.name}”{post.title}职数已满：核定 {post.approved} 名，已配 {post.filled} 名",
        f"{post.title} of {post.org.name!r} is full: approved {post.approved}, "
        f"filled {post.filled}",
        field="leader_post",
        code="over_leader_posts",
        details={"leader_post_id": post.pk, "approved": post.approved, "filled": post.filled},
    )

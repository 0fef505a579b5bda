"""Monitoring rules: audit rows that raise security alerts for the security administrator.

Evaluated as each audit row is written (a post_save receiver that returns at once for the
action codes no rule watches) and by `bianzhi security_scan` over a past window. Each rule
counts events in a sliding window ending at the event; one burst raises one alert, which
later events of the same burst extend instead of duplicating. Thresholds: SECURITY_RULES."""

import datetime
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import AuditEvent, SecurityAlert
from .services import audit_record

LOGIN_FAILED = "auth.login.failed"
FULL_VIEW = "personnel.person.viewed"
PERMISSION_CHANGES = (
    "accounts.role.granted",
    "accounts.role.revoked",
    "accounts.clearance.changed",
    "accounts.scope.changed",
)
OUT_OF_SCOPE = ("access.out_of_scope", "access.denied", "access.above_clearance")

logger = logging.getLogger(__name__)
# Off-hours alerts already raised in this process ("user:<name>:<date>"), so that an account
# working late costs one lookup, not one per action. Cleared by tests; bounded by size.
_off_hours_seen: set[str] = set()
# Bursts this process raised or extended lately: (rule, key) → moment. A hot account (hundreds
# of views a minute) then costs no query at all until EXTEND_EVERY has passed; the alert's count
# lags by at most that long, and `bianzhi security_scan` recounts exactly.
_recent_bursts: dict[tuple[str, str], datetime.datetime] = {}
EXTEND_EVERY = datetime.timedelta(seconds=60)


def _recently_alerted(rule: str, key: str, at: datetime.datetime) -> bool:
    seen = _recent_bursts.get((rule, key))
    return seen is not None and seen <= at < seen + EXTEND_EVERY


RULE_LABELS = {
    "login_failures": "Repeated login failures (多次登录失败)",
    "bulk_export": "Bulk export (批量导出)",
    "full_record_views": "Many full-record views (大量查看完整档案)",
    "off_hours": "Activity outside working hours (非工作时间操作)",
    "permission_change": "Permission change (权限变更)",
    "out_of_scope": "Access outside scope or clearance (越权访问)",
}


def rules() -> dict:
    return settings.SECURITY_RULES


@dataclass(frozen=True)
class Burst:
    rule: str
    key: str  # what the events share: "user:<name>" or "addr:<ip>"
    count: int
    summary: str


def _stamp(moment: datetime.datetime) -> str:
    """A sortable UTC text form of a moment, for the alert details."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _window(event: AuditEvent, minutes: int):
    return AuditEvent.objects.filter(
        at__gt=event.at - datetime.timedelta(minutes=minutes), at__lte=event.at
    )


def _username(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    return event.actor_name or str(data.get("username", ""))


def _login_failures(event: AuditEvent) -> list[Burst]:
    cfg, bursts = rules()["login_failures"], []
    failures = _window(event, cfg["minutes"]).filter(action=LOGIN_FAILED)
    if name := _username(event):
        count = failures.filter(actor_name=name).count()
        if count >= cfg["count"]:
            summary = f"{count} login failures for {name} in {cfg['minutes']} min"
            bursts.append(Burst("login_failures", f"user:{name}", count, summary))
    if event.address:
        count = failures.filter(address=event.address).count()
        if count >= cfg["count"]:
            summary = f"{count} login failures from {event.address} in {cfg['minutes']} min"
            bursts.append(Burst("login_failures", f"addr:{event.address}", count, summary))
    return bursts


def _per_account(event: AuditEvent, rule: str, what: str, **lookup) -> list[Burst]:
    cfg = rules()[rule]
    if event.actor_id is None or _recently_alerted(rule, f"user:{event.actor_name}", event.at):
        return []
    count = _window(event, cfg["minutes"]).filter(actor_id=event.actor_id, **lookup).count()
    if count < cfg["count"]:
        return []
    summary = f"{count} {what} by {event.actor_name} in {cfg['minutes']} min"
    return [Burst(rule, f"user:{event.actor_name}", count, summary)]


def _off_hours(event: AuditEvent) -> list[Burst]:
    cfg = rules()["off_hours"]
    if not cfg["enabled"] or event.actor_id is None or event.action == LOGIN_FAILED:
        return []
    local = event.at.astimezone(zoneinfo.ZoneInfo(cfg["timezone"]))
    start, end = cfg["hours"]
    if local.isoweekday() in cfg["weekdays"] and start <= local.strftime("%H:%M") < end:
        return []
    key = f"user:{event.actor_name}:{local.date().isoformat()}"  # one alert per account a day
    if key in _off_hours_seen:
        return []
    summary = f"{event.actor_name} active at {local:%Y-%m-%d %H:%M} ({event.action})"
    return [Burst("off_hours", key, 1, summary)]


def _permission_change(event: AuditEvent) -> list[Burst]:
    if event.result != AuditEvent.Result.SUCCESS:
        return []
    data = event.data if isinstance(event.data, dict) else {}
    what = data.get("role") or f"{data.get('before')} → {data.get('after')}"
    summary = f"{event.action} for {data.get('user') or event.entity_id} by {event.actor_name}"
    return [Burst("permission_change", f"event:{event.seq}", 1, f"{summary}: {what}")]


def bursts_for(event: AuditEvent) -> list[Burst]:
    """The bursts this event completes or extends; no query for actions no rule watches."""
    action, found = event.action, []
    if action == LOGIN_FAILED:
        found += _login_failures(event)
    elif action.endswith(".exported"):
        found += _per_account(event, "bulk_export", "exports", action__endswith=".exported")
    elif action == FULL_VIEW:
        found += _per_account(event, "full_record_views", "full-record views", action=FULL_VIEW)
    elif action in PERMISSION_CHANGES:
        found += _permission_change(event)
    elif action in OUT_OF_SCOPE:
        found += _per_account(event, "out_of_scope", "refused accesses", action__in=OUT_OF_SCOPE)
    return found + _off_hours(event)


def _open_burst(burst: Burst, event: AuditEvent, minutes: int) -> SecurityAlert | None:
    """The alert already raised for this burst (same rule and key, last event within the
    window), if any; few rows, so it is found in Python rather than by JSON lookups."""
    since = _stamp(event.at - datetime.timedelta(minutes=minutes))
    for alert in SecurityAlert.objects.filter(rule=burst.rule).order_by("-id")[:50]:
        details = alert.details or {}
        if details.get("key") == burst.key and details.get("last_at", "") >= since:
            return alert
    return None


def raise_alerts(event: AuditEvent, bursts: list[Burst] | None = None) -> list[SecurityAlert]:
    """Raise the alerts this event causes, or extend the alert of a burst already raised."""
    raised = []
    for burst in bursts_for(event) if bursts is None else bursts:
        minutes = rules()[burst.rule].get("minutes", 24 * 60)
        if alert := _open_burst(burst, event, minutes):
            count = max(burst.count, alert.details.get("count", 0))
            alert.details = {**alert.details, "count": count, "last_at": _stamp(event.at)}
            alert.save(update_fields=["details"])
        else:
            raised.append(_create(burst, event))
        if burst.rule == "off_hours" and len(_off_hours_seen) < 10_000:
            _off_hours_seen.add(burst.key)
        if len(_recent_bursts) > 10_000:
            _recent_bursts.clear()
        _recent_bursts[(burst.rule, burst.key)] = event.at
    return raised


def _create(burst: Burst, event: AuditEvent) -> SecurityAlert:
    return SecurityAlert.objects.create(
        rule=burst.rule,
        subject_id=_subject(burst, event),
        address=event.address,
        summary=burst.summary[:300],
        details={
            "key": burst.key,
            "count": burst.count,
            "first_at": _stamp(event.at),
            "last_at": _stamp(event.at),
            "first_seq": event.seq,
            "action": event.action,
        },
    )


def _subject(burst: Burst, event: AuditEvent) -> int | None:
    """The account concerned: the changed account for a permission change, else the actor."""
    if burst.rule == "permission_change" and event.entity == "accounts.user":
        return int(event.entity_id) if event.entity_id.isdigit() else None
    return event.actor_id


@receiver(post_save, sender=AuditEvent, dispatch_uid="bianzhi_security_monitoring")
def _on_audit_event(sender, instance: AuditEvent, created: bool, raw: bool = False, **_kw):
    if not created or raw or not rules()["enabled"]:
        return
    bursts = bursts_for(instance)
    if not bursts:
        return
    try:  # in a savepoint: a monitoring fault must never undo the audited action
        with transaction.atomic():
            raise_alerts(instance, bursts)
    except DatabaseError:
        logger.exception("security monitoring failed on audit event %s", instance.seq)


def scan(start: datetime.datetime, end: datetime.datetime) -> list[SecurityAlert]:
    """Re-evaluate every audit row in [start, end): alerts missed (e.g. rules changed or
    evaluation was off) are raised; bursts already alerted are not raised twice."""
    raised = []
    events = AuditEvent.objects.filter(at__gte=start, at__lt=end).order_by("at", "seq")
    for event in events.iterator(chunk_size=2000):
        with transaction.atomic():
            raised += raise_alerts(event)
    return raised


def alert_acknowledge(*, actor, alert: SecurityAlert, note: str) -> None:
    """Acknowledge an alert with a note (security administrator only); audited."""
    from bianzhi.core.errors import DomainError

    if not actor.has_perm("audit.acknowledge_securityalert"):
        raise DomainError(
            "无权确认告警", "not allowed to acknowledge alerts", code="admin_not_allowed"
        )
    if alert.acknowledged_at is not None:
        raise DomainError("告警已确认", "alert already acknowledged", code="conflict")
    with transaction.atomic():
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.details = {**(alert.details or {}), "note": note[:500]}
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "details"])
        audit_record(
            "audit.alert.acknowledged",
            actor=actor,
            obj=alert,
            data={"rule": alert.rule, "note": note[:500]},
        )

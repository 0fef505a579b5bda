"""Reading the audit: who may see which events (三员分立), search filters, keyset pages."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from bianzhi.accounts.roles import AUDITOR, SECADMIN

from .models import AuditEvent

PAGE = 50


def visible_events(user) -> QuerySet[AuditEvent]:
    """The auditor sees everyone's events but the auditors'; the security administrator sees
    only the auditors' events; nobody else sees any (a superuser only outside production)."""
    events = AuditEvent.objects.select_related("actor")
    auditors = AuditEvent.objects.filter(actor__groups__name=AUDITOR).values("seq")
    groups = set(user.groups.values_list("name", flat=True))
    if AUDITOR in groups:
        return events.exclude(seq__in=auditors)
    if SECADMIN in groups:
        return events.filter(actor__groups__name=AUDITOR)
    if user.is_superuser:
        return events
    return events.none()


@dataclass
class EventFilter:
    start: datetime.date | None = None
    end: datetime.date | None = None
    actor: str = ""
    action: str = ""
    result: str = ""
    entity: str = ""
    entity_id: str = ""
    address: str = ""

    def as_data(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v not in ("", None)}


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def search(user, flt: EventFilter) -> QuerySet[AuditEvent]:
    """Visible events matching the filter, newest first (action and entity match as prefixes)."""
    events = visible_events(user)
    if flt.start:
        events = events.filter(at__gte=_day_start(flt.start))
    if flt.end:
        events = events.filter(at__lt=_day_start(flt.end + datetime.timedelta(days=1)))
    exact = {
        "actor_name": flt.actor,
        "result": flt.result,
        "entity_id": flt.entity_id,
        "address": flt.address,
    }
    events = events.filter(**{k: v for k, v in exact.items() if v})
    if flt.action:
        events = events.filter(action__startswith=flt.action)
    if flt.entity:
        events = events.filter(entity__startswith=flt.entity)
    return events.order_by("-seq")


def page(events: QuerySet[AuditEvent], before: int | None) -> tuple[list[AuditEvent], int | None]:
    """One keyset page below `before` (a seq) and the cursor of the next page, if any."""
    if before:
        events = events.filter(seq__lt=before)
    rows = list(events[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, (rows[-1].seq if more else None)

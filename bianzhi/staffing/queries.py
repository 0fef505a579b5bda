"""Reads for control and monitoring: where bodies stand against their quotas and leader posts,
today from the counters and on any past date from the ledgers."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from bianzhi.core.scope import region_prefix, scope_queryset
from bianzhi.orgs.models import OrgStatus

from .models import LeaderPost, Quota, QuotaChange

STATES = ("over", "full", "vacant")


@dataclass
class QuotaFilter:
    region: str = ""
    est_type: str = ""
    state: str = ""
    as_of: datetime.date | None = None


def _active_on(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": day})
    )


def _as_of(qs: QuerySet, day: datetime.date) -> QuerySet:
    """Approved from the ledger and occupied from the assignments on that day."""
    from bianzhi.personnel.models import Assignment

    approved = (
        QuotaChange.objects.filter(quota=OuterRef("pk"), effective_date__lte=day)
        .order_by("-effective_date", "-id")
        .values("approved_after")[:1]
    )
    occupied = (
        Assignment.objects.filter(_active_on(day), quota=OuterRef("pk"))
        .values("quota")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return qs.annotate(
        approved_on=Coalesce(Subquery(approved, output_field=IntegerField()), Value(0)),
        occupied_on=Coalesce(Subquery(occupied, output_field=IntegerField()), Value(0)),
        reserved_on=Value(0, output_field=IntegerField()),
    )


def quota_rows(user, flt: QuotaFilter, limit: int = 500) -> list[dict]:
    """Quotas in scope with approved, occupied, reserved, vacancy and state (超编/满编/空编)."""
    qs = scope_queryset(
        user, Quota.objects.filter(org__status=OrgStatus.ACTIVE), "org__region_code"
    )
    if flt.region:
        qs = qs.filter(org__region_code__startswith=region_prefix(flt.region))
    if flt.est_type:
        qs = qs.filter(est_type=flt.est_type)
    if flt.as_of:
        qs = _as_of(qs, flt.as_of)
    else:
        qs = qs.annotate(
            approved_on=F("approved"), occupied_on=F("occupied"), reserved_on=F("reserved")
        )
    qs = qs.annotate(vacancy=F("approved_on") - F("occupied_on") - F("reserved_on"))
    if flt.state == "over":
        qs = qs.filter(occupied_on__gt=F("approved_on"))
    elif flt.state == "full":
        qs = qs.filter(vacancy=0, occupied_on__lte=F("approved_on"))
    elif flt.state == "vacant":
        qs = qs.filter(vacancy__gt=0)
    rows = qs.order_by("org__region_code", "org__name", "est_type").values(
        "pk",
        "org_id",
        "org__name",
        "org__region_code",
        "est_type",
        "frozen",
        "approved_on",
        "occupied_on",
        "reserved_on",
        "vacancy",
    )[:limit]
    return [
        row | {"state": state_of(row["approved_on"], row["occupied_on"], row["vacancy"])}
        for row in rows
    ]


def state_of(approved: int, occupied: int, vacancy: int) -> str:
    if occupied > approved:
        return "over"
    return "full" if vacancy <= 0 else "vacant"


def over_leader_posts(user, limit: int = 500) -> list[LeaderPost]:
    """Leader posts with more holders than approved positions (超职数)."""
    qs = scope_queryset(
        user, LeaderPost.objects.filter(filled__gt=F("approved")), "org__region_code"
    )
    return list(qs.select_related("org").order_by("org__region_code", "org__name")[:limit])


def _people_on_posts(user) -> QuerySet:
    from bianzhi.personnel.models import Assignment

    return scope_queryset(
        user, Assignment.objects.filter(end_date__isnull=True), "org__region_code"
    ).select_related("person", "org")


def past_retirement(user, on: datetime.date, limit: int = 500) -> list:
    """People on a post after their statutory retirement month (2025 progressive rules)."""
    month_start = on.replace(day=1)
    return list(
        _people_on_posts(user)
        .filter(person__retires_on__lt=month_start)
        .order_by("person__retires_on", "person__name")[:limit]
    )


def due_to_retire(user, on: datetime.date, months: int = 12, limit: int = 500) -> list:
    """People on a post whose statutory retirement month falls in the next `months` months."""
    start = on.replace(day=1)
    index = start.year * 12 + start.month - 1 + months
    end = datetime.date(index // 12, index % 12 + 1, 1)
    return list(
        _people_on_posts(user)
        .filter(person__retires_on__gte=start, person__retires_on__lt=end)
        .order_by("person__retires_on", "person__name")[:limit]
    )


def duplicate_identities(user, limit: int = 200) -> list[dict]:
    """People on posts who share a name and birth date under different resident IDs."""
    groups = (
        _people_on_posts(user)
        .values("person__name", "person__birth_date")
        .annotate(n=Count("person", distinct=True))
        .filter(n__gt=1)
        .order_by("person__name")[:limit]
    )
    return list(groups)


@dataclass
class StaffingPanel:
    quotas: list[dict]
    leader_posts: list[LeaderPost]
    people: list


def staffing_panel(org, day: datetime.date | None = None) -> StaffingPanel:
    """A body's quotas by type, its (and its internal bodies') leader posts, and its people."""
    from bianzhi.personnel.models import Assignment

    quotas = Quota.objects.filter(org=org)
    if day:
        quotas = _as_of(quotas, day)
        people = Assignment.objects.filter(_active_on(day), org=org)
    else:
        quotas = quotas.annotate(
            approved_on=F("approved"), occupied_on=F("occupied"), reserved_on=F("reserved")
        )
        people = Assignment.objects.filter(org=org, end_date__isnull=True)
    rows = [
        row | {"vacancy": row["approved_on"] - row["occupied_on"] - row["reserved_on"]}
        for row in quotas.order_by("est_type").values(
            "pk",
            "est_type",
            "frozen",
            "civil_servant_managed",
            "approved_on",
            "occupied_on",
            "reserved_on",
        )
    ]
    for row in rows:
        row["state"] = state_of(row["approved_on"], row["occupied_on"], row["vacancy"])
    posts = list(
        LeaderPost.objects.filter(Q(org=org) | Q(org__parent=org, org__category="internal"))
        .select_related("org")
        .order_by("org_id", "level", "title")
    )
    return StaffingPanel(
        quotas=rows,
        leader_posts=posts,
        people=list(people.select_related("person", "leader_post").order_by("person__name")),
    )

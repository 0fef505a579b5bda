"""Reads of the registry: search with keyset pagination, state as of a date, tree, history."""

import base64
import datetime
import json
import re
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Value, When

from bianzhi.core import reference
from bianzhi.core.models import JournalEntry
from bianzhi.core.scope import region_prefix, scope_queryset

from .models import Org, OrgAlias, OrgLink, OrgName, OrgStatus, OrgVersion, Provision

_ASCII_WORD = re.compile(r"^[0-9a-z]+$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


@dataclass
class OrgFilter:
    q: str = ""
    region: str = ""
    category: str = ""
    rank: str = ""
    status: str = ""
    as_of: datetime.date | None = None


@dataclass
class OrgRow:
    id: int
    name: str
    short_name: str
    region_code: str
    category: str
    subcategory: str
    rank: str
    status: str
    credit_code: str | None
    parent_id: int | None
    matched: list[str] = field(default_factory=list)


@dataclass
class Page:
    rows: list[OrgRow]
    next_cursor: str | None


def valid_on(day: datetime.date, prefix: str = "") -> Q:
    """Rows whose [valid_from, valid_to) period contains the day."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode()


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        return None
    return values if isinstance(values, list) else None


def _base(user, flt: OrgFilter) -> QuerySet:
    """Bodies (or their versions as of the date) in the user's scope, with the filters."""
    qs = OrgVersion.objects.filter(valid_on(flt.as_of)) if flt.as_of else Org.objects.all()
    qs = scope_queryset(user, qs)
    if flt.region:
        qs = qs.filter(region_code__startswith=region_prefix(flt.region))
    if flt.category:
        qs = qs.filter(Q(category=flt.category) | Q(subcategory=flt.category))
    if flt.rank:
        qs = qs.filter(rank=flt.rank)
    if flt.status:
        qs = qs.filter(status=flt.status)
    return qs


def _name_condition(q: str) -> tuple[Q, Case]:
    lower = q.lower()
    if _ASCII_WORD.match(lower):
        match = Q(name__icontains=q) | Q(initials__contains=lower) | Q(pinyin__contains=lower)
        starts = Q(name__startswith=q) | Q(initials__startswith=lower) | Q(pinyin__startswith=lower)
        exact = Q(name=q) | Q(initials=lower) | Q(pinyin=lower)
    else:
        match, starts, exact = Q(name__contains=q), Q(name__startswith=q), Q(name=q)
    rank = Case(
        When(exact & Q(kind=OrgName.Kind.STANDARD, valid_to__isnull=True), then=Value(0)),
        When(exact, then=Value(1)),
        When(starts, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return match, rank


def _search_ids(user, flt: OrgFilter, after: list | None, limit: int) -> list[int]:
    q = flt.q.strip()
    match, rank = _name_condition(q)
    names = OrgName.objects.filter(match)
    if flt.as_of:
        names = names.filter(valid_on(flt.as_of), org_id__in=_base(user, flt).values("org_id"))
    else:
        names = names.filter(org__in=_base(user, flt))
    if _CREDIT_CODE.match(q.upper()):
        names = OrgName.objects.filter(
            Q(pk__in=names.values("pk")) | Q(org__credit_code=q.upper(), kind="standard")
        ).filter(org__in=_base(user, OrgFilter(region=flt.region)))
        rank = Case(
            When(org__credit_code=q.upper(), then=Value(0)),
            default=rank,
            output_field=IntegerField(),
        )
    hits = names.values("org_id", "org__name").annotate(best=Min(rank))
    if after:
        best, name, pk = after
        hits = hits.filter(
            Q(best__gt=best)
            | Q(best=best, org__name__gt=name)
            | Q(best=best, org__name=name, org_id__gt=pk)
        )
    hits = hits.order_by("best", "org__name", "org_id")[: limit + 1]
    return [(row["best"], row["org__name"], row["org_id"]) for row in hits]


def _list_keys(user, flt: OrgFilter, after: list | None, limit: int) -> list[tuple]:
    key = "org_id" if flt.as_of else "id"
    qs = _base(user, flt)
    if after:
        name, pk = after
        qs = qs.filter(Q(name__gt=name) | Q(name=name, **{f"{key}__gt": pk}))
    return [
        (name, pk) for name, pk in qs.order_by("name", key).values_list("name", key)[: limit + 1]
    ]


def _rows(ids: list[int], as_of: datetime.date | None) -> dict[int, OrgRow]:
    fields = (
        "name",
        "short_name",
        "region_code",
        "category",
        "subcategory",
        "rank",
        "status",
        "parent_id",
    )
    if as_of:
        versions = OrgVersion.objects.filter(valid_on(as_of), org_id__in=ids)
        codes = dict(Org.objects.filter(pk__in=ids).values_list("pk", "credit_code"))
        return {
            v["org_id"]: OrgRow(
                id=v["org_id"], credit_code=codes.get(v["org_id"]), **{f: v[f] for f in fields}
            )
            for v in versions.values("org_id", *fields)
        }
    return {
        o["id"]: OrgRow(**o)
        for o in Org.objects.filter(pk__in=ids).values("id", "credit_code", *fields)
    }


def _matched_names(rows: list[OrgRow], q: str) -> None:
    """Tell which former name or alias matched when the standard name does not show it."""
    if not q:
        return
    match, _ = _name_condition(q)
    by_id = {row.id: row for row in rows}
    for org_id, name in (
        OrgName.objects.filter(match, org_id__in=by_id)
        .exclude(kind=OrgName.Kind.STANDARD, valid_to__isnull=True)
        .values_list("org_id", "name")
        .distinct()
    ):
        if name != by_id[org_id].name and name not in by_id[org_id].matched:
            by_id[org_id].matched.append(name)


def org_search(user, flt: OrgFilter, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Bodies in scope matching the filter, best matches first, a page at a time (keyset)."""
    after = decode_cursor(cursor)
    if flt.q.strip():
        keys = _search_ids(user, flt, after, limit)
    else:
        keys = _list_keys(user, flt, after, limit)
    more = len(keys) > limit
    keys = keys[:limit]
    ids = [key[-1] for key in keys]
    by_id = _rows(ids, flt.as_of)
    rows = [by_id[pk] for pk in ids if pk in by_id]
    _matched_names(rows, flt.q.strip())
    return Page(rows=rows, next_cursor=encode_cursor(list(keys[-1])) if more and keys else None)


def org_version_on(org: Org, day: datetime.date) -> OrgVersion | None:
    """The body's state on a day, or None if it did not exist then."""
    return (
        OrgVersion.objects.filter(valid_on(day), org=org)
        .select_related("parent", "supervisor", "document")
        .first()
    )


@dataclass
class OrgState:
    """Everything the body page shows, as of one date."""

    org: Org
    day: datetime.date
    version: OrgVersion | None
    aliases: list[OrgAlias]
    provision: Provision | None
    internal_bodies: list[OrgVersion]
    subordinates: list[OrgVersion]
    predecessors: list[OrgLink]
    successors: list[OrgLink]


def org_state(org: Org, day: datetime.date) -> OrgState:
    version = org_version_on(org, day)
    children = list(
        OrgVersion.objects.filter(valid_on(day), parent=org, status=OrgStatus.ACTIVE)
        .select_related("org")
        .order_by("name")
    )
    provision = (
        Provision.objects.filter(valid_on(day), org=org)
        .select_related("document")
        .prefetch_related("functions")
        .first()
    )
    return OrgState(
        org=org,
        day=day,
        version=version,
        aliases=list(OrgAlias.objects.filter(valid_on(day), org=org)),
        provision=provision,
        internal_bodies=[v for v in children if v.category == "internal"],
        subordinates=[v for v in children if v.category != "internal"],
        predecessors=list(org.predecessor_links.select_related("predecessor", "document")),
        successors=list(org.successor_links.select_related("successor", "document")),
    )


def org_history(org: Org) -> QuerySet:
    """The body's journal, newest first, with documents and actors."""
    return (
        JournalEntry.objects.filter(entity="orgs.org", entity_id=org.pk)
        .select_related("document", "actor")
        .order_by("-seq")
    )


def tree_children(user, *, parent: Org | None, region: str | None, day: datetime.date) -> list:
    """One level of the org tree as of a day: bodies directly under a body, or the top-level
    bodies of one region (exactly that region, not its subregions)."""
    qs = scope_queryset(user, OrgVersion.objects.filter(valid_on(day), status=OrgStatus.ACTIVE))
    qs = qs.filter(parent=parent) if parent else qs.filter(parent__isnull=True, region_code=region)
    order = {code: index for index, code in enumerate(reference.codes("org_category"))}
    versions = sorted(
        qs.values("org_id", "name", "category", "status"),
        key=lambda v: (order.get(v["category"], len(order)), v["name"]),
    )
    counts = dict(
        OrgVersion.objects.filter(
            valid_on(day), status=OrgStatus.ACTIVE, parent_id__in=[v["org_id"] for v in versions]
        )
        .values_list("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )
    for version in versions:
        version["children"] = counts.get(version["org_id"], 0)
    return versions


def region_body_counts(user, codes: list[str], day: datetime.date) -> dict[str, int]:
    """Active top-level bodies per region code, for the tree's region level."""
    qs = scope_queryset(user, OrgVersion.objects.filter(valid_on(day), status=OrgStatus.ACTIVE))
    return dict(
        qs.filter(region_code__in=codes, parent__isnull=True)
        .values_list("region_code")
        .annotate(n=Count("id"))
        .values_list("region_code", "n")
    )


def home_counts(user) -> dict:
    """Counts for the home page, by status and by category, in one grouped query each."""
    qs = scope_queryset(user, Org.objects.all())
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    by_category = dict(
        qs.filter(status=OrgStatus.ACTIVE)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    return {
        "by_status": by_status,
        "by_category": by_category,
        "active": by_status.get(OrgStatus.ACTIVE, 0),
        "total": sum(by_status.values()),
    }

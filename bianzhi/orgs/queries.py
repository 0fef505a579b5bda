"""Reads of the registry: search with keyset pagination, state as of a date, tree, history."""

import base64
import datetime
import json
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from bianzhi.core import reference
from bianzhi.core.classification import visible_to
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


def _filter_q(flt: OrgFilter, prefix: str = "") -> Q:
    """The list filters as one condition on a body (or on `prefix` leading to one)."""
    cond = Q()
    if flt.region:
        cond &= Q(**{f"{prefix}region_code__startswith": region_prefix(flt.region)})
    if flt.category:
        cond &= Q(**{f"{prefix}category": flt.category}) | Q(
            **{f"{prefix}subcategory": flt.category}
        )
    if flt.rank:
        cond &= Q(**{f"{prefix}rank": flt.rank})
    if flt.status:
        cond &= Q(**{f"{prefix}status": flt.status})
    return cond


def _base(user, flt: OrgFilter) -> QuerySet:
    """Bodies (or their versions as of the date) in the user's scope and clearance, filtered."""
    if flt.as_of:
        qs = visible_to(user, OrgVersion.objects.filter(valid_on(flt.as_of)), "org__classification")
    else:
        qs = visible_to(user, Org.objects.all())
    return scope_queryset(user, qs).filter(_filter_q(flt))


def _names_in_scope(user, flt: OrgFilter) -> QuerySet:
    """Names of the bodies the filter admits (names and filters both as of the date)."""
    if flt.as_of:
        return OrgName.objects.filter(
            valid_on(flt.as_of), org_id__in=_base(user, flt).values("org_id")
        )
    names = scope_queryset(user, OrgName.objects.all(), "org__region_code")
    names = visible_to(user, names, "org__classification")
    return names.filter(_filter_q(flt, "org__"))


def _match_levels(q: str) -> list[Q]:
    """Nested conditions, narrowest first: the current standard name exactly; any name or its
    pinyin exactly; a prefix; a substring. A body's rank is the first level it meets."""
    lower = q.lower()
    if _ASCII_WORD.match(lower):
        exact = Q(name=q) | Q(initials=lower) | Q(pinyin=lower)
        starts = Q(name__startswith=q) | Q(initials__startswith=lower) | Q(pinyin__startswith=lower)
        match = Q(name__contains=q) | Q(initials__contains=lower) | Q(pinyin__contains=lower)
    else:
        exact, starts, match = Q(name=q), Q(name__startswith=q), Q(name__contains=q)
    standard = Q(name=q, kind=OrgName.Kind.STANDARD, valid_to__isnull=True)
    return [standard, exact, starts, match]


def _band_page(
    names: QuerySet, others: QuerySet, levels: list[Q], band: int, after, limit: int
) -> list[tuple]:
    """The bodies of one rank in (matched name, body) order. A body appears once: at its best
    rank (no name of it meets a narrower level) and by its first name meeting this level, so
    keyset pages never repeat a body. `others` are the names a body has in the same window."""
    same_body = others.filter(org_id=OuterRef("org_id"))
    rows = names.filter(levels[band]).exclude(
        Exists(
            same_body.filter(levels[band]).filter(
                Q(name__lt=OuterRef("name")) | Q(name=OuterRef("name"), pk__lt=OuterRef("pk"))
            )
        )
    )
    if band:
        rows = rows.exclude(Exists(same_body.filter(levels[band - 1])))
    if after and after[0] == band:
        rows = rows.filter(Q(name__gt=after[1]) | Q(name=after[1], org_id__gt=after[2]))
    rows = rows.order_by("name", "org_id").values_list("name", "org_id")[:limit]
    return [(band, name, org_id) for name, org_id in rows]


def _search_keys(user, flt: OrgFilter, after: list | None, limit: int) -> list[tuple]:
    q = flt.q.strip()
    if _CREDIT_CODE.match(q.upper()):
        found = _base(user, OrgFilter(region=flt.region)).filter(credit_code=q.upper())
        return [(0, name, pk) for name, pk in found.values_list("name", "pk")[:1]]
    names, levels = _names_in_scope(user, flt), _match_levels(q)
    others = OrgName.objects.filter(valid_on(flt.as_of)) if flt.as_of else OrgName.objects.all()
    keys: list[tuple] = []
    for band in range(after[0] if after else 0, len(levels)):
        keys += _band_page(names, others, levels, band, after, limit + 1 - len(keys))
        if len(keys) > limit:
            break
    return keys


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
    match = _match_levels(q)[-1]
    by_id = {row.id: row for row in rows}
    for org_id, name in (
        OrgName.objects.filter(match, org_id__in=by_id)
        .exclude(kind=OrgName.Kind.STANDARD, valid_to__isnull=True)
        .values_list("org_id", "name")
        .distinct()
    ):
        if name != by_id[org_id].name and name not in by_id[org_id].matched:
            by_id[org_id].matched.append(name)


def _valid_after(after: list | None, searching: bool) -> list | None:
    """A cursor from a client is untrusted: keep it only if it has the expected shape."""
    shape = (int, str, int) if searching else (str, int)
    if after is None or len(after) != len(shape):
        return None
    if not all(isinstance(value, kind) for value, kind in zip(after, shape, strict=True)):
        return None
    return after if not searching or 0 <= after[0] <= 3 else None


def org_search(user, flt: OrgFilter, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Bodies in scope matching the filter, best matches first, a page at a time (keyset)."""
    after = _valid_after(decode_cursor(cursor), bool(flt.q.strip()))
    if flt.q.strip():
        keys = _search_keys(user, flt, after, limit)
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
    qs = visible_to(user, qs, "org__classification")
    qs = qs.filter(parent=parent) if parent else qs.filter(parent__isnull=True, region_code=region)
    order = {code: index for index, code in enumerate(reference.codes("org_category"))}
    versions = sorted(
        qs.values("org_id", "name", "category", "status"),
        key=lambda v: (order.get(v["category"], len(order)), v["name"]),
    )
    children = OrgVersion.objects.filter(
        valid_on(day), status=OrgStatus.ACTIVE, parent_id__in=[v["org_id"] for v in versions]
    )
    counts = dict(
        visible_to(user, children, "org__classification")
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
    qs = visible_to(user, qs, "org__classification")
    return dict(
        qs.filter(region_code__in=codes, parent__isnull=True)
        .values_list("region_code")
        .annotate(n=Count("id"))
        .values_list("region_code", "n")
    )


def home_counts(user) -> dict:
    """Counts for the home page, by status and by category, in one grouped query each."""
    qs = visible_to(user, scope_queryset(user, Org.objects.all()))
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

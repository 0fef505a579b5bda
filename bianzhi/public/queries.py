"""Reads of the public registration service (公示): the search of the register, one
institution with its current certificate and notices, the notices, and certificates by token
or number. The page and the API call the same functions; `present` turns rows into the public
fields only."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from bianzhi.annualreports.queries import published_for
from bianzhi.core.errors import InvalidInput
from bianzhi.core.identifiers import IdentifierError, validate_credit_code
from bianzhi.core.reference import current_regions
from bianzhi.registration.models import (
    Certificate,
    CertificateStatus,
    Institution,
    Notice,
    NoticeKind,
)

PAGE_SIZE = 20
MAX_PAGES = 50  # notices page by capped offset: 1,000 newest per filter is enough to browse
QUERY_MAX = 100
SEARCH_FIELDS = ("name", "credit_code", "status", "region_code")


@dataclass(frozen=True)
class InstitutionFilter:
    q: str = ""  # a substring of the name
    code: str = ""  # a whole, valid credit code
    region: str = ""  # a 2-, 4- or 6-digit region prefix

    @property
    def empty(self) -> bool:
        return not (self.q or self.code or self.region)


@dataclass(frozen=True)
class NoticeFilter:
    kind: str = ""
    region: str = ""
    q: str = ""
    since: datetime.datetime | None = None


def region_prefix(value: str, *, field: str = "region") -> str:
    """A region code or prefix as the prefix it covers: 320000 → 32, 320500 → 3205, 320506
    and 2- or 4-digit prefixes as they are; anything else is refused naming the rule."""
    value = (value or "").strip()
    if not value:
        return ""
    if not (value.isascii() and value.isdigit() and len(value) in {2, 4, 6}):
        raise InvalidInput(
            "行政区划应为2位、4位或6位数字代码（GB/T 2260）",
            "a region is a 2-, 4- or 6-digit code (GB/T 2260)",
            field=field,
        )
    if len(value) == 6 and value.endswith("0000"):
        return value[:2]
    if len(value) == 6 and value.endswith("00"):
        return value[:4]
    return value


def credit_code_checked(value: str, *, field: str = "code") -> str:
    """A whole credit code, normalised, or InvalidInput naming the GB 32100 rule it breaks."""
    try:
        return validate_credit_code(value).number
    except IdentifierError as exc:
        raise InvalidInput(exc.message_zh, exc.message_en, field=field, code=exc.code) from exc


def institution_filter(*, q: str = "", code: str = "", region: str = "") -> InstitutionFilter:
    """The search as asked, checked: the name text trimmed, the code valid, the region a
    prefix."""
    code = (code or "").strip()
    return InstitutionFilter(
        q=(q or "").strip()[:QUERY_MAX],
        code=credit_code_checked(code) if code else "",
        region=region_prefix(region),
    )


def region_range(prefix: str) -> dict:
    """The lookup of the region codes under a prefix, as equality or a range of 6-digit codes
    (which the (region_code, credit_code) index serves in order, unlike LIKE 'prefix%')."""
    if len(prefix) == 6:
        return {"region_code": prefix}
    return {"region_code__range": (prefix.ljust(6, "0"), prefix.ljust(6, "9"))}


def institution_search(
    flt: InstitutionFilter, *, after: str = "", limit: int | None = None
) -> tuple[list[dict], str | None]:
    """One page of matching institutions by region, then credit code, as plain rows of
    public fields, and the cursor of the next page (the last row's region code and credit
    code: keyset paging). One query."""
    if flt.empty:
        return [], None
    limit = limit or PAGE_SIZE
    rows = list(institution_queryset(flt, after=after).values(*SEARCH_FIELDS)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["region_code"] + rows[-1]["credit_code"] if more else None)


def institution_queryset(flt: InstitutionFilter, *, after: str = "") -> QuerySet:
    """The institutions matching the filter after the cursor, by region and credit code."""
    qs = Institution.objects.all()
    if flt.code:
        qs = qs.filter(credit_code=flt.code)
    if flt.q:
        # case-sensitive LIKE: the trigram index on the name serves it (UPPER() would not)
        qs = qs.filter(name__contains=flt.q)
    if flt.region:
        qs = qs.filter(**region_range(flt.region))
    if after:
        region, code = after[:6], after[6:24]
        qs = qs.filter(Q(region_code__gt=region) | Q(region_code=region, credit_code__gt=code))
    return qs.order_by("region_code", "credit_code")


def institution_by_code(credit_code: str) -> Institution | None:
    """The institution with this exact (normalised) credit code, with its registrar."""
    return (
        Institution.objects.select_related("registrar")
        .filter(credit_code=(credit_code or "").strip().upper()[:18])
        .first()
    )


def current_certificate(institution: Institution) -> Certificate | None:
    """The latest certificate not replaced by another (valid, suspended, or taken back)."""
    return (
        institution.certificates.select_related("replaced_by")
        .exclude(status=CertificateStatus.REPLACED)
        .order_by("-id")
        .first()
    )


def published_reports(institution: Institution) -> list:
    """The institution's published annual reports, newest year first."""
    return list(published_for(institution))


def notices(flt: NoticeFilter) -> QuerySet:
    """Notices matching the filter, newest first, with their institution."""
    qs = Notice.objects.select_related("institution", "registrar").order_by("-published_at", "-id")
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.region:
        qs = qs.filter(region_code__startswith=flt.region)
    if flt.q:
        qs = qs.filter(Q(title__contains=flt.q) | Q(institution__name__contains=flt.q))
    if flt.since is not None:
        qs = qs.filter(published_at__gte=flt.since)
    return qs


def notice_filter(
    *, kind: str = "", region: str = "", q: str = "", since: str = ""
) -> NoticeFilter:
    """The notice filter as asked, checked (an unknown kind or a bad date names its field)."""
    kind = (kind or "").strip()
    if kind and kind not in NoticeKind.values:
        raise InvalidInput(
            f"公告类型应为 {'、'.join(NoticeKind.values)} 之一",
            f"kind must be one of {', '.join(NoticeKind.values)}",
            field="kind",
        )
    return NoticeFilter(
        kind=kind,
        region=region_prefix(region),
        q=(q or "").strip()[:QUERY_MAX],
        since=_since(since),
    )


def _since(value: str) -> datetime.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "since 应为 ISO 8601 日期或时间，如 2026-01-31",
            "since must be an ISO 8601 date or date-time, e.g. 2026-01-31",
            field="since",
        ) from None
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment


def notice_page(qs: QuerySet, page: int, size: int | None = None) -> tuple[list[Notice], bool]:
    """Page `page` (1-based, capped at MAX_PAGES) of a notice list, and whether more follow."""
    size = size or PAGE_SIZE
    page = min(max(page, 1), MAX_PAGES)
    start = (page - 1) * size
    rows = list(qs[start : start + size + 1])
    more = len(rows) > size and page < MAX_PAGES
    return rows[:size], more


def institution_notices(institution: Institution, limit: int = 50) -> list[Notice]:
    return list(
        institution.notices.select_related("institution", "registrar").order_by(
            "-published_at", "-id"
        )[:limit]
    )


def notice_by_id(notice_id: int) -> Notice | None:
    return Notice.objects.select_related("institution", "registrar").filter(pk=notice_id).first()


def certificate_by_token(token: str) -> Certificate | None:
    token = (token or "").strip()
    if not token or len(token) > 32:
        return None
    return _certificates().filter(token=token).first()


def certificate_by_number(number: str) -> Certificate | None:
    """By the number as printed (事证第320506000001号) or its digits alone."""
    number = (number or "").strip()[:32]
    if not number:
        return None
    if number.isascii() and number.isdigit():
        number = f"事证第{number}号"
    return _certificates().filter(number=number).first()


def _certificates() -> QuerySet:
    return Certificate.objects.select_related("institution", "replaced_by")


def region_choices(selected: str = "") -> list[tuple[str, str, bool]]:
    """(code, label, selected) for the region select: the provinces and prefectures, and the
    counties of the selected prefecture or of the selected county's prefecture."""
    prefecture = selected[:4] if len(selected) >= 4 else ""
    rows = []
    for code, (name, level, _parent) in sorted(current_regions().items()):
        if level < 3 or (prefecture and code.startswith(prefecture)):
            label = "\u3000" * (level - 1) + name
            rows.append((code, label, region_prefix(code) == selected))
    return rows

"""The public API of the register (mounted at /api/v1/): the search of institutions, one
institution's public items, certificate and notices, and the notices. No login, rate-limited
per client address like the portal pages, public fields only (see `present`).

Refusals are flat: {"code", "field", "message", "message_en"}: 400 bad input (a malformed
credit code names the GB 32100 rule), 404 unknown, 429 over the rate limit."""

from django.http import HttpRequest, JsonResponse
from ninja import Path, Query, Router

from bianzhi.core.permissions import public

from . import present, queries
from .ratelimit import rate_limited

router = Router(tags=["public"])


def _not_found(message: str, message_en: str, field: str) -> JsonResponse:
    return JsonResponse(
        {"code": "not_found", "field": field, "message": message, "message_en": message_en},
        status=404,
    )


@router.get("/institutions", auth=None, summary="Search registered institutions (公示查询)")
@public
@rate_limited(as_json=True)
def institution_search(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="name contains"),
    code: str = Query("", max_length=64, description="unified social credit code (18 chars)"),
    region: str = Query("", max_length=6, description="region code or 2/4/6-digit prefix"),
    after: str = Query("", max_length=24, description="cursor: the `next` of the last page"),
):
    flt = queries.institution_filter(q=q, code=code, region=region)
    rows, next_cursor = queries.institution_search(flt, after=after)
    return {"items": [present.institution_row(row) for row in rows], "next": next_cursor}


@router.get("/institutions/{credit_code}", auth=None, summary="One registered institution")
@public
@rate_limited(as_json=True)
def institution_detail(request: HttpRequest, credit_code: str):
    code = queries.credit_code_checked(credit_code, field="credit_code")
    institution = queries.institution_by_code(code)
    if institution is None:
        return _not_found(
            f"没有统一社会信用代码为“{code}”的登记单位",
            f"no registered institution has the credit code {code}",
            "credit_code",
        )
    return {
        **present.institution_public(institution),
        "certificate": present.certificate_public(queries.current_certificate(institution)),
        "annual_reports": [
            present.annual_report_public(r) for r in queries.published_reports(institution)
        ],
        "notices": [present.notice_public(n) for n in queries.institution_notices(institution)],
    }


@router.get("/notices", auth=None, summary="Registration notices (登记公告), newest first")
@public
@rate_limited(as_json=True)
def notice_list(
    request: HttpRequest,
    kind: str = Query("", max_length=16, description="establish, change, cancel, …"),
    region: str = Query("", max_length=6, description="region code or 2/4/6-digit prefix"),
    since: str = Query("", max_length=32, description="published at or after (ISO 8601)"),
    q: str = Query("", max_length=100, description="title or institution name contains"),
    page: int = Query(1, ge=1, le=queries.MAX_PAGES),
):
    flt = queries.notice_filter(kind=kind, region=region, since=since, q=q)
    rows, more = queries.notice_page(queries.notices(flt), page)
    return {
        "items": [present.notice_public(n) for n in rows],
        "next": page + 1 if more else None,
    }


@router.get("/notices/{notice_id}", auth=None, summary="One notice")
@public
@rate_limited(as_json=True)
def notice_detail(request: HttpRequest, notice_id: int = Path(..., ge=1, le=2**53)):
    notice = queries.notice_by_id(notice_id)
    if notice is None:
        return _not_found("该公告不存在", "there is no such notice", "notice_id")
    return present.notice_public(notice)

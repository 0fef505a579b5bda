"""Pages of the public registration service (公示查询), open to everyone without login and
rate-limited per client address: the search of the register, an institution's public page,
the notices (公告) and their feeds, and the check of a certificate (证书核验)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bianzhi.core.errors import InvalidInput
from bianzhi.core.permissions import public
from bianzhi.registration.models import NoticeKind

from . import present, queries
from .ratelimit import rate_limited


def not_found(request: HttpRequest, message: str, message_en: str) -> HttpResponse:
    """The 404 page of the portal, in Chinese and English."""
    context = {"message": message, "message_en": message_en, "status": 404}
    return render(request, "public/error.html", context, status=404)


def _page_number(value: str) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 4 else 1


@public
@rate_limited()
def search(request: HttpRequest) -> HttpResponse:
    """查询: institutions by name (substring), credit code (exact) and region."""
    get = request.GET
    asked = {key: get.get(key, "")[:200] for key in ("q", "code", "region")}
    rows, next_cursor, error, region = [], None, None, ""
    try:
        flt = queries.institution_filter(**asked)
    except InvalidInput as exc:
        error = exc
    else:
        region = flt.region
        found, next_cursor = queries.institution_search(flt, after=get.get("after", ""))
        rows = [present.institution_row(row) for row in found]
    query = get.copy()
    query.pop("after", None)
    context = {
        "asked": asked,
        "searched": any(value.strip() for value in asked.values()),
        "rows": rows,
        "next_cursor": next_cursor,
        "query": query.urlencode(),
        "error": error,
        "regions": queries.region_choices(region),
    }
    return render(request, "public/search.html", context, status=400 if error else 200)


@public
@rate_limited()
def institution(request: HttpRequest, credit_code: str) -> HttpResponse:
    """An institution's public items, status, current certificate, published annual reports
    and notices."""
    found = queries.institution_by_code(credit_code)
    if found is None:
        return not_found(
            request,
            f"没有统一社会信用代码为“{credit_code[:18]}”的登记单位",
            f"no registered institution has the credit code {credit_code[:18]}",
        )
    data = present.institution_public(found)
    reports = [present.annual_report_public(r) for r in queries.published_reports(found)]
    context = {
        "institution": data,
        "item_rows": present.item_rows(data["items"]),
        "certificate": present.certificate_public(queries.current_certificate(found)),
        "reports_shown": True,
        "reports": [{**r, "sections": present.annual_report_sections(r)} for r in reports],
        "notices": [present.notice_public(n) for n in queries.institution_notices(found)],
    }
    return render(request, "public/institution.html", context)


@public
@rate_limited()
def notices(request: HttpRequest) -> HttpResponse:
    """公告: newest first, by kind, region and text."""
    get = request.GET
    asked = {key: get.get(key, "")[:200] for key in ("kind", "region", "q")}
    page = _page_number(get.get("page", ""))
    rows, more, error, region = [], False, None, ""
    try:
        flt = queries.notice_filter(**asked)
    except InvalidInput as exc:
        error = exc
    else:
        region = flt.region
        found, more = queries.notice_page(queries.notices(flt), page)
        rows = [present.notice_public(n) for n in found]
    query = get.copy()
    query.pop("page", None)
    context = {
        "asked": asked,
        "rows": rows,
        "page": page,
        "next_page": page + 1 if more else None,
        "query": query.urlencode(),
        "error": error,
        "kinds": NoticeKind.choices,
        "regions": queries.region_choices(region),
    }
    return render(request, "public/notices.html", context, status=400 if error else 200)


@public
@rate_limited()
def notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    found = queries.notice_by_id(notice_id)
    if found is None:
        return not_found(request, "该公告不存在", "there is no such notice")
    data = present.notice_public(found)
    context = {
        "notice": data,
        "body_rows": present.notice_body_rows(data["body"], skip=("name", "credit_code")),
    }
    return render(request, "public/notice.html", context)


def _verification(request: HttpRequest, certificate, asked: str) -> HttpResponse:
    if certificate is None:
        return not_found(
            request,
            f"查无此证书：“{asked[:40]}”不是登记管理机关发出的证书",
            f"no certificate found: {asked[:40]} was not issued by a registration authority",
        )
    return render(request, "public/verify.html", {"check": present.verification(certificate)})


@public
@rate_limited()
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The certificate's QR code leads here: is it valid, and whose is it."""
    return _verification(request, queries.certificate_by_token(token), token)


@public
@rate_limited()
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """The same check by the certificate number as printed."""
    number = request.GET.get("number", "").strip()[:40]
    if not number:
        return render(request, "public/verify_lookup.html", {"number": ""})
    return _verification(request, queries.certificate_by_number(number), number)

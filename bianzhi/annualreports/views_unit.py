"""The institution's own pages (/unit/annual-reports/): its reports, the form of a report
(save a draft, submit; errors per field, values kept) and the read-only copy once sent."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires
from bianzhi.registration.models import Institution

from . import content as report_content
from . import queries, services
from .models import AnnualReport
from .views import STATUS, sections
from .workflow import EDITABLE

SUBMIT = queries.SUBMIT


def _institution(request: HttpRequest) -> Institution:
    institution = queries.unit_institution(request.user)
    if institution is None:
        raise Http404("no registered institution")
    return institution


@requires(SUBMIT)
def report_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    year = queries.open_year(timezone.localdate())
    reports = list(institution.annual_reports.order_by("-year"))
    context = {
        "institution": institution,
        "reports": reports,
        "open_year": year,
        "open_report": next((r for r in reports if r.year == year), None),
        "must_report": institution.registered_on.year <= year,
        "deadline": queries.deadline(year),
    }
    return render(request, "annualreports/unit_list.html", context)


def _may_open(institution: Institution, year: int) -> bool:
    today = timezone.localdate()
    return institution.registered_on.year <= year <= today.year


def _page(request, institution, year, report, stored, *, error=None, status=200):
    editable = report is None or report.state in EDITABLE
    errors = report_content.validate(stored) if report is not None or error else []
    if error is not None and error.details.get("errors"):
        errors = error.details["errors"]
    context = {
        "institution": institution,
        "year": year,
        "report": report,
        "editable": editable,
        "sections": sections(stored, errors if editable else None),
        "errors": errors if editable else [],
        "error": error,
        "deadline": queries.deadline(year),
        "events": report.events.select_related("actor") if report else [],
    }
    return render(request, "annualreports/unit_edit.html", context, status=status)


@requires(SUBMIT)
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, year: int) -> HttpResponse:
    """The report on `year`: a form while it is a draft or returned, read-only once sent."""
    institution = _institution(request)
    report = AnnualReport.objects.filter(institution=institution, year=year).first()
    if report is None and not _may_open(institution, year):
        raise Http404("no report on this year")
    if request.method == "GET":
        stored = report.content if report else report_content.normalize({})
        return _page(request, institution, year, report, stored)
    stored = report_content.normalize(request.POST)
    try:
        report = services.report_save(
            actor=request.user, institution=institution, year=year, content=stored
        )
        if request.POST.get("action") == "submit":
            report = services.report_act(actor=request.user, report=report, action="submit")
    except DomainError as exc:
        report = AnnualReport.objects.filter(institution=institution, year=year).first()
        return _page(
            request, institution, year, report, stored, error=exc, status=STATUS.get(exc.code, 400)
        )
    if report.state in EDITABLE:
        messages.success(request, _("Draft saved."))
    else:
        messages.success(request, _("Report submitted."))
    return redirect("unit_reports:edit", year=year)

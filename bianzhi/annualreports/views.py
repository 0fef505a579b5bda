"""The registration authority's pages (/annual-reports/): the queue, one report with its review
actions, the institutions that missed the deadline with the reminders, and the status export."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires
from bianzhi.core.scope import get_in_scope_or_404

from . import content as report_content
from . import exporting, queries, services
from .models import AnnualReport, AnnualReportState

VIEW, REVIEW = queries.VIEW, queries.REVIEW
PAGE_SIZE = 50
STATUS = {"forbidden": 403, "invalid_transition": 409, "conflict": 409}


def year_from(request: HttpRequest, default: int | None) -> int | None:
    value = request.GET.get("year", "").strip()
    if value.isdigit() and 2000 <= int(value) <= 2999:
        return int(value)
    return default


def sections(stored: dict, errors: list[dict] | None = None) -> list[dict]:
    """The content by section, each field with its value and error, for the templates."""
    by_field = {e["field"]: e for e in errors or []}
    grouped: dict[str, dict] = {}
    for field in report_content.FIELDS:
        block = grouped.setdefault(
            field.section,
            {"key": field.section, "label": report_content.SECTIONS[field.section], "rows": []},
        )
        value = report_content.value_of(stored, field.path)
        block["rows"].append({"field": field, "value": value, "error": by_field.get(field.path)})
    return list(grouped.values())


@requires(VIEW)
def queue(request: HttpRequest) -> HttpResponse:
    """The reports of the user's region, filtered by year and state."""
    state = request.GET.get("state", "")
    state = state if state in AnnualReportState.values else ""
    year = year_from(request, None)
    qs = queries.report_list(request.user, year=year, state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "year": year,
        "state": state,
        "states": AnnualReportState.choices,
        "query": query.urlencode(),
        "open_year": queries.open_year(timezone.localdate()),
    }
    return render(request, "annualreports/queue.html", context)


def _detail(request: HttpRequest, report: AnnualReport, *, error=None, status=200):
    context = {
        "report": report,
        "institution": report.institution,
        "sections": sections(report.content),
        "actions": queries.actions_for(request.user, report),
        "events": report.events.select_related("actor"),
        "error": error,
        "comment": request.POST.get("comment", ""),
    }
    return render(request, "annualreports/detail.html", context, status=status)


def _report(request: HttpRequest, report_id: int) -> AnnualReport:
    qs = AnnualReport.objects.select_related("institution", "reviewer")
    return get_in_scope_or_404(request.user, qs, "institution__region_code", pk=report_id)


@requires(VIEW)
def detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _detail(request, _report(request, report_id))


@requires(REVIEW)
@require_POST
def act(request: HttpRequest, report_id: int) -> HttpResponse:
    """Return for correction (remarks required) or publish; a refusal re-renders the page with
    the comment kept."""
    report = _report(request, report_id)
    action = request.POST.get("action", "")
    try:
        report = services.report_act(
            actor=request.user,
            report=report,
            action=action,
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        report.refresh_from_db()
        return _detail(request, report, error=exc, status=STATUS.get(exc.code, 400))
    messages.success(
        request, _("The report is now: %(state)s.") % {"state": report.get_state_display()}
    )
    return redirect("annualreports:detail", report_id=report.pk)


@requires(VIEW)
def missed(request: HttpRequest) -> HttpResponse:
    """Institutions that had to report on the year and sent nothing by 31 March."""
    today = timezone.localdate()
    year = year_from(request, queries.open_year(today))
    context = {
        "year": year,
        "rows": queries.missed(year, request.user),
        "deadline": queries.deadline(year),
        "due": services.due_reminder(today),
    }
    return render(request, "annualreports/missed.html", context)


@requires(REVIEW)
@require_POST
def remind(request: HttpRequest) -> HttpResponse:
    """Send the reminders due today (each once)."""
    count = services.reminders_send(today=timezone.localdate())
    messages.success(request, _("%(n)s institutions reminded.") % {"n": count})
    return redirect("annualreports:missed")


@requires(VIEW)
def export(request: HttpRequest) -> HttpResponse:
    year = year_from(request, queries.open_year(timezone.localdate()))
    response = HttpResponse(
        exporting.status_xlsx(year, request.user), content_type=exporting.XLSX_TYPE
    )
    name = f"annual-reports-{year}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

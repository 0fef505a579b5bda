"""Reads of annual reports: the reporting calendar, who must report, who sees and acts on
which report, the registrar's queue, the missed list, and the published reports for the
public pages."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from bianzhi.accounts.queries import users_holding
from bianzhi.core.scope import region_in_scope, scope_queryset
from bianzhi.registration.models import Institution, InstitutionStatus

from . import content as report_content
from .models import AnnualReport, AnnualReportState
from .workflow import SENT, TRANSITIONS, Transition

SUBMIT = "annualreports.submit_annualreport"
VIEW = "annualreports.view_annualreport"
REVIEW = "annualreports.review_annualreport"


# --- the calendar ------------------------------------------------------------------------------


def window_opens(year: int) -> datetime.date:
    """The report on `year` may be submitted from 1 January of the next year."""
    return datetime.date(year + 1, 1, 1)


def deadline(year: int) -> datetime.date:
    """Submitted after 31 March of the next year, the report is late (逾期)."""
    return datetime.date(year + 1, 3, 31)


def open_year(today: datetime.date) -> int:
    """The year institutions report on now (the previous one)."""
    return today.year - 1


def must_report(year: int) -> QuerySet[Institution]:
    """Institutions registered on or before 31 December of `year` and still registered at the
    deadline."""
    still = Q(status=InstitutionStatus.REGISTERED) | Q(ended_on__gt=deadline(year))
    return Institution.objects.filter(still, registered_on__lte=datetime.date(year, 12, 31))


# --- who ---------------------------------------------------------------------------------------


def is_own(user, institution: Institution) -> bool:
    """The institution's own account."""
    return bool(user.org_id) and user.org_id == institution.org_id and user.has_perm(SUBMIT)


def may_review(user, institution: Institution) -> bool:
    """A reviewer at the institution's registration authority, with its region in scope."""
    return (
        user.has_perm(REVIEW)
        and user.node_id == institution.registrar_id
        and region_in_scope(user, institution.region_code)
    )


def may_take(user, report: AnnualReport, transition: Transition) -> bool:
    if transition.who == "unit":
        return is_own(user, report.institution)
    return may_review(user, report.institution)


def actions_for(user, report: AnnualReport) -> list[Transition]:
    """The transitions the user may take on the report now."""
    return [
        t for t in TRANSITIONS.values() if report.state in t.sources and may_take(user, report, t)
    ]


def unit_institution(user) -> Institution | None:
    """The registered institution of a body's own account, if any."""
    if not user.org_id:
        return None
    return Institution.objects.filter(org_id=user.org_id).first()


def visible_reports(user) -> QuerySet[AnnualReport]:
    """Staff see the reports of their region; an institution's own account its own; deny by
    default."""
    qs = AnnualReport.objects.select_related("institution")
    if user.has_perm(VIEW):
        return scope_queryset(user, qs, "institution__region_code")
    if user.has_perm(SUBMIT) and user.org_id:
        return qs.filter(institution__org_id=user.org_id)
    return qs.none()


def report_list(user, *, year: int | None = None, state: str = "") -> QuerySet[AnnualReport]:
    qs = visible_reports(user)
    if year is not None:
        qs = qs.filter(year=year)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-year", "-id")


def unit_accounts(institutions) -> dict[int, list]:
    """The active own accounts of each institution's body, by body id."""
    users = users_holding(SUBMIT, org_id__in=[i.org_id for i in institutions]).order_by("pk")
    by_org: dict[int, list] = {}
    for user in users:
        by_org.setdefault(user.org_id, []).append(user)
    return by_org


# --- the registrar's lists ----------------------------------------------------------------------


@dataclass
class StatusRow:
    institution: Institution
    report: AnnualReport | None

    @property
    def on_time(self) -> bool:
        report = self.report
        return bool(report and report.submitted_on and not report.late)


def status_rows(year: int, user) -> list[StatusRow]:
    """Every institution in the user's scope that must report on `year`, with its report."""
    reports = Prefetch(
        "annual_reports", queryset=AnnualReport.objects.filter(year=year), to_attr="of_year"
    )
    institutions = scope_queryset(user, must_report(year)).prefetch_related(reports)
    return [
        StatusRow(i, i.of_year[0] if i.of_year else None)
        for i in institutions.order_by("credit_code")
    ]


def missed(year: int, user) -> list[StatusRow]:
    """Institutions in scope that had to report on `year` and sent nothing by 31 March; a late
    submission is listed with its date."""
    return [row for row in status_rows(year, user) if not row.on_time]


def not_reported(year: int) -> QuerySet[Institution]:
    """Institutions that must report on `year` and have no submitted or published report."""
    sent = AnnualReport.objects.filter(year=year, state__in=SENT)
    return must_report(year).exclude(pk__in=sent.values("institution_id"))


# --- the public pages ---------------------------------------------------------------------------


def published_for(institution: Institution) -> QuerySet[AnnualReport]:
    """The institution's published reports, newest year first."""
    return AnnualReport.objects.filter(
        institution=institution, state=AnnualReportState.PUBLISHED
    ).order_by("-year")


def public_content(report: AnnualReport) -> dict:
    """What the public sees of a published report: its content sections, known keys only;
    never the reviewer nor the remarks."""
    return report_content.normalize(report.content or {})

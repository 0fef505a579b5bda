"""Writes of annual reports: the institution's draft, the transitions of the declared state
machine (workflow.TRANSITIONS) with the reporting window, each in the trail and the journal,
and the reminders sent before the deadline."""

import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bianzhi.core.errors import Conflict, DomainError, InvalidInput, InvalidTransition
from bianzhi.core.journal import journal_record
from bianzhi.matters.models import Notification
from bianzhi.registration.models import Institution, InstitutionStatus

from . import content as report_content
from . import queries
from .models import AnnualReport, AnnualReportEvent, AnnualReportState, Reminder, ReminderKind
from .workflow import EDITABLE, TRANSITIONS

S = AnnualReportState
COMMENT_LIMIT = 2000
# Reminders before the deadline (31 March), nearest first: (kind, calendar days before).
THRESHOLDS = ((ReminderKind.DAYS_3, 3), (ReminderKind.DAYS_10, 10), (ReminderKind.DAYS_30, 30))
VERBS = {"submit": "submitted", "return": "returned", "publish": "published"}


class Forbidden(DomainError):
    """The user may not act on this report (403)."""

    code = "forbidden"


def _snapshot(report: AnnualReport) -> dict:
    return {
        "state": report.state,
        "year": report.year,
        "submitted_on": report.submitted_on.isoformat() if report.submitted_on else None,
        "late": report.late,
        "remarks": report.remarks,
    }


def _event(report: AnnualReport, *, actor, action: str, before: str, comment: str = "") -> None:
    AnnualReportEvent.objects.create(
        report=report,
        action=action,
        state_before=before,
        state_after=report.state,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment,
    )


def _check_year(institution: Institution, year, today: datetime.date) -> int:
    if not isinstance(year, int) or isinstance(year, bool):
        raise InvalidInput("年度无效", "the year must be a number", field="year")
    if year < institution.registered_on.year:
        raise InvalidInput(
            f"本单位于 {institution.registered_on.year} 年登记，不报送 {year} 年度报告",
            f"registered in {institution.registered_on.year}, the institution does not report "
            f"on {year}",
            field="year",
        )
    if year > today.year:
        raise InvalidInput(f"{year} 年度尚未开始", f"the year {year} has not begun", field="year")
    return year


def _check_registered(institution: Institution) -> None:
    if institution.status != InstitutionStatus.REGISTERED:
        raise InvalidTransition(
            "本单位已注销或被撤销登记，不再报送年度报告",
            "the institution is no longer registered and does not report",
            field="institution",
        )


@transaction.atomic
def report_save(
    *, actor, institution: Institution, year, content, today: datetime.date | None = None
) -> AnnualReport:
    """Create or update the draft report of an institution on a year, by its own account; the
    content is kept even when it does not yet pass (errors are shown, submission refuses)."""
    today = today or timezone.localdate()
    if not queries.is_own(actor, institution):
        raise Forbidden(
            "只能填写本单位的年度报告",
            "you may fill in your own institution's report only",
            field="institution",
        )
    _check_registered(institution)
    year = _check_year(institution, year, today)
    stored = report_content.normalize(content)
    report = (
        AnnualReport.objects.select_for_update().filter(institution=institution, year=year).first()
    )
    if report is None:
        return _create(actor, institution, year, stored)
    if report.state not in EDITABLE:
        raise InvalidTransition(
            "年度报告已报送，不能修改",
            "the report can be changed only as a draft or when returned",
            field="state",
        )
    before = report.content
    report.content = stored
    report.save(update_fields=["content", "updated_at"])
    journal_record(
        obj=report,
        action="annualreports.annualreport.edited",
        actor=actor,
        before={"content": before},
        after={"content": stored},
    )
    return report


def _create(actor, institution: Institution, year: int, stored: dict) -> AnnualReport:
    try:
        with transaction.atomic():
            report = AnnualReport.objects.create(institution=institution, year=year, content=stored)
    except IntegrityError as exc:  # the same report created meanwhile
        raise Conflict(
            f"{year} 年度报告已存在", f"the report on {year} exists already", field="year"
        ) from exc
    report.institution = institution
    _event(report, actor=actor, action="create", before="")
    journal_record(
        obj=report,
        action="annualreports.annualreport.created",
        actor=actor,
        after={**_snapshot(report), "content": stored},
    )
    return report


def check_window(institution: Institution, year: int, today: datetime.date) -> None:
    """The report on Y is submitted from 1 January of Y+1 (after 31 March it is late), by an
    institution registered on or before 31 December of Y and still registered."""
    _check_registered(institution)
    if institution.registered_on > datetime.date(year, 12, 31):
        raise InvalidInput(
            f"本单位于 {institution.registered_on:%Y-%m-%d} 登记，不报送 {year} 年度报告",
            f"registered on {institution.registered_on}, the institution does not report on {year}",
            field="year",
        )
    opens = queries.window_opens(year)
    if today < opens:
        raise InvalidInput(
            f"{year} 年度报告自 {opens:%Y-%m-%d} 起报送",
            f"the report on {year} can be submitted from {opens}",
            field="year",
        )


def _submit(report: AnnualReport, actor, comment: str, today: datetime.date) -> str:
    check_window(report.institution, report.year, today)
    errors = report_content.validate(report.content)
    if errors:
        first = errors[0]
        raise InvalidInput(
            first["message"], first["message_en"], field=first["field"], details={"errors": errors}
        )
    resubmission = report.state == S.RETURNED
    if report.submitted_on is None:
        report.submitted_at = timezone.now()
        report.submitted_on = today
        report.late = today > queries.deadline(report.year)
    return "resubmitted" if resubmission else "submitted"


def _return(report: AnnualReport, actor, comment: str, today: datetime.date) -> str:
    report.remarks = comment
    report.reviewer = actor
    return "returned"


def _publish(report: AnnualReport, actor, comment: str, today: datetime.date) -> str:
    report.remarks = comment
    report.reviewer = actor
    report.published_at = timezone.now()
    return "published"


STEPS = {"submit": _submit, "return": _return, "publish": _publish}


def _check_comment(comment: str, required: bool) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise InvalidInput("退回修改须说明理由", "say what must be corrected", field="comment")
    if len(comment) > COMMENT_LIMIT:
        raise InvalidInput(
            f"意见不能超过 {COMMENT_LIMIT} 字",
            f"the comment is longer than {COMMENT_LIMIT} characters",
            field="comment",
        )
    return comment


@transaction.atomic
def report_act(
    *,
    actor,
    report: AnnualReport,
    action: str,
    comment: str = "",
    today: datetime.date | None = None,
) -> AnnualReport:
    """Take a transition of the declared table: submit (own account, in the window, content
    valid), return with remarks or publish (the registration authority)."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise InvalidInput(f"未知的操作“{action}”", f"unknown action {action!r}", field="action")
    today = today or timezone.localdate()
    report = (
        AnnualReport.objects.select_related("institution")
        .select_for_update(of=("self",))
        .get(pk=report.pk)
    )
    if not queries.may_take(actor, report, transition):
        raise Forbidden("无权进行该操作", "you may not take this action", field="action")
    if report.state not in transition.sources:
        raise InvalidTransition(
            f"年度报告当前为“{S(report.state).label}”，不能{transition.label}",
            f"a {report.state} report cannot take the action {action!r}",
            field="state",
        )
    comment = _check_comment(comment, transition.needs_comment)
    before = _snapshot(report)
    verb = STEPS[action](report, actor, comment, today)
    report.state = transition.target
    report.save()
    _event(report, actor=actor, action=action, before=before["state"], comment=comment)
    journal_record(
        obj=report,
        action=f"annualreports.annualreport.{verb}",
        actor=actor,
        before=before,
        after=_snapshot(report),
        effective_date=today,
    )
    if action in ("return", "publish"):
        _notify(report, action=action, actor=actor)
    return report


def _notify(report: AnnualReport, *, action: str, actor) -> int:
    """Tell the institution's own accounts that their report was returned or published."""
    people = queries.unit_accounts([report.institution]).get(report.institution.org_id, [])
    people = [user for user in people if user.pk != getattr(actor, "pk", None)]
    if action == "return":
        zh, en = f"{report.year} 年度报告被退回修改", f"the report on {report.year} was returned"
    else:
        zh, en = f"{report.year} 年度报告已公示", f"the report on {report.year} was published"
    url = reverse("unit_reports:edit", args=[report.year])
    _tell(people, action=action, url=url, subject=zh, body=f"{zh}。\n{en}.\n{report.remarks}")
    return len(people)


def _tell(people: list, *, action: str, url: str, subject: str, body: str) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, url=url, action=action, message=subject[:300]) for user in people
    )
    mails = [
        (f"[年度报告] {subject}", f"{body}\n{settings.SITE_URL}{url}", None, [user.email])
        for user in people
        if user.email
    ]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))


# --- reminders -----------------------------------------------------------------------------------


def due_reminder(today: datetime.date) -> tuple[int, str] | None:
    """The year and the latest threshold reached on `today` (none after 31 March)."""
    year = queries.open_year(today)
    last_day = queries.deadline(year)
    if today > last_day:
        return None
    for kind, days in THRESHOLDS:
        if today >= last_day - datetime.timedelta(days=days):
            return year, kind
    return None


def reminders_send(*, today: datetime.date) -> int:
    """Remind, once per institution, year and threshold (30, 10 and 3 days before 31 March),
    the own accounts of institutions with no submitted or published report; returns how many
    institutions were reminded. A later run on the same threshold sends nothing."""
    due = due_reminder(today)
    if due is None:
        return 0
    year, kind = due
    reminded = Reminder.objects.filter(year=year, kind=kind).values("institution_id")
    pending = list(queries.not_reported(year).exclude(pk__in=reminded))
    accounts = queries.unit_accounts(pending)
    return sum(
        _remind(institution, year, kind, accounts[institution.org_id])
        for institution in pending
        if accounts.get(institution.org_id)
    )


def _remind(institution: Institution, year: int, kind: str, people: list) -> bool:
    last_day = queries.deadline(year)
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(institution=institution, year=year, kind=kind)
            journal_record(
                obj=reminder,
                action="annualreports.reminder.reminded",
                actor=None,
                after={"institution": institution.pk, "year": year, "kind": kind},
            )
            _tell(
                people,
                action="remind",
                url=reverse("unit_reports:edit", args=[year]),
                subject=f"请于 {last_day:%Y-%m-%d} 前报送 {year} 年度报告",
                body=f"请于 {last_day:%Y-%m-%d} 前报送 {year} 年度报告。\n"
                f"Please submit the report on {year} by {last_day}.",
            )
    except IntegrityError:  # reminded meanwhile by another run
        return False
    return True

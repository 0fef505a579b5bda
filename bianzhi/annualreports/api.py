"""REST routes of annual reports (mounted at /api/v1/annual-reports): the list and one report
(an institution's own account sees its own; staff their region), a draft saved by the own
account, and the transitions. Refusals come back flat: {"code", "field", "message",
"message_en"} (403 forbidden, 409 a transition the state does not allow, 400 bad input)."""

from collections.abc import Callable
from functools import wraps

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from bianzhi.core.permissions import LOGIN, api_requires
from bianzhi.core.scope import audit_out_of_scope

from . import content as report_content
from . import queries, services
from .models import AnnualReport, AnnualReportState
from .workflow import EDITABLE

router = Router(tags=["annualreports"])
READERS = (queries.SUBMIT, queries.VIEW)
ACTORS = (queries.SUBMIT, queries.REVIEW)
PAGE_SIZE = 100
MAX_ID = 2**63 - 1


def api_any(*permissions: str) -> Callable:
    """`api_requires(LOGIN)` plus one of `permissions`, refused (403, audited) otherwise."""

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def checked(request, *args, **kwargs):
            if not any(request.user.has_perm(p) for p in permissions):
                from bianzhi.audit.services import audit_record

                needed = " | ".join(permissions)
                audit_record(
                    "access.denied",
                    request=request,
                    result="refused",
                    reason=needed,
                    entity="route",
                )
                raise HttpError(403, f"缺少权限 {needed} / permission {needed} required")
            return func(request, *args, **kwargs)

        wrapped = api_requires(LOGIN)(checked)
        wrapped.any_permission = permissions  # type: ignore[attr-defined]
        return wrapped

    return decorator


class ReportFilterIn(Schema):
    year: int | None = Field(None, ge=2000, le=2999)
    state: AnnualReportState | None = None
    cursor: int | None = Field(None, ge=1, le=MAX_ID, description="`next_cursor` of the last page")


class ReportIn(Schema):
    year: int = Field(..., ge=2000, le=2999)
    content: dict = Field(default_factory=dict, description="sections as in the report form")


class TransitionIn(Schema):
    action: str = Field(..., max_length=20, examples=["submit"])
    comment: str = Field("", max_length=2000)


def _out(request, report: AnnualReport) -> dict:
    institution = report.institution
    editable = report.state in EDITABLE
    return {
        "id": report.pk,
        "year": report.year,
        "institution_id": institution.pk,
        "institution_name": institution.name,
        "credit_code": institution.credit_code,
        "state": report.state,
        "state_label": report.get_state_display(),
        "content": report.content,
        "errors": report_content.validate(report.content) if editable else [],
        "submitted_at": report.submitted_at,
        "submitted_on": report.submitted_on,
        "late": report.late,
        "remarks": report.remarks,
        "published_at": report.published_at,
        "updated_at": report.updated_at,
        "actions": [t.name for t in queries.actions_for(request.user, report)],
    }


def _report(request, report_id: int) -> AnnualReport:
    report = queries.visible_reports(request.user).filter(pk=report_id).first()
    if report is None:
        audit_out_of_scope(request.user, AnnualReport.objects.all(), {"pk": report_id})
        raise HttpError(404, "未找到 / not found")
    return report


@router.get("", summary="Annual reports 年度报告列表")
@api_any(*READERS)
def report_list(request, filters: Query[ReportFilterIn]):
    qs = queries.visible_reports(request.user)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.cursor is not None:
        qs = qs.filter(pk__lt=filters.cursor)
    rows = list(qs.order_by("-id")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return {
        "items": [_out(request, r) for r in rows],
        "next_cursor": rows[-1].pk if more else None,
    }


@router.get("/{int:report_id}", summary="One annual report 年度报告")
@api_any(*READERS)
def report_detail(request, report_id: int):
    return _out(request, _report(request, report_id))


@router.post("", summary="Save the draft of the own institution's report")
@api_requires(queries.SUBMIT)
def report_save(request, data: ReportIn):
    institution = queries.unit_institution(request.user)
    if institution is None:
        raise HttpError(404, "本账号没有登记的事业单位 / no registered institution")
    report = services.report_save(
        actor=request.user, institution=institution, year=data.year, content=data.content
    )
    return _out(request, report)


@router.post("/{int:report_id}/transitions", summary="Submit, return or publish")
@api_any(*ACTORS)
def report_transition(request, report_id: int, data: TransitionIn):
    report = services.report_act(
        actor=request.user,
        report=_report(request, report_id),
        action=data.action,
        comment=data.comment,
    )
    return _out(request, report)

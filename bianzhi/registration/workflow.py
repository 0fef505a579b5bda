"""The declared state machine of a registration application (申请 → 受理 / 不予受理 → 审查 →
核准 / 驳回 → 发证 → 公告). Services enforce it; pages and the API read it to offer only the
actions a user may take.

Who:
- ``applicant``: the institution's own account (``registration.apply_application`` bound to
  the body) or the user who drafted it;
- ``handler``: a registrar (``registration.handle_application``) of the application's
  registration authority whose scope holds it;
- ``approver``: ``registration.approve_application`` at that authority, not the examiner
  (four eyes).

After ``certify`` the notice is written from public fields and published in the same step, so
an application ends in ``published`` without anyone writing the notice."""

from django.utils.translation import gettext_lazy as _

from bianzhi.core.workflow import Transition as Action

from .models import ApplicationState as S

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("submit", _("Submit (提交申请)"), (S.DRAFT, S.RETURNED), S.SUBMITTED, "applicant"),
        Action(
            "withdraw",
            _("Withdraw (撤回)"),
            (S.DRAFT, S.SUBMITTED, S.RETURNED),
            S.WITHDRAWN,
            "applicant",
        ),
        Action(
            "return",
            _("Return for correction (退回补正)"),
            (S.SUBMITTED,),
            S.RETURNED,
            "handler",
            needs_comment=True,
        ),
        Action("accept", _("Accept (受理)"), (S.SUBMITTED,), S.ACCEPTED, "handler"),
        Action(
            "refuse",
            _("Do not accept (不予受理)"),
            (S.SUBMITTED,),
            S.REFUSED,
            "handler",
            needs_comment=True,
        ),
        Action(
            "examine",
            _("Finish examination (审查完毕)"),
            (S.ACCEPTED,),
            S.REVIEWED,
            "handler",
            needs_comment=True,
        ),
        Action("approve", _("Approve (核准)"), (S.REVIEWED,), S.APPROVED, "approver"),
        Action(
            "reject",
            _("Reject (驳回)"),
            (S.REVIEWED,),
            S.REJECTED,
            "approver",
            needs_comment=True,
        ),
        Action("certify", _("Issue certificate (发证)"), (S.APPROVED,), S.CERTIFIED, "handler"),
    )
}

FINAL_STATES = (S.REFUSED, S.REJECTED, S.PUBLISHED, S.WITHDRAWN)
EDITABLE_STATES = (S.DRAFT, S.RETURNED)

"""The declared state machine of an annual report: each action, the states it leaves from,
where it goes and who may take it. Services enforce it; pages and the API read it to offer
only the actions a user may take.

Who:
- ``unit``: the institution's own account (``annualreports.submit_annualreport``, bound to the
  institution's body);
- ``registrar``: ``annualreports.review_annualreport`` at the institution's registration
  authority, with the institution's region in scope.
"""

from django.utils.translation import gettext_lazy as _

from bianzhi.core.workflow import Transition

from .models import AnnualReportState as S

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("submit", _("Submit (报送)"), (S.DRAFT, S.RETURNED), S.SUBMITTED, "unit"),
        Transition(
            "return",
            _("Return for correction (退回修改)"),
            (S.SUBMITTED,),
            S.RETURNED,
            "registrar",
            needs_comment=True,
        ),
        Transition("publish", _("Publish (公示)"), (S.SUBMITTED,), S.PUBLISHED, "registrar"),
    )
}

# The institution may still change the content.
EDITABLE = (S.DRAFT, S.RETURNED)
# Sent to the registration authority: the deadline is met.
SENT = (S.SUBMITTED, S.PUBLISHED)


def event_label(action: str) -> object:
    """The readable name of a step of the trail."""
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    return _("Draft created (创建草稿)") if action == "create" else action

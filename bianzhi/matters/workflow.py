"""The declared state machine of a matter: each action, the states it leaves from, where it
goes, who may take it and what it asks for. Services enforce it; pages and the API read it to
offer only the actions a user may take.

Who:
- ``applicant``: the body's own account (``matters.apply_matter`` bound to the applicant body),
  or a 编办 clerk acting on its behalf (``matters.handle_matter`` in scope);
- ``handler``: a 编办 clerk (``matters.handle_matter``) whose scope holds the matter;
- ``step``: whoever holds the role of the current review step (经办人 → 处室负责人 → 分管领导);
- ``decider``: ``matters.decide_matter`` in scope; at the last review step also the step's role;
- ``higher``: a clerk of the office the matter was filed with (备案).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import MatterState as S


@dataclass(frozen=True)
class Action:
    name: str
    label: object
    sources: tuple[str, ...]
    target: str | None  # None: decided by the service (next step, committee, resubmission)
    who: str
    needs_comment: bool = False
    fields: tuple[str, ...] = field(default=())


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("submit", _("Submit (报送)"), (S.DRAFT,), S.SUBMITTED, "applicant"),
        Action("accept", _("Accept (受理)"), (S.SUBMITTED,), S.REVIEWING, "handler"),
        Action(
            "refuse",
            _("Refuse (不予受理)"),
            (S.SUBMITTED,),
            S.REFUSED,
            "handler",
            needs_comment=True,
        ),
        Action(
            "return",
            _("Return for more information (退回补正)"),
            (S.SUBMITTED, S.REVIEWING),
            S.RETURNED,
            "step",
            needs_comment=True,
        ),
        Action("resubmit", _("Resubmit (补正后重新报送)"), (S.RETURNED,), None, "applicant"),
        # reviewing → next step, or → deliberating after the last step of a major matter
        Action("pass", _("Pass on (审核通过)"), (S.REVIEWING,), None, "step"),
        Action(
            "approve",
            _("Approve (批准)"),
            (S.REVIEWING, S.DELIBERATING),
            S.APPROVED,
            "decider",
            fields=("decision_text", "meeting_kind", "meeting_date", "meeting_minutes"),
        ),
        Action(
            "reject",
            _("Do not approve (不批准)"),
            (S.REVIEWING, S.DELIBERATING),
            S.REJECTED,
            "decider",
            needs_comment=True,
            fields=("meeting_kind", "meeting_date", "meeting_minutes"),
        ),
        Action(
            "issue",
            _("Issue the decision (发文)"),
            (S.APPROVED,),
            S.ISSUED,
            "handler",
            fields=("effective_date", "signer", "recipients", "copies_to"),
        ),
        Action("execute", _("Execute (执行)"), (S.ISSUED,), S.EXECUTED, "handler"),
        Action("file", _("File with the higher level (备案)"), (S.EXECUTED,), S.FILED, "handler"),
        Action(
            "acknowledge", _("Acknowledge the filing (备案确认)"), (S.FILED,), S.FILED, "higher"
        ),
        Action(
            "withdraw",
            _("Withdraw (撤回)"),
            (S.DRAFT, S.SUBMITTED, S.REVIEWING, S.RETURNED, S.DELIBERATING),
            S.WITHDRAWN,
            "applicant",
        ),
    )
}

# States in which nothing more happens to the change set.
FINAL = (S.REFUSED, S.REJECTED, S.WITHDRAWN, S.FILED)
# States in which a deadline runs (受理 to decision).
RUNNING = (S.REVIEWING, S.DELIBERATING)
# States before a decision: the change set may still be edited only in draft and returned.
EDITABLE = (S.DRAFT, S.RETURNED)

# Meetings that decide major matters.
MEETINGS = {
    "committee": _("establishment committee meeting (编委会议)"),
    "directors": _("directors' meeting (主任会议)"),
}

# The roles a review step may name (accounts.roles).
STEP_ROLES = ("clerk", "division_head", "leader")
DEFAULT_STEPS = ["clerk", "division_head", "leader"]

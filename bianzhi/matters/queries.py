"""Reads of matters: who sees which, which actions a user may take now, the inbox, the lists
and the deadline flags."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from bianzhi.core.classification import can_read, visible_to
from bianzhi.core.models import Node
from bianzhi.core.scope import audit_out_of_scope, scope_queryset

from .models import Matter, MatterState
from .workflow import ACTIONS, RUNNING, Action

# The permission behind each role a review step may name.
STEP_PERMS = {
    "clerk": "matters.handle_matter",
    "division_head": "matters.review_matter",
    "leader": "matters.decide_matter",
}
DUE_SOON_DAYS = 3


def is_staff(user) -> bool:
    return user.has_perm("matters.view_matter")


def is_body_account(user) -> bool:
    return user.has_perm("matters.apply_matter") and user.org_id is not None


def visible_matters(user) -> QuerySet:
    """Staff see the matters of their region and below (up to their clearance); a body's own
    account sees only its body's matters; everyone else nothing."""
    qs = Matter.objects.all()
    if is_staff(user):
        return visible_to(user, scope_queryset(user, qs, "region_code"))
    if is_body_account(user):
        return qs.filter(applicant_id=user.org_id)
    return qs.none()


def get_matter_or_404(user, pk) -> Matter:
    try:
        return visible_matters(user).select_related("applicant", "node", "document").get(pk=pk)
    except (Matter.DoesNotExist, ValueError, TypeError) as exc:
        audit_out_of_scope(user, Matter.objects.all(), {"pk": pk})
        raise Http404 from exc


def handling_node(region_code: str, *, above: bool = False) -> Node | None:
    """The 编办 that handles matters of a region: the node of the region itself, else of the
    nearest region above it; with `above`, the next node strictly higher (for 备案)."""
    chain = [region_code, region_code[:4] + "00", region_code[:2] + "0000", "000000"]
    chain = list(dict.fromkeys(chain))  # county, city, province, national without repeats
    nodes = {n.region_code: n for n in Node.objects.filter(region_code__in=chain)}
    found = [nodes[code] for code in chain if code in nodes]
    if above:
        own = found[0] if found else None
        found = [n for n in found if own is not None and n.region_code != own.region_code]
    return found[0] if found else None


def _same_office(user, matter: Matter) -> bool:
    return user.node_id is not None and user.node_id == matter.node_id


def _as_applicant(user, matter: Matter) -> bool:
    if user.has_perm("matters.apply_matter") and user.org_id == matter.applicant_id:
        return True
    return user.has_perm("matters.handle_matter") and _same_office(user, matter)


def _as_step(user, matter: Matter) -> bool:
    role = matter.current_role
    if matter.state == MatterState.SUBMITTED:
        role = "clerk"  # returned at acceptance by the clerk who accepts
    perm = STEP_PERMS.get(role or "")
    return perm is not None and user.has_perm(perm) and _same_office(user, matter)


def _may(user, matter: Matter, action: Action) -> bool:
    if action.who == "applicant":
        return _as_applicant(user, matter)
    if action.who == "handler":
        return user.has_perm("matters.handle_matter") and _same_office(user, matter)
    if action.who == "step":
        if action.name == "pass" and matter.at_last_step and not matter.major:
            return False  # the last step of an ordinary matter approves or rejects
        return _as_step(user, matter)
    if action.who == "decider":
        if not (user.has_perm("matters.decide_matter") and _same_office(user, matter)):
            return False
        if matter.state == MatterState.REVIEWING:
            return matter.at_last_step and not matter.major and _as_step(user, matter)
        return True
    if action.who == "higher":
        return (
            user.has_perm("matters.handle_matter")
            and user.node_id is not None
            and user.node_id == matter.filed_with_id
            and matter.filing_acknowledged_at is None
        )
    return False


def allowed_actions(user, matter: Matter) -> list[Action]:
    """The actions this user may take on the matter in its current state (deny by default)."""
    if not user.is_authenticated or not user.is_active or not can_read(user, matter):
        return []
    return [
        action
        for action in ACTIONS.values()
        if matter.state in action.sources and _may(user, matter, action)
    ]


def may_act(user, matter: Matter, action: Action) -> bool:
    """One action's check, with the same rules as `allowed_actions`."""
    return matter.state in action.sources and can_read(user, matter) and _may(user, matter, action)


def _inbox_q(user) -> Q:
    """Matters waiting for this user, by the same rules as `allowed_actions`."""
    q = Q(pk__in=[])
    if is_body_account(user):
        q |= Q(applicant_id=user.org_id, state__in=[MatterState.DRAFT, MatterState.RETURNED])
    if user.node_id is None:
        return q
    office = Q(node_id=user.node_id)
    if user.has_perm("matters.handle_matter"):
        waiting = [MatterState.SUBMITTED, MatterState.APPROVED, MatterState.ISSUED]
        waiting += [MatterState.EXECUTED]
        q |= office & Q(state__in=waiting)
        q |= Q(filed_with_id=user.node_id, state=MatterState.FILED, filing_acknowledged_at=None)
    if any(user.has_perm(perm) for perm in STEP_PERMS.values()):
        # whose step it is, `allowed_actions` decides (JSON lookups differ by database)
        q |= office & Q(state=MatterState.REVIEWING)
    if user.has_perm("matters.decide_matter"):
        q |= office & Q(state=MatterState.DELIBERATING)
    return q


def inbox(user) -> list[Matter]:
    """The matters on which this user can act now, oldest deadline first."""
    candidates = (
        visible_matters(user)
        .filter(_inbox_q(user))
        .select_related("applicant", "node")
        .order_by("due_on", "id")
    )
    return [m for m in candidates[:500] if expected_actions(user, m)]


def expected_actions(user, matter: Matter) -> list[Action]:
    """What the matter waits for from this user: the allowed actions but withdrawal, which is
    always open to the applicant side and never a task."""
    return [a for a in allowed_actions(user, matter) if a.name != "withdraw"]


@dataclass
class MatterFilter:
    matter_type: str = ""
    state: str = ""
    applicant: int | None = None
    overdue: bool = False
    q: str = ""


def matter_list(user, flt: MatterFilter, today: datetime.date | None = None) -> QuerySet:
    qs = visible_matters(user).select_related("applicant", "node")
    if flt.matter_type:
        qs = qs.filter(matter_type=flt.matter_type)
    if flt.state:
        qs = qs.filter(state=flt.state)
    if flt.applicant:
        qs = qs.filter(applicant_id=flt.applicant)
    if flt.q:
        qs = qs.filter(Q(title__icontains=flt.q) | Q(ref__icontains=flt.q))
    if flt.overdue:
        today = today or timezone.localdate()
        qs = qs.filter(state__in=RUNNING, due_on__lt=today)
    return qs.order_by("-id")


def filings(user) -> QuerySet:
    """The 备案 list: matters that lower-level offices filed with the user's office."""
    if user.node_id is None or not is_staff(user):
        return Matter.objects.none()
    return (
        Matter.objects.filter(filed_with_id=user.node_id, state=MatterState.FILED)
        .select_related("applicant", "node", "document")
        .order_by("-filed_at", "-id")
    )


@dataclass
class Deadline:
    due_on: datetime.date | None
    days_left: int | None
    overdue: bool
    due_soon: bool


def deadlines(matters, today: datetime.date | None = None) -> dict[int, Deadline]:
    """Working days left until each due date, with the overdue and due-soon flags while a
    deadline runs: matter id → Deadline, with one calendar query for all the matters."""
    from bianzhi.core.calendar import exceptions_between, working_days_between

    today = today or timezone.localdate()
    found = {m.pk: Deadline(m.due_on, None, False, False) for m in matters}
    running = [m for m in matters if m.due_on is not None and m.state in RUNNING]
    if not running:
        return found
    dues = [m.due_on for m in running]
    exceptions = exceptions_between(min([today, *dues]), max([today, *dues]))
    for matter in running:
        left = working_days_between(today, matter.due_on, exceptions)
        found[matter.pk] = Deadline(matter.due_on, left, left < 0, 0 <= left <= DUE_SOON_DAYS)
    return found


def deadline(matter: Matter, today: datetime.date | None = None) -> Deadline:
    return deadlines([matter], today)[matter.pk]


def unread_notifications(user) -> int:
    return user.notifications.filter(read_at=None).count()

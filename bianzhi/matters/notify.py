"""Tell the people who act next: a notification in the app for each, and an e-mail (sent after
commit) to those with an address."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet

from bianzhi.accounts.queries import users_holding
from bianzhi.core.classification import Classification

from .models import Matter, MatterState, Notification
from .queries import STEP_PERMS

S = MatterState


def _office(node_id: int, perm: str) -> QuerySet:
    return users_holding(perm, node_id=node_id)


def _applicants(matter: Matter) -> QuerySet:
    users = get_user_model().objects.filter(is_active=True)
    body = users_holding("matters.apply_matter", org_id=matter.applicant_id)
    return users.filter(Q(pk=matter.created_by_id) | Q(pk__in=body.values("pk")))


def recipients(matter: Matter) -> QuerySet:
    """Who must act, or wants to know, once the matter has reached its new state."""
    state = matter.state
    if state == S.SUBMITTED:
        return _office(matter.node_id, "matters.handle_matter")
    if state == S.REVIEWING:
        return _office(matter.node_id, STEP_PERMS[matter.current_role or "clerk"])
    if state == S.DELIBERATING:
        return _office(matter.node_id, "matters.decide_matter")
    if state == S.APPROVED:
        clerks = _office(matter.node_id, "matters.handle_matter").values("pk")
        return get_user_model().objects.filter(
            Q(pk__in=clerks) | Q(pk__in=_applicants(matter).values("pk"))
        )
    if state == S.FILED and matter.filed_with_id and matter.filing_acknowledged_at is None:
        return _office(matter.filed_with_id, "matters.handle_matter")
    return _applicants(matter)


def _mail(messages: list[tuple]) -> None:
    send_mass_mail(messages, fail_silently=True)


def notify_transition(matter: Matter, *, action: str, actor) -> int:
    """Notify the next actors cleared for the matter's label (never the actor); returns the
    number notified."""
    cleared = recipients(matter).filter(clearance__gte=matter.classification)
    people = list(cleared.exclude(pk=actor.pk).distinct())
    label = str(MatterState(matter.state).label)
    message = f"{matter.ref} {matter.title}"[:300]
    Notification.objects.bulk_create(
        Notification(user=user, matter=matter, action=action, message=message) for user in people
    )
    # A classified matter's title stays off the mail: the mail names the matter by its number.
    title = f"《{matter.title}》" if matter.classification <= Classification.INTERNAL else ""
    mails = [
        (
            f"[编制] {matter.ref}：{label}",
            f"事项 {matter.ref}{title}现为“{label}”。\n"
            f"Matter {matter.ref} is now: {label}.\n{settings.SITE_URL}/matters/{matter.pk}/",
            None,
            [user.email],
        )
        for user in people
        if user.email
    ]
    if mails:
        transaction.on_commit(lambda: _mail(mails))
    return len(people)

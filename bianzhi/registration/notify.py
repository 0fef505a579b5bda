"""Tell the people concerned by a registration step: the registrars of the authority when an
application arrives, the institution's own accounts and the applicant when it moves, and the
approvers when it is examined. In the app, and by mail after commit."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from bianzhi.accounts.queries import users_holding
from bianzhi.matters.models import Notification

from .models import Application

TO_REGISTRARS = {"submit": "registration.handle_application"}
TO_APPROVERS = {"examine": "registration.approve_application"}
TO_APPLICANT = {"return", "accept", "refuse", "approve", "reject", "certify"}


def _applicants(app: Application) -> QuerySet:
    users = get_user_model().objects.filter(is_active=True)
    body = app.institution.org_id if app.institution_id else app.org_id
    own = users_holding("registration.apply_application", org_id=body) if body else None
    query = Q(pk=app.applicant_id)
    if own is not None:
        query |= Q(pk__in=own.values("pk"))
    return users.filter(query)


def _office(app: Application, perm: str) -> QuerySet:
    return users_holding(perm, node_id=app.registrar_id)


def notify_step(app: Application, *, action: str, actor) -> int:
    """Notify who must act next or wants to know (never the actor); returns how many."""
    if action in TO_REGISTRARS:
        people, url = _office(app, TO_REGISTRARS[action]), "registration:application"
    elif action in TO_APPROVERS:
        people, url = _office(app, TO_APPROVERS[action]), "registration:application"
    elif action in TO_APPLICANT:
        people, url = _applicants(app), "unit:application"
    else:
        return 0
    people = list(people.exclude(pk=actor.pk).distinct())
    link = reverse(url, args=[app.pk])
    state = str(app.get_state_display())
    message = f"{app.number} {app.get_kind_display()}：{state}"[:300]
    Notification.objects.bulk_create(
        Notification(user=user, url=link, action=action, message=message) for user in people
    )
    mails = [
        (
            f"[编制] 登记申请 {app.number}：{state}",
            f"登记申请 {app.number} 现为“{state}”。\n"
            f"Registration application {app.number} is now: {app.state}.\n"
            f"{settings.SITE_URL}{link}",
            None,
            [user.email],
        )
        for user in people
        if user.email
    ]
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return len(people)

"""Reads of applications and the register, scoped: an institution's own account sees its own
body's applications; registrars see those of their region."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from bianzhi.core.scope import scope_queryset

from .models import Application, ApplicationState, Institution

S = ApplicationState
OPEN_FOR_ACCEPTANCE = (S.SUBMITTED,)
UNDER_EXAMINATION = (S.ACCEPTED, S.REVIEWED)


def applications_for(user) -> QuerySet:
    """The applications a user may see (none when neither own body nor registrar)."""
    qs = Application.objects.select_related("institution", "registrar", "org")
    if user.has_perm("registration.view_application"):
        return scope_queryset(user, qs)
    if user.has_perm("registration.apply_application") and user.org_id is not None:
        own = Q(institution__org_id=user.org_id) | Q(org_id=user.org_id) | Q(applicant=user)
        return qs.filter(own)
    return qs.none()


def institutions_for(user) -> QuerySet:
    """The register as a user may see it."""
    qs = Institution.objects.select_related("registrar")
    if user.has_perm("registration.view_institution"):
        return scope_queryset(user, qs)
    if user.has_perm("registration.apply_application") and user.org_id is not None:
        return qs.filter(org_id=user.org_id)
    return qs.none()


def deadline_flags(app: Application, today: datetime.date | None = None) -> list[str]:
    """Overdue flags computed when read: acceptance after 5 working days, decision after 20."""
    today = today or timezone.localdate()
    flags = []
    if app.state in OPEN_FOR_ACCEPTANCE and app.accept_due_on and today > app.accept_due_on:
        flags.append("accept_overdue")
    if app.state in UNDER_EXAMINATION and app.due_on and today > app.due_on:
        flags.append("decision_overdue")
    return flags


def all_flags(app: Application, today: datetime.date | None = None) -> list[str]:
    return [*app.flags, *deadline_flags(app, today)]

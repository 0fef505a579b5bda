"""REST routes of registration applications (mounted at /api/v1/registrations): the list, a new
draft, one application with its problems, the actions the caller may take, its flags and trail,
updating a draft, and the workflow's transitions.

Registrars (`registration.view_application`) and institutions' own accounts (which hold only
`registration.apply_application`) share these routes: LOGIN, then `queries.applications_for`
decides what a caller sees, deny by default, 404 to outsiders. Refusals come back flat:
{"code", "field", "message", "message_en"} (403 forbidden, 409 a step the state does not
allow, 400 bad input)."""

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Status

from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import api_requires_any
from bianzhi.core.scope import audit_out_of_scope, scope_queryset
from bianzhi.orgs.models import Org

from . import applications, queries, rules
from .models import Application, ApplicationKind, ApplicationState
from .schemas import (
    MAX_ID,
    ApplicationDetailOut,
    ApplicationFilterIn,
    ApplicationIn,
    ApplicationPage,
    ApplicationUpdateIn,
    EventOut,
    TransitionIn,
)
from .workflow import ACTIONS

# Registrars read applications in their region; an institution's own account its own.
READERS = ("registration.view_application", "registration.apply_application")

router = Router(tags=["registration"])


def _out(app: Application) -> dict:
    institution = app.institution
    return {
        "id": app.pk,
        "number": app.number,
        "kind": app.kind,
        "kind_label": str(app.get_kind_display()),
        "state": app.state,
        "state_label": str(app.get_state_display()),
        "institution": institution.credit_code if institution else None,
        "institution_name": institution.name if institution else None,
        "org_id": app.org_id,
        "registrar": app.registrar.code,
        "region_code": app.region_code,
        "submitted_on": app.submitted_on,
        "accept_due_on": app.accept_due_on,
        "due_on": app.due_on,
        "decided_on": app.decided_on,
        "flags": queries.all_flags(app),
        "remarks": app.remarks,
    }


def _trail(app: Application) -> list[dict]:
    return [
        {
            "at": e.at,
            "actor": e.actor.username if e.actor else None,
            "action": e.action,
            "state_before": e.state_before,
            "state_after": e.state_after,
            "comment": e.comment,
            "data": e.data,
        }
        for e in app.events.select_related("actor")
    ]


def _detail(request, app: Application) -> dict:
    problems = (
        rules.check_application(app, timezone.localdate())
        if app.state in ("draft", "returned")
        else []
    )
    return _out(app) | {
        "data": app.data,
        "event_date": app.event_date,
        "move_date": app.move_date,
        "opinion": app.opinion,
        "decision_number": app.decision.number if app.decision_id else None,
        "establishment_matter": app.matter.ref if app.matter_id else None,
        "required_materials": rules.required_materials(app),
        "attachments": [
            {
                "id": a.pk,
                "kind": a.kind,
                "name": a.name,
                "size": a.size,
                "uploaded_at": a.uploaded_at,
            }
            for a in app.attachments.all()
        ],
        "problems": problems,
        "allowed_actions": [
            {"name": a.name, "label": str(a.label), "needs_comment": a.needs_comment}
            for a in applications.allowed_actions(request.user, app)
        ],
        "trail": _trail(app),
    }


def _application(user, application_id: int) -> Application:
    app = queries.applications_for(user).filter(pk=application_id).first()
    if app is None:
        audit_out_of_scope(user, Application.objects.all(), {"pk": application_id})
        raise Http404
    return app


def _not_found(field: str) -> DomainError:
    return DomainError(
        "不存在或不在您的管辖范围内",
        "no such body in your scope",
        field=field,
        code="out_of_scope",
    )


def _subject(user, data: ApplicationIn) -> dict:
    """The institution (by credit code) or body (by id) the caller may see, or 404."""
    subject = {}
    if data.institution:
        found = queries.institutions_for(user).filter(credit_code=data.institution.upper())
        subject["institution"] = found.first()
        if subject["institution"] is None:
            raise _not_found("institution")
    if data.org is not None:
        if user.has_perm("registration.handle_application"):
            orgs = scope_queryset(user, Org.objects.all())
        else:
            orgs = Org.objects.filter(pk=user.org_id) if user.org_id else Org.objects.none()
        subject["org"] = orgs.filter(pk=data.org).first()
        if subject["org"] is None:
            raise _not_found("org")
    return subject


# --- routes ------------------------------------------------------------------------------


@router.get("", response=ApplicationPage, summary="Registration applications 登记申请")
@api_requires_any(*READERS)
def application_list(
    request,
    filters: Query[ApplicationFilterIn],
    cursor: int | None = Query(None, ge=1, le=MAX_ID, description="`next_cursor` of the last page"),
    limit: int = Query(50, ge=1, le=200),
):
    qs = queries.applications_for(request.user).order_by("-id")
    if filters.state in ApplicationState.values:
        qs = qs.filter(state=filters.state)
    if filters.kind in ApplicationKind.values:
        qs = qs.filter(kind=filters.kind)
    if cursor is not None:
        qs = qs.filter(pk__lt=cursor)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_out(app) for app in rows], "next_cursor": rows[-1].pk if more else None}


@router.post("", response={201: ApplicationDetailOut}, summary="Draft an application")
@api_requires_any(*READERS)
def application_create(request, data: ApplicationIn):
    user = request.user
    app = applications.application_create(
        actor=user,
        kind=data.kind,
        data=data.data,
        event_date=data.event_date,
        move_date=data.move_date,
        **_subject(user, data),
    )
    return Status(201, _detail(request, _application(user, app.pk)))


@router.get("/{int:application_id}", response=ApplicationDetailOut, summary="One application")
@api_requires_any(*READERS)
def application_detail(request, application_id: int):
    return _detail(request, _application(request.user, application_id))


@router.put("/{int:application_id}", response=ApplicationDetailOut, summary="Update a draft")
@api_requires_any(*READERS)
def application_update(request, application_id: int, data: ApplicationUpdateIn):
    user = request.user
    app = _application(user, application_id)
    applications.application_update(
        actor=user,
        application=app,
        data=data.data,
        event_date=data.event_date,
        move_date=data.move_date,
    )
    return _detail(request, _application(user, application_id))


@router.get("/{int:application_id}/transitions", response=list[EventOut], summary="The trail")
@api_requires_any(*READERS)
def application_trail(request, application_id: int):
    return _trail(_application(request.user, application_id))


@router.post(
    "/{int:application_id}/transitions", response=ApplicationDetailOut, summary="Take a step"
)
@api_requires_any(*READERS)
def application_transition(request, application_id: int, data: TransitionIn):
    """Take one step of the workflow (see the application's `allowed_actions`)."""
    user = request.user
    if data.action not in ACTIONS:
        raise DomainError("未知的操作", "unknown action", field="action", code="invalid")
    applications.application_act(
        actor=user,
        application=_application(user, application_id),
        action=data.action,
        comment=data.comment,
        opinion=data.opinion,
    )
    return _detail(request, _application(user, application_id))

"""The page of one application, shared by the institution's side (/unit/) and the registrar's
(/registration/): its content form while the user may edit it, the live checklist of problems
beside the fields, the materials, the actions the user may take and the trail. Each POST calls
one service; a field error re-renders the page with the values (400), a step the state does not
allow says why (409), one the user may not take is refused (403)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bianzhi.core import reference
from bianzhi.core.audit import record_access
from bianzhi.core.errors import DomainError, InvalidTransition
from bianzhi.core.files import ACCEPTED_TYPES
from bianzhi.core.scope import audit_out_of_scope

from . import applications, queries, rules
from .forms import ActionForm, AttachmentForm, ChangeForm, form_field, item_display
from .forms import content_form as make_content_form
from .models import REGISTERED_ITEMS, Application, ApplicationAttachment
from .workflow import ACTIONS, EDITABLE_STATES

EVENT_LABELS = {
    "created": gettext_lazy("Drafted (起草)"),
    "publish": gettext_lazy("Notice published (公告)"),
}


def error_text(exc: DomainError) -> str:
    field = f"[{exc.field}] " if exc.field else ""
    return f"{field}{exc.message_zh} ({exc.message_en})"


def certificate_links(certificate) -> dict:
    """The certificate's PDF, 正本 and 副本."""
    base = reverse("registration:certificate_pdf", args=[certificate.pk])
    return {"original": f"{base}?copy=original", "duplicate": f"{base}?copy=duplicate"}


def application_or_404(user, application_id: int) -> Application:
    """One application the user may see; outsiders get the 404 of a missing one (audited)."""
    app = queries.applications_for(user).filter(pk=application_id).first()
    if app is None:
        audit_out_of_scope(user, Application.objects.all(), {"pk": application_id})
        raise Http404
    return app


def flag_rows(app: Application) -> list[tuple[str, str]]:
    return [(flag, rules.FLAG_LABELS.get(flag, flag)) for flag in queries.all_flags(app)]


def trail(app: Application) -> list[dict]:
    rows = []
    for event in app.events.select_related("actor"):
        action = ACTIONS.get(event.action)
        label = action.label if action else EVENT_LABELS.get(event.action, event.action)
        rows.append({"event": event, "label": label})
    return rows


def item_rows(app: Application) -> list[dict]:
    """Current and proposed value of each registered item (only the changed ones for 变更)."""
    current = app.institution.items() if app.institution_id else {}
    if app.kind == "establish":
        proposed = app.data.get("items") or {}
    elif app.kind == "change":
        proposed = app.data.get("changes") or {}
    else:
        return []
    before = app.data.get("before") or {}  # the values replaced, kept at approval
    return [
        {
            "item": item,
            "label": rules.ITEM_LABELS[item],
            "current": item_display(item, before.get(item, current.get(item, ""))),
            "proposed": item_display(item, proposed[item]),
        }
        for item in REGISTERED_ITEMS
        if item in proposed
    ]


def materials(app: Application, problems: list[dict]) -> list[dict]:
    """Each material with whether it is required and the files attached for it."""
    required = rules.required_materials(app)
    files: dict[str, list] = {}
    for attachment in app.attachments.all():
        files.setdefault(attachment.kind, []).append(attachment)
    missing = {p["field"].removeprefix("materials.") for p in problems}
    return [
        {
            "kind": kind,
            "label": label,
            "required": kind in required,
            "missing": kind in missing,
            "files": files.get(kind, []),
        }
        for kind, label in rules.MATERIALS.items()
        if kind in required or kind in files
    ]


def may_edit(user, app: Application) -> bool:
    if app.state not in EDITABLE_STATES:
        return False
    return applications.is_own(user, app) or applications.is_registrar(
        user, app, "registration.handle_application"
    )


def _content_form(app: Application, bound=None):
    return bound or make_content_form(app.kind, app=app, institution=app.institution)


def _problems_by_field(problems: list[dict]) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        name = form_field(problem["field"])
        if name:
            by_field.setdefault(name, []).append(f"{problem['message']} ({problem['message_en']})")
    return by_field


def form_rows(form, problems_by_field: dict[str, list[str]]) -> list[dict]:
    """The content form's fields in order, each with the problems the rules find in it; a
    change shows each item's tick box and current value beside the new value."""
    if form is None:
        return []
    rows, seen = [], set()
    if isinstance(form, ChangeForm):
        for _item, tick, current, new in form.item_rows():
            problems = problems_by_field.get(new.name, [])
            rows.append({"tick": tick, "current": current, "field": new, "problems": problems})
            seen |= {tick.name, new.name}
    for field in form:
        if field.name not in seen:
            rows.append({"field": field, "problems": problems_by_field.get(field.name, [])})
    return rows


def context(request: HttpRequest, app: Application, ns: str, **bound) -> dict:
    user = request.user
    editable = may_edit(user, app)
    problems = rules.check_application(app, timezone.localdate()) if editable else []
    form = _content_form(app, bound.get("content")) if editable else None
    action_forms = [
        bound["action"]
        if bound.get("action") and bound["action"].act.name == a.name
        else ActionForm(action=a)
        for a in applications.allowed_actions(user, app)
    ]
    return {
        "app": app,
        "ns": ns,
        "editable": editable,
        "form": form,
        "form_rows": form_rows(form, _problems_by_field(problems)),
        "problems": problems,
        "flags": flag_rows(app),
        "items": item_rows(app),
        "materials": materials(app, problems),
        "attachment_form": bound.get("attachment") or AttachmentForm(),
        "action_forms": action_forms,
        "trail": trail(app),
        "data_rows": data_rows(app),
    }


def data_rows(app: Application) -> list[tuple[str, str]]:
    """What the application says besides the items, as label and value, for reading."""
    data = app.data
    rows: list[tuple[str, object]] = []
    if app.kind == "establish":
        rows = [
            (
                _("Class of public institution (事业单位类别)"),
                reference.code_label("pi_class", data.get("pi_class", "")),
            ),
            (_("Number of the approval to set up (批准设立文号)"), data.get("approval_number", "")),
        ]
    elif app.kind == "change":
        rows = [
            (_("Date of the decision to change (变更决定日期)"), app.event_date or ""),
            (_("Date of the move to the new address (迁入新住所日期)"), app.move_date or ""),
        ]
    elif app.kind == "cancel":
        from .forms import CANCEL_DATES, CANCEL_TEXT

        rows = [
            (label, data.get(name, "")) for name, label in {**CANCEL_TEXT, **CANCEL_DATES}.items()
        ]
    else:
        reason = rules.REPLACE_REASONS.get(data.get("reason", ""), ("", ""))[0]
        rows = [
            (_("Reason (补领或换领)"), reason),
            (_("Statement (情况说明)"), data.get("statement", "")),
        ]
    return [(str(label), value) for label, value in rows]


def page(request: HttpRequest, app: Application, ns: str, status: int = 200, **bound):
    return render(
        request, "registration/application.html", context(request, app, ns, **bound), status=status
    )


def back(ns: str, app: Application) -> HttpResponse:
    return redirect(f"{ns}:application", application_id=app.pk)


def refused(request: HttpRequest, app: Application, ns: str, exc: DomainError) -> HttpResponse:
    """A write the user may not make (403) or the state does not allow (409, with why)."""
    if isinstance(exc, applications.Forbidden):
        raise PermissionDenied(exc.message_en)
    messages.error(request, error_text(exc))
    app.refresh_from_db()
    return page(request, app, ns, status=409)


# --- posts ------------------------------------------------------------------------------


def save(request: HttpRequest, app: Application, ns: str) -> HttpResponse:
    """Save the content; problems are listed, not refused, until submission."""
    form = make_content_form(app.kind, request.POST, institution=app.institution)
    if not form.is_valid():
        return page(request, app, ns, status=400, content=form)
    data, event_date, move_date = form.values()
    try:
        applications.application_update(
            actor=request.user,
            application=app,
            data=data,
            event_date=event_date,
            move_date=move_date,
        )
    except (applications.Forbidden, InvalidTransition) as exc:
        return refused(request, app, ns, exc)
    except DomainError as exc:
        form.add_domain_error(exc)
        return page(request, app, ns, status=400, content=form)
    messages.success(request, _("Saved."))
    return back(ns, app)


def act(request: HttpRequest, app: Application, ns: str) -> HttpResponse:
    """Take one step of the workflow."""
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
        return page(request, app, ns, status=400)
    form = ActionForm(request.POST, action=action)
    form.fields["comment"].required = False  # the service decides, naming the field
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    try:
        applications.application_act(
            actor=request.user,
            application=app,
            action=action.name,
            comment=cleaned.get("comment", "") or "",
            opinion=cleaned.get("opinion", "") or "",
        )
    except (applications.Forbidden, InvalidTransition) as exc:
        return refused(request, app, ns, exc)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        form.add_domain_error(exc)
        return page(request, app, ns, status=400, action=form)
    messages.success(request, _("%(action)s: done.") % {"action": action.label})
    return back(ns, app)


def attach(request: HttpRequest, app: Application, ns: str) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return page(request, app, ns, status=400, attachment=form)
    try:
        applications.attachment_add(
            actor=request.user,
            application=app,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )
    except (applications.Forbidden, InvalidTransition) as exc:
        return refused(request, app, ns, exc)
    except DomainError as exc:
        form.add_domain_error(exc)
        messages.error(request, error_text(exc))
        return page(request, app, ns, status=400, attachment=form)
    messages.success(request, _("File attached."))
    return back(ns, app)


def _attachment(app: Application, file_id: int) -> ApplicationAttachment:
    attachment = app.attachments.filter(pk=file_id).first()
    if attachment is None:
        raise Http404
    return attachment


def remove(request: HttpRequest, app: Application, ns: str, file_id: int) -> HttpResponse:
    attachment = _attachment(app, file_id)
    try:
        applications.attachment_remove(actor=request.user, attachment=attachment)
    except DomainError as exc:
        return refused(request, app, ns, exc)
    messages.success(request, _("File removed."))
    return back(ns, app)


def download(request: HttpRequest, app: Application, file_id: int) -> FileResponse:
    """One material, audited (`registration.application.downloaded`)."""
    attachment = _attachment(app, file_id)
    ext = attachment.name.rsplit(".", 1)[-1].lower() if "." in attachment.name else ""
    content_type = ACCEPTED_TYPES.get(ext, ("application/octet-stream",))[0]
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    record_access(
        request,
        "registration.application.downloaded",
        app,
        {"file": attachment.pk, "kind": attachment.kind, "name": attachment.name},
    )
    return FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=content_type
    )


def application_urls(permission: str, ns: str) -> list:
    """The URL patterns of one application as seen from a surface (the institution's own
    `unit`, or the registrar's `registration`): the page (POST saves the content), the
    actions, and the materials. Each surface differs only in the permission it declares;
    `application_or_404` scopes the object for both."""
    from django.urls import path
    from django.views.decorators.http import require_POST

    from bianzhi.core.permissions import requires

    def application(request: HttpRequest, application_id: int) -> HttpResponse:
        app = application_or_404(request.user, application_id)
        if request.method == "POST":
            return save(request, app, ns)
        return page(request, app, ns)

    def application_act(request: HttpRequest, application_id: int) -> HttpResponse:
        return act(request, application_or_404(request.user, application_id), ns)

    def application_attach(request: HttpRequest, application_id: int) -> HttpResponse:
        return attach(request, application_or_404(request.user, application_id), ns)

    def application_file(request: HttpRequest, application_id: int, file_id: int):
        return download(request, application_or_404(request.user, application_id), file_id)

    def application_file_remove(request: HttpRequest, application_id: int, file_id: int):
        return remove(request, application_or_404(request.user, application_id), ns, file_id)

    one = "applications/<int:application_id>/"
    views = (
        ("", application, False),
        ("act/", application_act, True),
        ("files/", application_attach, True),
        ("files/<int:file_id>/", application_file, False),
        ("files/<int:file_id>/remove/", application_file_remove, True),
    )
    return [
        path(
            one + suffix,
            requires(permission)(require_POST(view) if post_only else view),
            name=view.__name__,
        )
        for suffix, view, post_only in views
    ]

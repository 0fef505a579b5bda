"""The page of one matter and what is posted from it: the change set (while editable), the
before → after preview, the decision document, the trail, comments, attachments, and one form
per action the user may take. Each POST calls one service; a field error re-renders the page
with the form (400), an action that cannot apply now says why (409), one the user may not take
is refused (403)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bianzhi.accounts.roles import role_label
from bianzhi.core.audit import record_access
from bianzhi.core.classification import check_clearance
from bianzhi.core.errors import DomainError, InvalidTransition

from . import changes, queries, services
from .changes import ops
from .decision import decision_body
from .forms import (
    ITEM_FORMS,
    ActionForm,
    AttachmentForm,
    CommentForm,
    ItemForm,
    MatterEditForm,
)
from .models import Matter, MatterState
from .views import READERS, matters_page
from .workflow import ACTIONS, EDITABLE, FINAL, MEETINGS

# Trail entries that are not actions of the state machine.
EVENT_LABELS = {
    "create": gettext_lazy("Drafted (起草)"),
    "execute_failed": gettext_lazy("Execution refused (执行未通过)"),
}


# Before execution the preview shows what the change set would do; after it, it is done.
PREVIEWED = frozenset(MatterState.values) - {MatterState.EXECUTED, MatterState.FILED}


def _matter(request: HttpRequest, matter_id: int) -> Matter:
    return queries.get_matter_or_404(request.user, matter_id)


def _editable(user, matter: Matter) -> bool:
    return matter.state in EDITABLE and queries.may_act(user, matter, ACTIONS["withdraw"])


def _participant(user, matter: Matter) -> bool:
    """Comments and files come from the applicant body or the handling office, while open."""
    own_body = user.has_perm("matters.apply_matter") and user.org_id == matter.applicant_id
    office = queries.is_staff(user) and user.node_id == matter.node_id
    return (own_body or office) and matter.state not in FINAL


def _refs(items) -> list[tuple[int, str]]:
    """Earlier items that set up a body, for the items that may name it."""
    refs = []
    for item in items:
        spec = ops.created_spec(item.op, item.params)
        if spec:
            refs.append((item.seq, f"#{item.seq} {spec.get('name', '')}"))
    return refs


def _item_forms(user, matter: Matter, items, bound: ItemForm | None) -> list[ItemForm]:
    allowed = ops.ALLOWED_OPS.get(matter.matter_type, frozenset())
    refs = _refs(items)
    forms = []
    for op, form_class in ITEM_FORMS.items():
        if op not in allowed:
            continue
        if bound is not None and bound.op == op:
            forms.append(bound)
        else:
            forms.append(form_class(user=user, matter=matter, refs=refs))
    return forms


def _action_forms(user, matter: Matter, bound: ActionForm | None) -> list[ActionForm]:
    return [
        bound
        if bound is not None and bound.act.name == action.name
        else ActionForm(action=action, matter=matter)
        for action in queries.allowed_actions(user, matter)
    ]


def _decision_text(matter: Matter) -> tuple[str, list[str]]:
    """The issued decision's text, or the draft an approved matter would be issued with."""
    if matter.document_id and matter.effective_date:
        return "issued", decision_body(matter, matter.effective_date)
    if matter.state == MatterState.APPROVED:
        return "draft", decision_body(matter, timezone.localdate())
    return "", []


def _track(matter: Matter) -> list[dict]:
    """The stages of the matter's path with the current one highlighted (on), the ones behind
    it done, and where a refused, rejected or withdrawn matter stopped."""
    S = MatterState
    labels = [_("Application"), _("Acceptance")]
    labels += [role_label(role) for role in matter.steps]
    deciding = len(labels) - 1  # the last review step decides an ordinary matter
    if matter.major:
        labels.append(_("Committee (审议)"))
        deciding = len(labels) - 1
    issue = len(labels)
    labels += [_("Decision issued (发文)"), _("Execution"), _("Filing (备案)")]
    current = {
        S.DRAFT: 0,
        S.RETURNED: 0,
        S.WITHDRAWN: 0,
        S.SUBMITTED: 1,
        S.REFUSED: 1,
        S.REVIEWING: 2 + matter.step,
        S.DELIBERATING: deciding,
        S.REJECTED: deciding,
        S.APPROVED: issue,
        S.ISSUED: issue + 1,
        S.EXECUTED: issue + 2,
        S.FILED: len(labels),
    }[matter.state]
    stopped = matter.state in (S.WITHDRAWN, S.REFUSED, S.REJECTED)
    on = "stopped" if stopped else "on"
    return [
        {"label": label, "status": "done" if n < current else on if n == current else ""}
        for n, label in enumerate(labels)
    ]


def _timeline(matter: Matter) -> list[dict]:
    rows = []
    for event in matter.events.select_related("actor"):
        action = ACTIONS.get(event.action)
        label = action.label if action else EVENT_LABELS.get(event.action, event.action)
        rows.append({"event": event, "label": label})
    return rows


def _context(request: HttpRequest, matter: Matter, **bound) -> dict:
    user = request.user
    items = list(matter.items.select_related("org"))
    editable = _editable(user, matter)
    kind, text = _decision_text(matter)
    return {
        "matter": matter,
        "deadline": queries.deadline(matter),
        "track": _track(matter),
        "items": list(zip(items, changes.describe_items(items), strict=True)),
        "preview": changes.preview(matter) if items and matter.state in PREVIEWED else [],
        "editable": editable,
        "item_forms": _item_forms(user, matter, items, bound.get("item")) if editable else [],
        "edit_form": bound.get("edit")
        or (MatterEditForm(initial={"title": matter.title, "reason": matter.reason})),
        "action_forms": _action_forms(user, matter, bound.get("action")),
        "timeline": _timeline(matter),
        "comments": matter.comments.select_related("author"),
        "attachments": matter.attachments.select_related("uploaded_by"),
        "participant": _participant(user, matter),
        "comment_form": bound.get("comment") or CommentForm(),
        "attachment_form": bound.get("attachment") or AttachmentForm(),
        "decision_kind": kind,
        "decision_text": text,
        "meeting_label": MEETINGS.get(matter.meeting_kind, ""),
    }


def _page(request: HttpRequest, matter: Matter, status: int = 200, **bound) -> HttpResponse:
    return render(request, "matters/detail.html", _context(request, matter, **bound), status=status)


@matters_page(*READERS)
def matter_detail(request: HttpRequest, matter_id: int) -> HttpResponse:
    return _page(request, _matter(request, matter_id))


# --- posting to a matter -------------------------------------------------------------------


def _refused(request: HttpRequest, matter: Matter, exc: DomainError) -> HttpResponse:
    """A write that cannot apply in the matter's present state: the reason, with 409."""
    if isinstance(exc, services.Forbidden):
        raise PermissionDenied(exc.message_en)
    messages.error(request, f"{exc.message_zh} ({exc.message_en})")
    matter.refresh_from_db()
    return _page(request, matter, status=409)


def _run(request: HttpRequest, matter: Matter, form, call, done: str, key: str) -> HttpResponse:
    """Run one service for a valid form: success → back to the page; a refusal of the state
    → 409; the user may not → 403; a field error → the page with the form (400)."""
    if form.is_valid():
        try:
            with transaction.atomic():
                call(form)
        except (services.Forbidden, InvalidTransition) as exc:
            return _refused(request, matter, exc)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, done)
            return redirect("matters:detail", matter_id=matter.pk)
    return _page(request, matter, status=400, **{key: form})


@matters_page(*READERS)
@require_POST
def matter_act(request: HttpRequest, matter_id: int) -> HttpResponse:
    """Take one action of the state machine."""
    matter = _matter(request, matter_id)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
        return _page(request, matter, status=400)
    if matter.state not in action.sources:
        exc = InvalidTransition(
            f"事项处于“{matter.get_state_display()}”状态，不能“{action.label}”",
            f"a matter in state {matter.state!r} cannot take the action {action.name!r}",
        )
        return _refused(request, matter, exc)
    if not queries.may_act(request.user, matter, action):
        raise PermissionDenied(action.name)
    form = ActionForm(request.POST, action=action, matter=matter)
    if not form.is_valid():
        return _page(request, matter, status=400, action=form)
    try:
        services.matter_act(
            actor=request.user,
            matter=matter,
            action=action.name,
            comment=form.cleaned_data["comment"],
            data=form.data_for_service(),
        )
    except (services.Forbidden, InvalidTransition) as exc:
        return _refused(request, matter, exc)
    except DomainError as exc:
        if action.name == "execute":  # refused execution: its report is kept on the matter
            return _refused(request, matter, exc)
        form.add_domain_error(exc)
        return _page(request, matter, status=400, action=form)
    messages.success(request, _("%(action)s: done.") % {"action": action.label})
    return redirect("matters:detail", matter_id=matter.pk)


@matters_page(*READERS)
@require_POST
def item_add(request: HttpRequest, matter_id: int) -> HttpResponse:
    """Add one proposed change with the form of its op."""
    matter = _matter(request, matter_id)
    op = request.POST.get("op", "")
    form_class = ITEM_FORMS.get(op)
    if form_class is None or op not in ops.ALLOWED_OPS.get(matter.matter_type, ()):
        messages.error(request, _("This matter cannot carry that change."))
        return _page(request, matter, status=400)
    refs = _refs(matter.items.all())
    form = form_class(request.POST, user=request.user, matter=matter, refs=refs)

    def call(form: ItemForm) -> None:
        services.item_add(
            actor=request.user, matter=matter, op=op, org=form.body(), params=form.params()
        )

    return _run(request, matter, form, call, _("Change added."), "item")


@matters_page(*READERS)
@require_POST
def item_remove(request: HttpRequest, matter_id: int) -> HttpResponse:
    matter = _matter(request, matter_id)
    seq = request.POST.get("item", "")
    item = matter.items.filter(seq=int(seq)).first() if seq.isdigit() and len(seq) < 6 else None
    if item is None:
        raise Http404
    try:
        services.item_remove(actor=request.user, item=item)
    except DomainError as exc:
        return _refused(request, matter, exc)
    messages.success(request, _("Change removed."))
    return redirect("matters:detail", matter_id=matter.pk)


@matters_page(*READERS)
@require_POST
def matter_edit(request: HttpRequest, matter_id: int) -> HttpResponse:
    matter = _matter(request, matter_id)
    form = MatterEditForm(request.POST)

    def call(form: MatterEditForm) -> None:
        data = form.cleaned_data
        services.matter_update(
            actor=request.user, matter=matter, title=data["title"], reason=data["reason"]
        )

    return _run(request, matter, form, call, _("Saved."), "edit")


@matters_page(*READERS)
@require_POST
def comment_add(request: HttpRequest, matter_id: int) -> HttpResponse:
    matter = _matter(request, matter_id)
    form = CommentForm(request.POST)

    def call(form: CommentForm) -> None:
        services.comment_add(actor=request.user, matter=matter, text=form.cleaned_data["text"])

    return _run(request, matter, form, call, _("Comment added."), "comment")


@matters_page(*READERS)
@require_POST
def attachment_add(request: HttpRequest, matter_id: int) -> HttpResponse:
    matter = _matter(request, matter_id)
    form = AttachmentForm(request.POST, request.FILES)

    def call(form: AttachmentForm) -> None:
        services.attachment_add(actor=request.user, matter=matter, upload=form.cleaned_data["file"])

    return _run(request, matter, form, call, _("File attached."), "attachment")


# --- downloads (audited) -----------------------------------------------------------------------


def file_response(field, name: str, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@matters_page(*READERS)
def attachment_download(request: HttpRequest, matter_id: int, attachment_id: int) -> FileResponse:
    matter = _matter(request, matter_id)
    attachment = matter.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    response = file_response(attachment.file, attachment.name, attachment.content_type)
    record_access(request, "matters.attachment.downloaded", attachment, {"matter": matter.pk})
    return response


@matters_page(*READERS)
def document_download(request: HttpRequest, matter_id: int) -> FileResponse:
    """The decision document (批复) as issued, PDF."""
    matter = _matter(request, matter_id)
    document = matter.document
    if document is None or not document.file:
        raise Http404
    check_clearance(request.user, document, request=request)
    response = file_response(document.file, f"{matter.ref}.pdf", "application/pdf")
    record_access(request, "core.document.downloaded", document, {"matter": matter.pk})
    return response

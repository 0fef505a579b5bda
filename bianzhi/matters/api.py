"""REST routes of establishment matters (mounted at /api/v1/matters): the list, a new matter
with its change set in one transaction, one matter with its before → after preview, the actions
the caller may take and the trail, transitions, and the decision document and attachments.

Staff and bodies' own accounts share these routes (LOGIN plus one of the matters permissions);
which matters a caller sees is `queries.visible_matters`, deny by default, 404 to outsiders.
Refusals come back flat: {"code", "field", "message", "message_en"} (403 forbidden, 409 a
transition or execution that cannot apply, 400 bad input)."""

import dataclasses
from collections.abc import Callable

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from ninja import Query, Router, Status
from ninja.errors import HttpError

from bianzhi.core.audit import record_access
from bianzhi.core.classification import AboveClearance, check_clearance
from bianzhi.core.errors import DomainError, InvalidInput
from bianzhi.core.permissions import api_requires_any
from bianzhi.core.scope import scope_queryset
from bianzhi.orgs.models import Org

from . import changes, queries, services
from .models import Matter, MatterAttachment
from .schemas import (
    MAX_ID,
    DocumentsOut,
    EventOut,
    MatterDetailOut,
    MatterFilterIn,
    MatterIn,
    MatterPage,
    TransitionIn,
)
from .views import DRAFTERS, READERS, matter_page
from .views_detail import EVENT_LABELS, PREVIEWED, file_response
from .workflow import ACTIONS

router = Router(tags=["matters"])


def api_matters(*permissions: str) -> Callable:
    """`api_requires(LOGIN)` plus one of `permissions`, refused (403, audited) otherwise."""
    return api_requires_any(*permissions)


# --- answers -----------------------------------------------------------------------------


def _out(matter: Matter, deadline) -> dict:
    document = matter.document if matter.document_id else None
    return {
        "id": matter.pk,
        "uid": str(matter.uid),
        "ref": matter.ref,
        "type": matter.matter_type,
        "type_label": matter.get_matter_type_display(),
        "title": matter.title,
        "applicant_id": matter.applicant_id,
        "applicant_name": matter.applicant.name,
        "region_code": matter.region_code,
        "node": matter.node.code,
        "node_name": matter.node.name,
        "state": matter.state,
        "state_label": matter.get_state_display(),
        "steps": matter.steps,
        "step": matter.step,
        "current_role": matter.current_role,
        "major": matter.major,
        "classification": matter.classification,
        "deadline": dataclasses.asdict(deadline),
        "created_at": matter.created_at,
        "submitted_at": matter.submitted_at,
        "effective_date": matter.effective_date,
        "document_number": document.number if document else None,
    }


def _timeline(matter: Matter) -> list[dict]:
    rows = []
    for event in matter.events.select_related("actor"):
        action = ACTIONS.get(event.action)
        label = action.label if action else EVENT_LABELS.get(event.action, event.action)
        rows.append(
            {
                "at": event.at,
                "actor": event.actor.username if event.actor else None,
                "action": event.action,
                "action_label": str(label),
                "from_state": event.from_state,
                "to_state": event.to_state,
                "step": event.step,
                "role": event.role,
                "comment": event.comment,
                "data": event.data,
            }
        )
    return rows


def _detail(request, matter: Matter) -> dict:
    items = list(matter.items.select_related("org"))
    lines = changes.describe_items(items)
    preview = changes.preview(matter) if items and matter.state in PREVIEWED else []
    return _out(matter, queries.deadline(matter)) | {
        "reason": matter.reason,
        "decision_text": matter.decision_text,
        "meeting_kind": matter.meeting_kind,
        "meeting_date": matter.meeting_date,
        "decided_on": matter.decided_on,
        "executed_at": matter.executed_at,
        "execution_report": matter.execution_report,
        "items": [
            {
                "seq": item.seq,
                "op": item.op,
                "org_id": item.org_id,
                "params": item.params,
                "description": line,
                "result": item.result,
            }
            for item, line in zip(items, lines, strict=True)
        ],
        "preview": [dataclasses.asdict(body) for body in preview],
        "allowed_actions": [
            {
                "name": action.name,
                "label": str(action.label),
                "needs_comment": action.needs_comment,
                "fields": list(action.fields),
            }
            for action in queries.allowed_actions(request.user, matter)
        ],
        "timeline": _timeline(matter),
    }


# --- routes ------------------------------------------------------------------------------


@router.get("", response=MatterPage, summary="Matters 事项列表")
@api_matters(*READERS)
def matter_list(
    request,
    filters: Query[MatterFilterIn],
    cursor: int | None = Query(
        None, ge=1, le=MAX_ID, description="`next_cursor` of the previous page"
    ),
    limit: int = Query(50, ge=1, le=200),
):
    flt = queries.MatterFilter(
        matter_type=filters.type,
        state=filters.state,
        applicant=filters.applicant,
        overdue=filters.overdue,
        q=filters.q,
    )
    qs = queries.matter_list(request.user, flt).select_related("document")
    rows, next_cursor = matter_page(qs, cursor, size=limit)
    flags = queries.deadlines(rows)
    return {"items": [_out(m, flags[m.pk]) for m in rows], "next_cursor": next_cursor}


def _applicant(user, pk: int) -> Org:
    """The applicant body: one in the clerk's scope, or a body account's own body."""
    if queries.is_staff(user):
        qs = scope_queryset(user, Org.objects.all())
    else:
        qs = Org.objects.filter(pk=user.org_id) if user.org_id else Org.objects.none()
    body = qs.filter(pk=pk).first()
    if body is None:
        raise InvalidInput(
            "申请机构不存在或不在您的管理范围内",
            "no such applicant body in your scope",
            field="applicant",
            code="not_found",
        )
    return body


def _in_item(exc: DomainError, n: int) -> DomainError:
    """The same refusal, its field placed in the item it concerns (items[2].params.count)."""
    field = f"items[{n}].{exc.field}" if exc.field else f"items[{n}]"
    return type(exc)(
        f"第 {n + 1} 项：{exc.message_zh}",
        f"item {n + 1}: {exc.message_en}",
        field=field,
        code=exc.code,
        details=exc.details,
    )


@router.post("", response={201: MatterDetailOut}, summary="Draft a matter with its changes")
@api_matters(*DRAFTERS)
@transaction.atomic
def matter_create(request, data: MatterIn):
    """The draft and every item in one transaction: one refused item and nothing is kept."""
    user = request.user
    matter = services.matter_create(
        actor=user,
        applicant=_applicant(user, data.applicant),
        matter_type=data.type,
        title=data.title,
        reason=data.reason,
        classification=data.classification,
    )
    for n, item in enumerate(data.items):
        try:
            services.item_add(
                actor=user, matter=matter, op=item.op, org=item.org, params=item.params
            )
        except DomainError as exc:
            raise _in_item(exc, n) from exc
    return Status(201, _detail(request, queries.get_matter_or_404(user, matter.pk)))


@router.get("/{int:matter_id}", response=MatterDetailOut, summary="One matter 事项详情")
@api_matters(*READERS)
def matter_detail(request, matter_id: int):
    return _detail(request, queries.get_matter_or_404(request.user, matter_id))


@router.get("/{int:matter_id}/transitions", response=list[EventOut], summary="The trail")
@api_matters(*READERS)
def matter_trail(request, matter_id: int):
    return _timeline(queries.get_matter_or_404(request.user, matter_id))


@router.post("/{int:matter_id}/transitions", response=MatterDetailOut, summary="Take an action")
@api_matters(*READERS)
def matter_transition(request, matter_id: int, data: TransitionIn):
    """Take one action of the state machine (see `allowed_actions` of the matter)."""
    user = request.user
    matter = queries.get_matter_or_404(user, matter_id)
    services.matter_act(
        actor=user,
        matter=matter,
        action=data.action,
        comment=data.comment,
        data=data.data.dict(exclude_none=True),
    )
    return _detail(request, queries.get_matter_or_404(user, matter_id))


@router.get("/{int:matter_id}/documents", response=DocumentsOut, summary="Decision and files")
@api_matters(*READERS)
def matter_documents(request, matter_id: int):
    matter = queries.get_matter_or_404(request.user, matter_id)
    document = matter.document
    decision = None
    if document is not None:
        url = reverse("api:matter_decision_file", kwargs={"matter_id": matter.pk})
        decision = {
            "issuer": document.issuer,
            "number": document.number,
            "title": document.title,
            "issued_on": document.issued_on,
            "effective_date": matter.effective_date,
            "sha256": document.sha256,
            "size": document.size,
            "download_url": url if document.file else None,
        }
    attachments = [
        {
            "id": a.pk,
            "name": a.name,
            "sha256": a.sha256,
            "size": a.size,
            "content_type": a.content_type,
            "uploaded_at": a.uploaded_at,
            "uploaded_by": a.uploaded_by.username,
            "download_url": reverse(
                "api:matter_attachment_file",
                kwargs={"matter_id": matter.pk, "attachment_id": a.pk},
            ),
        }
        for a in matter.attachments.select_related("uploaded_by")
    ]
    return {"document": decision, "attachments": attachments}


@router.get(
    "/{int:matter_id}/documents/decision",
    url_name="matter_decision_file",
    summary="The decision document (PDF), audited",
)
@api_matters(*READERS)
def matter_decision_file(request, matter_id: int):
    matter = queries.get_matter_or_404(request.user, matter_id)
    document = matter.document
    if document is None or not document.file:
        raise Http404
    try:
        check_clearance(request.user, document, request=request)
    except AboveClearance as exc:
        raise HttpError(403, exc.message) from exc
    response = file_response(document.file, f"{matter.ref}.pdf", "application/pdf")
    record_access(request, "core.document.downloaded", document, {"matter": matter.pk})
    return response


@router.get(
    "/{int:matter_id}/attachments/{int:attachment_id}",
    url_name="matter_attachment_file",
    summary="One attachment, audited",
)
@api_matters(*READERS)
def matter_attachment_file(request, matter_id: int, attachment_id: int):
    matter = queries.get_matter_or_404(request.user, matter_id)
    attachment = MatterAttachment.objects.filter(matter=matter, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    response = file_response(attachment.file, attachment.name, attachment.content_type)
    record_access(request, "matters.attachment.downloaded", attachment, {"matter": matter.pk})
    return response

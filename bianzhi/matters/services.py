"""Every write to a matter: drafting, the change set, and the transitions of the declared state
machine (matters.workflow), each checked, recorded in the trail and the journal, and announced
to the people who act next."""

import datetime
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bianzhi.core.calendar import add_working_days, working_days_between
from bianzhi.core.classification import Classification, effective_clearance
from bianzhi.core.errors import DomainError, InvalidInput, InvalidTransition
from bianzhi.core.files import check_upload, file_sha256
from bianzhi.core.journal import journal_record
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.orgs.validation import check_scope

from . import changes
from .decision import decision_issue
from .models import (
    ChangeItem,
    Matter,
    MatterAttachment,
    MatterComment,
    MatterEvent,
    MatterState,
    MatterType,
    Notification,
    ReviewRoute,
)
from .notify import notify_transition
from .queries import handling_node, may_act
from .workflow import ACTIONS, EDITABLE, MEETINGS, Action

S = MatterState


class Forbidden(DomainError):
    """The user may not take this action on this matter (403)."""

    code = "forbidden"


def route_for(node, matter_type: str) -> ReviewRoute:
    """The most specific review route: this node and type, this node, any node and type, any."""
    routes = ReviewRoute.objects.filter(
        Q(node=node) | Q(node__isnull=True), matter_type__in=[matter_type, ""]
    )
    ranked = sorted(routes, key=lambda r: (r.node_id is None, r.matter_type == ""))
    if not ranked:
        raise InvalidInput("未配置审核流程", "no review route is configured", field="matter_type")
    return ranked[0]


def _event(matter, *, actor, action, before, comment="", data=None, step=None, role="") -> None:
    MatterEvent.objects.create(
        matter=matter,
        action=action,
        from_state=before,
        to_state=matter.state,
        step=step,
        role=role,
        comment=comment,
        data=data,
        actor=actor,
    )
    journal_record(
        obj=matter,
        action=f"matters.matter.{VERBS.get(action, action)}",
        actor=actor,
        before={"state": before} if before else None,
        after={"state": matter.state, "step": matter.step, **(data or {})},
        document=matter.document,
        effective_date=matter.effective_date if action == "execute" else None,
    )


def _check_applicant(actor, applicant: Org) -> None:
    if actor.has_perm("matters.apply_matter") and actor.org_id == applicant.pk:
        return
    if actor.has_perm("matters.handle_matter"):
        check_scope(actor, applicant.region_code)
        return
    raise Forbidden(
        "无权为该机构起草事项", "you may not draft matters for this body", field="applicant"
    )


def _check_text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{FIELD_NAMES[field]}不能为空", f"{field} is required", field=field)
    if len(value) > limit:
        raise InvalidInput(
            f"{FIELD_NAMES[field]}不能超过 {limit} 字",
            f"{field} is longer than {limit} characters",
            field=field,
        )
    return value


FIELD_NAMES = {
    "title": "事项名称",
    "reason": "申请理由",
    "comment": "意见",
    "decision_text": "批复意见",
    "meeting_minutes": "会议纪要",
    "signer": "签发人",
    "recipients": "主送机关",
    "copies_to": "抄送机关",
}


@transaction.atomic
def matter_create(
    *,
    actor,
    applicant: Org,
    matter_type: str,
    title: str,
    reason: str = "",
    classification: int = Classification.UNCLASSIFIED,
) -> Matter:
    """Draft a matter for a body: by the body's own account or by a clerk in scope."""
    _check_applicant(actor, applicant)
    if matter_type not in MatterType.values:
        raise InvalidInput(
            f"未知的事项类型“{matter_type}”", f"unknown matter type {matter_type!r}", field="type"
        )
    if applicant.status != OrgStatus.ACTIVE:
        raise InvalidInput(
            f"“{applicant.name}”已撤销", f"{applicant.name!r} is not active", field="applicant"
        )
    if classification not in Classification.values:
        raise InvalidInput("密级无效", "invalid classification", field="classification")
    if classification > effective_clearance(actor):
        raise InvalidInput(
            "密级不能高于您的知悉范围",
            "the classification cannot exceed your clearance",
            field="classification",
        )
    node = handling_node(applicant.region_code)
    if node is None:
        raise InvalidInput(
            "该机构所在地区没有机构编制部门节点",
            "no establishment office handles this body's region",
            field="applicant",
        )
    route = route_for(node, matter_type)
    matter = Matter.objects.create(
        ref=uuid.uuid4().hex,  # temporary (32 characters): the number needs the id, set below
        matter_type=matter_type,
        title=_check_text(title, "title", 200),
        reason=_check_text(reason, "reason", 5000, required=False),
        applicant=applicant,
        region_code=applicant.region_code,
        node=node,
        steps=list(route.steps),
        major=route.major,
        time_limit_days=route.time_limit_days,
        classification=classification,
        created_by=actor,
    )
    matter.ref = f"{node.code}-{timezone.localdate().year}-{matter.pk:06d}"
    matter.save(update_fields=["ref"])
    _event(matter, actor=actor, action="create", before="")
    return matter


def _locked(matter: Matter) -> Matter:
    return Matter.objects.select_related("applicant", "node").select_for_update().get(pk=matter.pk)


def _check_editable(actor, matter: Matter) -> None:
    if matter.state not in EDITABLE:
        raise InvalidTransition(
            "事项已报送，不能修改", "the matter can be edited only as a draft or when returned"
        )
    if not may_act(actor, matter, ACTIONS["withdraw"]):
        raise Forbidden("无权修改该事项", "you may not edit this matter", field="matter")


@transaction.atomic
def matter_update(*, actor, matter: Matter, title: str, reason: str) -> Matter:
    """Edit the title and reasons of a draft or a returned matter."""
    matter = _locked(matter)
    _check_editable(actor, matter)
    before = {"title": matter.title, "reason": matter.reason}
    matter.title = _check_text(title, "title", 200)
    matter.reason = _check_text(reason, "reason", 5000, required=False)
    matter.save(update_fields=["title", "reason", "updated_at"])
    journal_record(
        obj=matter,
        action="matters.matter.edited",
        actor=actor,
        before=before,
        after={"title": matter.title, "reason": matter.reason},
    )
    return matter


@transaction.atomic
def item_add(*, actor, matter: Matter, op: str, org: Org | None, params: dict) -> ChangeItem:
    """Add one proposed change; the change set is checked item by item as it is built."""
    matter = _locked(matter)
    _check_editable(actor, matter)
    org, params = changes.validate_item(actor=actor, matter=matter, op=op, org=org, params=params)
    last = matter.items.order_by("-seq").values_list("seq", flat=True).first() or 0
    item = ChangeItem.objects.create(matter=matter, seq=last + 1, op=op, org=org, params=params)
    journal_record(
        obj=matter,
        action="matters.matter.item_added",
        actor=actor,
        after={"seq": item.seq, "op": op, "org": getattr(org, "pk", None), "params": params},
    )
    return item


@transaction.atomic
def item_remove(*, actor, item: ChangeItem) -> None:
    """Drop one proposed change from a draft or returned matter."""
    matter = _locked(item.matter)
    _check_editable(actor, matter)
    journal_record(
        obj=matter,
        action="matters.matter.item_removed",
        actor=actor,
        before={"seq": item.seq, "op": item.op, "params": item.params},
    )
    item.delete()


# --- transitions -----------------------------------------------------------------------------


def _submit(matter: Matter, actor, data: dict) -> dict:
    if matter.matter_type != MatterType.OTHER and not matter.items.exists():
        raise InvalidInput(
            "请至少填写一项拟变更内容", "the change set is empty", field="items", code="empty"
        )
    if matter.matter_type == MatterType.OTHER and not matter.reason.strip():
        raise InvalidInput("请填写申请理由", "the reasons are required", field="reason")
    matter.submitted_at = timezone.now()
    matter.state = S.SUBMITTED
    return {}


def _accept(matter: Matter, actor, data: dict) -> dict:
    matter.state, matter.step = S.REVIEWING, 0
    matter.due_on = add_working_days(timezone.localdate(), matter.time_limit_days)
    return {"due_on": matter.due_on.isoformat()}


def _refuse(matter: Matter, actor, data: dict) -> dict:
    matter.state = S.REFUSED
    return {}


def _return(matter: Matter, actor, data: dict) -> dict:
    today = timezone.localdate()
    at_step = matter.step if matter.state == S.REVIEWING else -1
    matter.returned_at_step = at_step
    # The clock stops while the applicant completes the file (补正期间不计时).
    left = working_days_between(today, matter.due_on) if matter.due_on else None
    matter.days_left_when_returned = left
    matter.state, matter.due_on = S.RETURNED, None
    return {"returned_at_step": at_step, "days_left": left}


def _resubmit(matter: Matter, actor, data: dict) -> dict:
    if matter.returned_at_step is None or matter.returned_at_step < 0:
        matter.state = S.SUBMITTED
        matter.submitted_at = timezone.now()
        return {}
    matter.state, matter.step = S.REVIEWING, matter.returned_at_step
    left = max(matter.days_left_when_returned or 0, 1)
    matter.due_on = add_working_days(timezone.localdate(), left)
    return {"due_on": matter.due_on.isoformat()}


def _pass(matter: Matter, actor, data: dict) -> dict:
    if matter.step < len(matter.steps) - 1:
        matter.step += 1
        return {}
    if not matter.major:
        raise InvalidTransition(
            "最后一个审核环节应作出批准或不批准决定",
            "the last review step approves or rejects",
        )
    matter.state = S.DELIBERATING
    return {}


def _meeting(matter: Matter, data: dict) -> dict:
    """A major matter is decided at a recorded meeting (编委会议 or 主任会议)."""
    if matter.state != S.DELIBERATING:
        return {}
    kind, day = data.get("meeting_kind") or "", data.get("meeting_date")
    if kind not in MEETINGS:
        raise InvalidInput("请选择审议会议", "choose the deciding meeting", field="meeting_kind")
    if not isinstance(day, datetime.date) or day > timezone.localdate():
        raise InvalidInput(
            "会议日期无效（不能晚于今天）",
            "the meeting date is missing or in the future",
            field="meeting_date",
        )
    matter.meeting_kind, matter.meeting_date = kind, day
    matter.meeting_minutes = _check_text(
        data.get("meeting_minutes", ""), "meeting_minutes", 5000, required=False
    )
    return {"meeting": kind, "meeting_date": day.isoformat()}


def _decide(matter: Matter, actor, state: str, text: str) -> None:
    matter.state, matter.decided_by, matter.decided_on = state, actor, timezone.localdate()
    matter.decision_text = text
    matter.due_on = None


def _approve(matter: Matter, actor, data: dict) -> dict:
    recorded = _meeting(matter, data)
    text = _check_text(data.get("decision_text", ""), "decision_text", 5000, required=False)
    _decide(matter, actor, S.APPROVED, text)
    changes.fingerprint(matter)
    return recorded


def _reject(matter: Matter, actor, data: dict) -> dict:
    recorded = _meeting(matter, data)
    _decide(matter, actor, S.REJECTED, data.get("comment", ""))
    return recorded


def _issue(matter: Matter, actor, data: dict) -> dict:
    document = decision_issue(matter, actor=actor, data=data)
    matter.document, matter.state = document, S.ISSUED
    return {"document": document.number, "sha256": document.sha256}


def _execute(matter: Matter, actor, data: dict) -> dict:
    found = changes.conflicts(matter)
    if found:
        raise DomainError(
            "机构编制现状已变化，变更方案不能执行",
            "the establishment has changed since approval; the change set no longer applies",
            field="items",
            code="conflict",
            details={"conflicts": found},
        )
    changes.apply(
        matter, actor=actor, document=matter.document, effective_date=matter.effective_date
    )
    matter.state, matter.executed_at, matter.execution_report = S.EXECUTED, timezone.now(), None
    return {}


def _file(matter: Matter, actor, data: dict) -> dict:
    higher = handling_node(matter.node.region_code, above=True)
    if higher is None:
        raise InvalidInput(
            "没有上级机构编制部门可备案",
            "there is no higher-level office to file with",
            field="filed_with",
        )
    matter.filed_with, matter.filed_at, matter.state = higher, timezone.now(), S.FILED
    return {"filed_with": higher.code}


def _acknowledge(matter: Matter, actor, data: dict) -> dict:
    matter.filing_acknowledged_at = timezone.now()
    return {}


def _withdraw(matter: Matter, actor, data: dict) -> dict:
    matter.state, matter.due_on = S.WITHDRAWN, None
    return {}


EFFECTS: dict[str, Callable[[Matter, object, dict], dict]] = {
    "submit": _submit,
    "accept": _accept,
    "refuse": _refuse,
    "return": _return,
    "resubmit": _resubmit,
    "pass": _pass,
    "approve": _approve,
    "reject": _reject,
    "issue": _issue,
    "execute": _execute,
    "file": _file,
    "acknowledge": _acknowledge,
    "withdraw": _withdraw,
}
# Journal verbs (the action code's last part) where the action name is not already a verb.
VERBS = {
    "create": "created",
    "submit": "submitted",
    "accept": "accepted",
    "refuse": "refused",
    "return": "returned",
    "resubmit": "resubmitted",
    "pass": "passed",  # nosec B105  # the review action "pass", not a password
    "approve": "approved",
    "reject": "rejected",
    "issue": "issued",
    "execute": "executed",
    "file": "filed",
    "acknowledge": "acknowledged",
    "withdraw": "withdrawn",
    "execute_failed": "execution_failed",
}


def _check_action(actor, matter: Matter, name: str) -> Action:
    action = ACTIONS.get(name)
    if action is None:
        raise InvalidInput(f"未知的操作“{name}”", f"unknown action {name!r}", field="action")
    if matter.state not in action.sources:
        raise InvalidTransition(
            f"事项处于“{MatterState(matter.state).label}”状态，不能“{action.label}”",
            f"a matter in state {matter.state!r} cannot take the action {name!r}",
            field="action",
        )
    if name == "pass" and matter.at_last_step and not matter.major:
        raise InvalidTransition(
            "最后一个审核环节应作出批准或不批准决定",
            "the last review step of an ordinary matter approves or rejects",
            field="action",
        )
    if not may_act(actor, matter, action):
        raise Forbidden(
            f"您无权对该事项执行“{action.label}”",
            f"you may not take the action {name!r} on this matter now",
            field="action",
        )
    return action


@transaction.atomic
def _act(*, actor, matter: Matter, name: str, comment: str, data: dict) -> Matter:
    matter = _locked(matter)
    if name == "execute" and matter.state in (S.EXECUTED, S.FILED):
        return matter  # executing twice changes nothing more
    action = _check_action(actor, matter, name)
    comment = _check_text(comment, "comment", 2000, required=action.needs_comment)
    before, step, role = matter.state, matter.step, matter.current_role or ""
    recorded = EFFECTS[name](matter, actor, data | {"comment": comment})
    matter.save()
    _event(
        matter,
        actor=actor,
        action=name,
        before=before,
        comment=comment,
        data=recorded or None,
        step=step if before == S.REVIEWING else None,
        role=role,
    )
    notify_transition(matter, action=name, actor=actor)
    return matter


def _record_failed_execution(actor, matter: Matter, exc: DomainError) -> None:
    """Keep the conflict report of a refused execution, outside the rolled-back transaction."""
    report = {**exc.as_dict(), "at": timezone.now().isoformat()}
    with transaction.atomic():
        matter = _locked(matter)
        matter.execution_report = report
        matter.save(update_fields=["execution_report", "updated_at"])
        _event(
            matter,
            actor=actor,
            action="execute_failed",
            before=matter.state,
            data={"code": exc.code, "details": exc.details},
        )


def matter_act(*, actor, matter: Matter, action: str, comment: str = "", data=None) -> Matter:
    """Take one action of the state machine; illegal transitions and unauthorised actors are
    refused, and a refused execution leaves its conflict report on the matter."""
    try:
        return _act(actor=actor, matter=matter, name=action, comment=comment, data=data or {})
    except DomainError as exc:
        if action == "execute" and not isinstance(exc, (Forbidden, InvalidTransition)):
            _record_failed_execution(actor, matter, exc)
        raise


# --- comments, attachments, notifications ------------------------------------------------------


def _check_participant(actor, matter: Matter) -> None:
    """Comments and files come from the applicant side or the handling office, while the matter
    is still open."""
    from .queries import is_staff

    own_body = actor.has_perm("matters.apply_matter") and actor.org_id == matter.applicant_id
    office = is_staff(actor) and actor.node_id == matter.node_id
    if not (own_body or office):
        raise Forbidden("无权参与办理该事项", "you do not take part in this matter", field="matter")
    if matter.state in (S.REFUSED, S.REJECTED, S.WITHDRAWN, S.FILED):
        raise InvalidTransition("事项已办结", "the matter is closed", field="matter")


@transaction.atomic
def comment_add(*, actor, matter: Matter, text: str) -> MatterComment:
    """Add a comment to the matter's discussion."""
    matter = _locked(matter)
    _check_participant(actor, matter)
    comment = MatterComment.objects.create(
        matter=matter, author=actor, text=_check_text(text, "comment", 2000)
    )
    journal_record(
        obj=matter, action="matters.matter.commented", actor=actor, after={"comment": comment.pk}
    )
    return comment


@transaction.atomic
def attachment_add(*, actor, matter: Matter, upload: UploadedFile) -> MatterAttachment:
    """Store a file with the matter: an accepted type by name and content, within the size
    limit, with its SHA-256."""
    matter = _locked(matter)
    _check_participant(actor, matter)
    content_type = check_upload(upload, settings.MATTER_ATTACHMENT_MAX_BYTES)
    attachment = MatterAttachment(
        matter=matter,
        name=Path(upload.name or "file").name[:200],
        sha256=file_sha256(upload),
        size=upload.size,
        content_type=content_type,
        uploaded_by=actor,
    )
    attachment.file = upload
    attachment.save()
    journal_record(
        obj=matter,
        action="matters.matter.attached",
        actor=actor,
        after={"attachment": attachment.pk, "name": attachment.name, "sha256": attachment.sha256},
    )
    return attachment


def notifications_read(*, actor, ids: list[int] | None = None) -> int:
    """Mark the user's notifications (all, or the given ones) as read."""
    qs = Notification.objects.filter(user=actor, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())

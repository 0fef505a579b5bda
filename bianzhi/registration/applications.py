"""Writes of registration applications: draft, materials, and every step of the declared
workflow (workflow.py). Approval updates the registry through its services with the numbered
registration decision as the cited document; certification issues the certificate and
publishes the notice."""

import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from bianzhi.core.calendar import add_working_days
from bianzhi.core.documents import document_register
from bianzhi.core.errors import Conflict, DomainError, InvalidInput, InvalidTransition
from bianzhi.core.files import check_upload, file_sha256
from bianzhi.core.journal import journal_record
from bianzhi.core.numbering import document_number_take
from bianzhi.core.scope import region_in_scope
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.orgs.validation import INSTITUTION, OrgSpec

from . import notify, numbers, rules, services
from .codes import credit_code_allocate
from .models import (
    REGISTERED_ITEMS,
    Application,
    ApplicationAttachment,
    ApplicationEvent,
    ApplicationKind,
    ApplicationState,
    Institution,
    InstitutionStatus,
    NoticeKind,
)
from .workflow import ACTIONS, EDITABLE_STATES, FINAL_STATES, Action

K, S = ApplicationKind, ApplicationState
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class Forbidden(DomainError):
    """The user may not take this action on this application (403)."""

    code = "forbidden"


def _today() -> datetime.date:
    return timezone.localdate()


def _state(app: Application) -> dict:
    return {"number": app.number, "kind": app.kind, "state": app.state, "flags": app.flags}


def _event(app: Application, *, actor, action: str, before: str, comment="", data=None) -> None:
    ApplicationEvent.objects.create(
        application=app,
        action=action,
        state_before=before,
        state_after=app.state,
        actor=actor,
        comment=comment,
        data=data or {},
    )


# --- who may act ------------------------------------------------------------------------------


def is_own(actor, app: Application) -> bool:
    """The institution's own account, or the user who drafted the application."""
    if app.applicant_id == actor.pk:
        return True
    if not actor.has_perm("registration.apply_application") or actor.org_id is None:
        return False
    body = app.institution.org_id if app.institution_id else app.org_id
    return body == actor.org_id


def is_registrar(actor, app: Application, perm: str) -> bool:
    return (
        actor.has_perm(perm)
        and actor.node_id == app.registrar_id
        and region_in_scope(actor, app.region_code)
    )


def may(actor, app: Application, action: Action) -> bool:
    if action.who == "applicant":
        return is_own(actor, app)
    if action.who == "handler":
        return is_registrar(actor, app, "registration.handle_application")
    return is_registrar(actor, app, "registration.approve_application") and (
        app.reviewer_id != actor.pk
    )


def allowed_actions(actor, app: Application) -> list[Action]:
    return [a for a in ACTIONS.values() if app.state in a.sources and may(actor, app, a)]


# --- drafting ---------------------------------------------------------------------------------


def _subject_body(kind: str, institution, org) -> tuple:
    """The body applied for and its region (None for a new body still to be set up)."""
    if kind != K.ESTABLISH:
        if institution is None:
            raise InvalidInput(
                "应选择已登记的单位", "choose a registered body", field="institution"
            )
        if institution.status != InstitutionStatus.REGISTERED:
            raise InvalidTransition(
                "该单位的登记已经注销或撤销", "the registration has ended", field="institution"
            )
        return institution.org, institution.region_code
    if institution is not None:
        raise InvalidInput("设立登记不针对已登记单位", "not for a registered body", field="kind")
    if org is None:
        return None, None
    if org.category != INSTITUTION or org.status != OrgStatus.ACTIVE:
        raise InvalidInput(
            "应为在册的事业单位", "must be an active public institution", field="org"
        )
    if hasattr(org, "registration"):
        raise Conflict("该单位已经登记", "the body is already registered", field="org")
    return org, org.region_code


def _check_subject(actor, kind: str, institution, org) -> tuple:
    """The registrar node and region, after checking the actor may apply for this body."""
    body, region = _subject_body(kind, institution, org)
    registrar = institution.registrar if institution else actor.node
    if actor.has_perm("registration.apply_application") and actor.org_id is not None:
        if body is None or body.pk != actor.org_id:
            raise Forbidden("只能为本单位申请", "you may apply for your own body only", field="org")
    elif actor.has_perm("registration.handle_application"):
        if region is not None and not region_in_scope(actor, region):
            raise Forbidden("该单位不在您的管辖范围", "the body is outside your scope", field="org")
    else:
        raise Forbidden("无权申请登记", "you may not apply for registration", field="kind")
    if registrar is None:
        raise InvalidInput("没有登记管理机关", "no registration authority", field="registrar")
    return registrar, region or registrar.region_code


def establishing_matter(org: Org):
    """The executed establishment matter whose decision set the body up, if one did: the
    registration cites it as the establishment decision that came first."""
    from bianzhi.matters.models import Matter
    from bianzhi.orgs.models import OrgVersion

    first = OrgVersion.objects.filter(org=org).order_by("valid_from", "id").first()
    if first is None or first.document_id is None:
        return None
    return Matter.objects.filter(document_id=first.document_id).first()


@transaction.atomic
def application_create(
    *,
    actor,
    kind: str,
    institution: Institution | None = None,
    org: Org | None = None,
    data: dict | None = None,
    event_date: datetime.date | None = None,
    move_date: datetime.date | None = None,
) -> Application:
    """Draft an application; one open application per institution at a time."""
    if kind not in K.values:
        raise InvalidInput("申请类型无效", "unknown kind of application", field="kind")
    registrar, region = _check_subject(actor, kind, institution, org)
    open_apps = Application.objects.exclude(state__in=FINAL_STATES)
    if institution is not None and open_apps.filter(institution=institution).exists():
        raise Conflict(
            "该单位已有办理中的登记申请", "the body has an open application", field="institution"
        )
    if org is not None and open_apps.filter(org=org).exists():
        raise Conflict(
            "该单位已有办理中的登记申请", "the body has an open application", field="org"
        )
    app = Application.objects.create(
        number=numbers.application_number(registrar, _today().year),
        kind=kind,
        institution=institution,
        org=org,
        matter=establishing_matter(org) if org is not None else None,
        registrar=registrar,
        region_code=region,
        applicant=actor,
        data=_clean_data(data or {}),
        event_date=event_date,
        move_date=move_date,
    )
    _event(app, actor=actor, action="created", before="")
    journal_record(
        obj=app, action="registration.application.created", actor=actor, after=_state(app)
    )
    return app


def _clean_data(data: dict) -> dict:
    """Strip text and keep JSON-safe values; checking is `rules.check_application`'s job."""
    if not isinstance(data, dict):
        raise InvalidInput("申请内容应为对象", "application data must be an object", field="data")
    clean = {}
    for key, value in data.items():
        if isinstance(value, dict):
            clean[key] = _clean_data(value)
        elif isinstance(value, str):
            clean[key] = value.strip()
        elif value is None or isinstance(value, bool | int | float):
            clean[key] = value
        else:
            clean[key] = str(value)
    return clean


def _locked(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def _check_editable(actor, app: Application) -> None:
    if app.state not in EDITABLE_STATES:
        raise InvalidTransition(
            "只有草稿或退回补正的申请可以修改",
            "only a draft or a returned application can be edited",
            field="state",
        )
    if not is_own(actor, app) and not is_registrar(actor, app, "registration.handle_application"):
        raise Forbidden("无权修改该申请", "you may not edit this application", field="application")


@transaction.atomic
def application_update(
    *,
    actor,
    application: Application,
    data: dict,
    event_date: datetime.date | None = None,
    move_date: datetime.date | None = None,
) -> Application:
    """Save the draft's content (errors are shown, not refused, until submission)."""
    app = _locked(application)
    _check_editable(actor, app)
    before = {"data": app.data}
    app.data = _clean_data(data)
    app.event_date, app.move_date = event_date, move_date
    app.save(update_fields=["data", "event_date", "move_date", "updated_at"])
    journal_record(
        obj=app,
        action="registration.application.edited",
        actor=actor,
        before=before,
        after={"data": app.data},
    )
    return app


@transaction.atomic
def attachment_add(
    *, actor, application: Application, kind: str, upload: UploadedFile
) -> ApplicationAttachment:
    """Attach one material (PDF, OFD, Word, Excel, WPS, JPEG or PNG; 20 MB at most)."""
    app = _locked(application)
    _check_editable(actor, app)
    if kind not in rules.MATERIALS:
        raise InvalidInput("材料类型无效", "unknown kind of material", field="kind")
    check_upload(upload, MAX_ATTACHMENT_BYTES, field="file")
    sha256 = file_sha256(upload)
    attachment = ApplicationAttachment.objects.create(
        application=app,
        kind=kind,
        name=upload.name[:200],
        file=upload,
        sha256=sha256,
        size=upload.size,
        uploaded_by=actor,
    )
    journal_record(
        obj=app,
        action="registration.application.attached",
        actor=actor,
        after={"kind": kind, "name": attachment.name, "sha256": sha256},
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: ApplicationAttachment) -> None:
    app = _locked(attachment.application)
    _check_editable(actor, app)
    journal_record(
        obj=app,
        action="registration.application.removed",
        actor=actor,
        before={"kind": attachment.kind, "name": attachment.name, "sha256": attachment.sha256},
    )
    attachment.delete()


# --- the workflow steps -----------------------------------------------------------------------


def _submit(app: Application, actor, today: datetime.date) -> None:
    errors = rules.check_application(app, today)
    if errors:
        first = errors[0]
        raise InvalidInput(
            first["message"], first["message_en"], field=first["field"], details={"errors": errors}
        )
    if app.submitted_on is None:  # the time limits count from the first submission
        app.flags = rules.change_flags(app, today)
    app.submitted_on = today
    app.submitted_at = timezone.now()
    app.accept_due_on = add_working_days(today, rules.ACCEPT_DAYS)


def _accept(app: Application, actor, today: datetime.date) -> None:
    app.accepted_on = today
    app.due_on = add_working_days(today, rules.DECISION_DAYS)


def _examine(app: Application, actor, today: datetime.date, opinion: str) -> None:
    if opinion not in {"approve", "reject"}:
        raise InvalidInput(
            "审查意见应为拟核准或拟驳回", "the opinion is approve or reject", field="opinion"
        )
    app.opinion = opinion
    app.reviewer = actor


def _decision(app: Application, actor, today: datetime.date, name: str):
    _n, number = document_number_take(node=app.registrar, year=today.year)
    kind = {K.ESTABLISH: "设立", K.CHANGE: "变更", K.CANCEL: "注销", K.REPLACE: "补（换）发证书"}
    title = f"关于准予{name}{kind[app.kind]}登记的决定"
    return document_register(
        actor=actor, issuer=app.registrar.name, number=number, issued_on=today, title=title
    )


def _items(raw: dict) -> dict:
    items = {field: raw.get(field) for field in REGISTERED_ITEMS if field in raw}
    if "capital" in items:
        items["capital"] = rules.parse_capital(items["capital"])
    return items


def _approve_establish(app: Application, actor, today: datetime.date) -> None:
    items = _items(app.data.get("items") or {})
    app.decision = _decision(app, actor, today, items["name"])
    org = app.org
    if org is None:  # the registry's own service records the new body with its new code
        code = credit_code_allocate(
            registrar=app.registrar, region_code=app.region_code, application=app
        )
        spec = OrgSpec(
            name=items["name"],
            category=INSTITUTION,
            region_code=app.region_code,
            pi_class=str(app.data.get("pi_class", "")),
            funding_form=items["funding_source"],
            credit_code=code,
        )
        org = orgs.org_establish(
            actor=actor, spec=spec, document=app.decision, effective_date=today
        )
        app.org = org
    app.institution = services.institution_register(
        actor=actor,
        org=org,
        items=items,
        registrar=app.registrar,
        registered_on=today,
        application=app,
        document=app.decision,
    )


def _approve_change(app: Application, actor, today: datetime.date) -> None:
    institution = app.institution
    changes = _items(app.data.get("changes") or {})
    app.data = {**app.data, "before": {f: institution.items()[f] for f in changes}}
    app.decision = _decision(app, actor, today, institution.name)
    if "name" in changes:
        orgs.org_rename(
            actor=actor,
            org=institution.org,
            name=changes["name"],
            document=app.decision,
            effective_date=today,
        )
    services.institution_change_items(
        actor=actor,
        institution=institution,
        changes=changes,
        effective_date=today,
        application=app,
        document=app.decision,
    )


def _approve_cancel(app: Application, actor, today: datetime.date) -> None:
    institution = app.institution
    app.decision = _decision(app, actor, today, institution.name)
    services.institution_end(
        actor=actor,
        institution=institution,
        status=InstitutionStatus.CANCELLED,
        on=today,
        document=app.decision,
        reason=f"注销登记（{app.number}）",
    )
    org = institution.org
    if org.status == OrgStatus.ACTIVE:
        orgs.org_abolish(actor=actor, org=org, document=app.decision, effective_date=today)


def _approve(app: Application, actor, today: datetime.date) -> None:
    app.decider, app.decided_on = actor, today
    if app.kind == K.ESTABLISH:
        _approve_establish(app, actor, today)
    elif app.kind == K.CHANGE:
        _approve_change(app, actor, today)
    elif app.kind == K.CANCEL:
        _approve_cancel(app, actor, today)
    else:
        app.decision = _decision(app, actor, today, app.institution.name)


NOTICE_KINDS = {
    K.ESTABLISH: (NoticeKind.ESTABLISH, "设立登记公告"),
    K.CHANGE: (NoticeKind.CHANGE, "变更登记公告"),
    K.CANCEL: (NoticeKind.CANCEL, "注销登记公告"),
    K.REPLACE: (NoticeKind.REPLACE, "证书作废公告"),
}


def _certify(app: Application, actor, today: datetime.date) -> dict:
    """Issue the certificate (or take it back on cancellation) and publish the notice."""
    institution = Institution.objects.get(pk=app.institution_id)
    body = services.public_items(institution)
    replaced = None
    if app.kind != K.CANCEL:
        old = institution.certificates.filter(status="valid").first()
        certificate = services.certificate_issue(
            actor=actor, institution=institution, issued_on=today, application=app
        )
        replaced = old.number if old else None
        body["certificate"] = certificate.number
    if app.kind == K.CHANGE:
        before = app.data.get("before") or {}
        body["changes"] = {f: {"before": before.get(f), "after": body[f]} for f in before}
    if app.kind == K.CANCEL:
        body["cancelled_on"] = institution.ended_on.isoformat()
    if replaced:
        body["void_certificate"] = replaced
    kind, label = NOTICE_KINDS[app.kind]
    notice = services.notice_publish(
        actor=actor,
        institution=institution,
        kind=kind,
        title=f"{institution.name}{label}",
        body=body,
        application=app,
    )
    facts = {"notice": notice.number, "certificate": body.get("certificate"), "void": replaced}
    return {key: value for key, value in facts.items() if value}


VERBS = {
    "submit": "submitted",
    "withdraw": "withdrawn",
    "return": "returned",
    "accept": "accepted",
    "refuse": "refused",
    "examine": "examined",
    "approve": "approved",
    "reject": "rejected",
    "certify": "certified",
}


def _check_action(actor, app: Application, name: str, comment: str) -> Action:
    action = ACTIONS.get(name)
    if action is None:
        raise InvalidInput("未知的操作", "unknown action", field="action")
    if app.state not in action.sources:
        raise InvalidTransition(
            f"“{app.get_state_display()}”状态下不能“{action.label}”",
            f"cannot {name} an application that is {app.state}",
            field="action",
        )
    if not may(actor, app, action):
        own_review = action.who == "approver" and app.reviewer_id == actor.pk
        zh = "审查人不能核准自己审查的申请" if own_review else "无权进行该操作"
        raise Forbidden(zh, f"you may not {name} this application", field="action")
    if action.needs_comment and not comment.strip():
        raise InvalidInput("请填写意见或理由", "a comment is required", field="comment")
    return action


@transaction.atomic
def application_act(
    *,
    actor,
    application: Application,
    action: str,
    comment: str = "",
    opinion: str = "",
    today: datetime.date | None = None,
) -> Application:
    """Take one step of the workflow (locked row; illegal steps raise InvalidTransition)."""
    today = today or _today()
    app = _locked(application)
    step = _check_action(actor, app, action, comment)
    before, data = app.state, {}
    if action == "submit":
        _submit(app, actor, today)
    elif action == "accept":
        _accept(app, actor, today)
    elif action == "examine":
        _examine(app, actor, today, opinion)
        data = {"opinion": opinion}
    elif action == "approve":
        _approve(app, actor, today)
    elif action in {"refuse", "reject"}:
        app.decider, app.decided_on = actor, today
    if action in {"return", "refuse", "reject"}:
        app.remarks = comment.strip()
    app.state = step.target
    if action == "certify":
        data = _certify(app, actor, today)
    app.save()
    _event(app, actor=actor, action=action, before=before, comment=comment.strip(), data=data)
    verb = VERBS[action]
    journal_record(
        obj=app,
        action=f"registration.application.{verb}",
        actor=actor,
        before={"state": before},
        after={**_state(app), **data},
        document=app.decision if action == "approve" else None,
        effective_date=today,
    )
    if action == "certify":
        publish_before = app.state
        app.state = S.PUBLISHED
        app.save(update_fields=["state", "updated_at"])
        _event(app, actor=actor, action="publish", before=publish_before, data=data)
        journal_record(
            obj=app,
            action="registration.application.published",
            actor=actor,
            before={"state": publish_before},
            after=_state(app),
        )
    notify.notify_step(app, action=action, actor=actor)
    return app

"""Writes of supervision: 双随机 draws reproducible from their recorded seed, inspection
results, and penalties (警告, 暂扣证书, 撤销登记) with their numbered decision documents. The
register's own writes (certificate status, end of registration, notices) are
registration.services, called in the same transaction."""

import datetime
import random
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bianzhi.accounts.queries import users_holding
from bianzhi.core.documents import document_register
from bianzhi.core.errors import DomainError, InvalidInput, InvalidTransition
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Node
from bianzhi.core.numbering import document_number_take
from bianzhi.matters.models import Notification
from bianzhi.registration import services as register
from bianzhi.registration.models import (
    Certificate,
    CertificateStatus,
    Institution,
    InstitutionStatus,
    NoticeKind,
)

from . import decision
from .models import (
    Inspection,
    InspectionDraw,
    InspectionResult,
    InspectionState,
    Penalty,
    PenaltyKind,
)

MANAGE = "supervision.manage_inspection"
DECIDE = "supervision.decide_penalty"
SEED_LIMIT = 2**64
TITLE_MAX = 200
REASON_MAX = 2000
FINDINGS_MAX = 5000


class Forbidden(DomainError):
    """The user may not take this action here (403)."""

    code = "forbidden"


def _text(value: str, field: str, limit: int, zh: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{zh}不能为空", f"{field} is required", field=field)
    if len(value) > limit:
        raise InvalidInput(
            f"{zh}不能超过 {limit} 个字", f"{field} is longer than {limit} characters", field=field
        )
    return value


def _not_future(day: datetime.date | None, field: str, zh: str) -> datetime.date:
    if not isinstance(day, datetime.date):
        raise InvalidInput(f"{zh}不能为空", f"{field} is required", field=field)
    if day > timezone.localdate():
        raise InvalidInput(f"{zh}不能晚于今天", f"{field} cannot be in the future", field=field)
    return day


def _holders(node: Node, perm: str) -> QuerySet:
    """Active users at the node holding `perm` through a role or on their own."""
    return users_holding(perm, node=node)


def _check_office(actor, perm: str, node_id: int | None, zh: str, en: str) -> None:
    if actor is None or not actor.has_perm(perm) or actor.node_id is None:
        raise Forbidden(zh, en, field="actor")
    if node_id is not None and actor.node_id != node_id:
        raise Forbidden(zh, en, field="actor")


# --- 双随机 draws --------------------------------------------------------------------------


def draw_pools(node: Node) -> tuple[list[int], list[int]]:
    """The ids a draw at `node` considers: its registered institutions and its inspectors."""
    institutions = Institution.objects.filter(registrar=node, status=InstitutionStatus.REGISTERED)
    pool = list(institutions.order_by("id").values_list("id", flat=True))
    inspectors = sorted(_holders(node, MANAGE).values_list("id", flat=True))
    return pool, inspectors


def draw_picks(
    pool: list[int], inspector_pool: list[int], seed: str, count: int, per: int
) -> list[tuple[int, list[int]]]:
    """The institutions, in draw order, each with its inspectors (sorted): the institutions
    first, then the inspectors of each, from one generator seeded with `seed`."""
    # Reproducible from the recorded seed by design; the seed itself comes from `secrets`.
    rng = random.Random(int(seed))  # nosec B311  # a draw to replay, not a secret
    institutions = rng.sample(list(pool), count)
    return [(pk, sorted(rng.sample(list(inspector_pool), per))) for pk in institutions]


def draw_replay(draw: InspectionDraw) -> list[tuple[int, list[int]]]:
    """The picks recomputed from the draw's recorded pools and seed."""
    return draw_picks(
        draw.pool,
        draw.inspector_pool,
        draw.seed,
        draw.institution_count,
        draw.inspectors_per_institution,
    )


def draw_stored(draw: InspectionDraw) -> list[tuple[int, list[int]]]:
    """The picks as stored: the draw's inspections in the order they were created."""
    inspections = draw.inspections.order_by("id").prefetch_related("inspectors")
    return [(i.institution_id, sorted(u.pk for u in i.inspectors.all())) for i in inspections]


def _seed(seed: str | int | None) -> str:
    if seed is None or seed == "":
        return str(secrets.randbits(64))
    text = str(seed).strip()
    if not text.isdigit() or int(text) >= SEED_LIMIT:
        raise InvalidInput(
            "随机种子应为 0 至 2⁶⁴−1 之间的整数",
            "the seed must be a whole number from 0 to 2^64 - 1",
            field="seed",
        )
    return str(int(text))


def _count(value, field: str, zh: str, available: int, what_zh: str, what_en: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"{zh}应为正整数", f"{field} must be a positive number", field=field)
    if value > available:
        raise InvalidInput(
            f"{zh}（{value}）超过了{what_zh}（{available}）",
            f"{field} ({value}) is more than the {what_en} ({available})",
            field=field,
        )
    return value


@transaction.atomic
def draw_create(
    *,
    actor,
    title: str,
    year: int,
    institution_count: int,
    inspectors_per_institution: int,
    seed: str | int | None = None,
) -> InspectionDraw:
    """Draw institutions registered at the actor's node and inspectors of the node at random
    (双随机), from a seed that is recorded with both pools; plan one inspection per pick."""
    _check_office(actor, MANAGE, None, "无权组织抽查", "you may not draw inspections")
    title = _text(title, "title", TITLE_MAX, "标题")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("年度无效", "the year must be between 2000 and 2100", field="year")
    pool, inspector_pool = draw_pools(actor.node)
    count = _count(
        institution_count,
        "institution_count",
        "抽取单位数",
        len(pool),
        "本机关已登记的单位数",
        "number of institutions registered here",
    )
    per = _count(
        inspectors_per_institution,
        "inspectors_per_institution",
        "每单位检查人员数",
        len(inspector_pool),
        "本机关的检查人员数",
        "number of inspectors here",
    )
    draw = InspectionDraw.objects.create(
        registrar=actor.node,
        title=title,
        year=year,
        seed=_seed(seed),
        institution_count=count,
        inspectors_per_institution=per,
        pool=pool,
        inspector_pool=inspector_pool,
        drawn_by=actor,
    )
    picks = draw_replay(draw)
    for institution_id, inspector_ids in picks:
        _plan(actor, draw, institution_id, inspector_ids)
    journal_record(
        obj=draw,
        action="supervision.inspectiondraw.drawn",
        actor=actor,
        after={
            "title": title,
            "year": year,
            "seed": draw.seed,
            "pool": len(pool),
            "inspector_pool": len(inspector_pool),
            "picks": [[pk, ids] for pk, ids in picks],
        },
    )
    _notify_inspectors(draw, picks)
    return draw


def _plan(actor, draw: InspectionDraw, institution_id: int, inspector_ids: list[int]) -> None:
    inspection = Inspection.objects.create(draw=draw, institution_id=institution_id)
    inspection.inspectors.set(inspector_ids)
    journal_record(
        obj=inspection,
        action="supervision.inspection.assigned",
        actor=actor,
        after={"institution": institution_id, "inspectors": inspector_ids, "draw": draw.pk},
    )


def _notify_inspectors(draw: InspectionDraw, picks: list[tuple[int, list[int]]]) -> None:
    count: dict[int, int] = {}
    for _pk, inspector_ids in picks:
        for user_id in inspector_ids:
            count[user_id] = count.get(user_id, 0) + 1
    Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            url=f"/supervision/draws/{draw.pk}/",
            action="inspect",
            message=f"{draw.title}：请检查 {n} 个单位"[:300],
        )
        for user_id, n in sorted(count.items())
    )


# --- inspection results --------------------------------------------------------------------


def _check_recorder(actor, inspection: Inspection) -> None:
    if actor is not None and inspection.inspectors.filter(pk=actor.pk).exists():
        return
    _check_office(
        actor,
        MANAGE,
        inspection.institution.registrar_id,
        "只有本次检查的检查人员或登记管理机关的检查人员可以记录结果",
        "only the inspection's inspectors or inspectors of the registration authority may "
        "record its result",
    )


def _check_rectify(result: str, inspected_on: datetime.date, rectify_by) -> None:
    if result != InspectionResult.RECTIFY:
        if rectify_by is not None:
            raise InvalidInput(
                "只有限期整改才有整改期限",
                "only a result of rectify has a time limit",
                field="rectify_by",
            )
        return
    if not isinstance(rectify_by, datetime.date):
        raise InvalidInput(
            "限期整改须写明整改期限", "rectify needs a time limit", field="rectify_by"
        )
    if rectify_by <= inspected_on:
        raise InvalidInput(
            "整改期限应晚于检查日期",
            "the time limit must be after the inspection date",
            field="rectify_by",
        )


@transaction.atomic
def inspection_record(
    *,
    actor,
    inspection: Inspection,
    inspected_on: datetime.date,
    findings: str,
    result: str,
    rectify_by: datetime.date | None = None,
) -> Inspection:
    """Record what a planned inspection found: the date, the findings and the result (限期整改
    with a time limit after the inspection); recorded once."""
    inspection = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("institution", "draw")
        .get(pk=inspection.pk)
    )
    _check_recorder(actor, inspection)
    if inspection.state != InspectionState.PLANNED:
        raise InvalidTransition(
            "该检查已经记录结果", "the inspection's result is already recorded", field="state"
        )
    inspected_on = _not_future(inspected_on, "inspected_on", "检查日期")
    if inspection.draw and inspected_on < timezone.localdate(inspection.draw.drawn_at):
        raise InvalidInput(
            "检查日期不能早于抽取日期",
            "the inspection cannot be before the draw",
            field="inspected_on",
        )
    findings = _text(findings, "findings", FINDINGS_MAX, "检查情况")
    if result not in InspectionResult.values:
        raise InvalidInput("检查结果无效", "invalid result", field="result")
    _check_rectify(result, inspected_on, rectify_by)
    inspection.state = InspectionState.DONE
    inspection.inspected_on = inspected_on
    inspection.findings = findings
    inspection.result = result
    inspection.rectify_by = rectify_by
    inspection.recorded_by = actor
    inspection.recorded_at = timezone.now()
    inspection.save()
    journal_record(
        obj=inspection,
        action="supervision.inspection.recorded",
        actor=actor,
        before={"state": InspectionState.PLANNED},
        after={
            "state": inspection.state,
            "result": result,
            "rectify_by": rectify_by.isoformat() if rectify_by else None,
        },
        effective_date=inspected_on,
    )
    return inspection


# --- penalties -----------------------------------------------------------------------------


def _check_penalty_input(
    institution: Institution, kind: str, decided_on, suspend_until, inspection
) -> None:
    if institution.status == InstitutionStatus.REVOKED:
        raise InvalidTransition(
            "该单位已被撤销登记，不能再给予处罚",
            "a revoked institution cannot be penalised again",
            field="institution",
        )
    if institution.status != InstitutionStatus.REGISTERED:
        raise InvalidTransition(
            "该单位已注销登记", "the institution's registration is cancelled", field="institution"
        )
    if kind not in PenaltyKind.values:
        raise InvalidInput("处罚种类无效", "invalid kind of penalty", field="kind")
    _not_future(decided_on, "decided_on", "决定日期")
    if decided_on < institution.registered_on:
        raise InvalidInput(
            "决定日期不能早于登记日期",
            "the decision cannot be before the registration",
            field="decided_on",
        )
    if kind == PenaltyKind.SUSPEND:
        if not isinstance(suspend_until, datetime.date) or suspend_until <= decided_on:
            raise InvalidInput(
                "暂扣证书须写明晚于决定日期的暂扣截止日期",
                "a suspension needs an end date after the decision",
                field="suspend_until",
            )
    elif suspend_until is not None:
        raise InvalidInput(
            "只有暂扣证书才有暂扣截止日期",
            "only a suspension has an end date",
            field="suspend_until",
        )
    if inspection is not None and inspection.institution_id != institution.pk:
        raise InvalidInput(
            "所引检查不是对该单位的检查",
            "the inspection is of another institution",
            field="inspection",
        )


def _valid_certificate(institution: Institution) -> Certificate:
    certificate = institution.certificates.filter(status=CertificateStatus.VALID).first()
    if certificate is None:
        raise InvalidTransition(
            "该单位没有可暂扣的有效证书",
            "the institution has no valid certificate to suspend",
            field="kind",
        )
    return certificate


@transaction.atomic
def penalty_impose(
    *,
    actor,
    institution: Institution,
    kind: str,
    reason: str,
    decided_on: datetime.date,
    suspend_until: datetime.date | None = None,
    inspection: Inspection | None = None,
) -> Penalty:
    """Impose a penalty by a numbered decision of the registration authority: 警告; 暂扣证书
    until a date after the decision (the valid certificate is suspended); 撤销登记 (the
    registration ends, its certificates are revoked and a notice is published). A revoked
    institution is not penalised again."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    _check_office(
        actor,
        DECIDE,
        institution.registrar_id,
        "只有登记管理机关的负责人可以作出处罚决定",
        "only a leader of the registration authority may impose a penalty",
    )
    _check_penalty_input(institution, kind, decided_on, suspend_until, inspection)
    reason = _text(reason, "reason", REASON_MAX, "处罚事实和理由")
    certificate = _valid_certificate(institution) if kind == PenaltyKind.SUSPEND else None
    document = _decision_document(actor, institution, kind, reason, decided_on, suspend_until)
    penalty = Penalty.objects.create(
        institution=institution,
        kind=kind,
        reason=reason,
        decided_on=decided_on,
        suspend_until=suspend_until,
        document=document,
        certificate=certificate,
        decided_by=actor,
        inspection=inspection,
    )
    _apply(actor, penalty, institution, document)
    journal_record(
        obj=penalty,
        action="supervision.penalty.imposed",
        actor=actor,
        after=_penalty_state(penalty),
        document=document,
        effective_date=decided_on,
    )
    return penalty


def _penalty_state(penalty: Penalty) -> dict:
    return {
        "institution": penalty.institution_id,
        "kind": penalty.kind,
        "decided_on": penalty.decided_on.isoformat(),
        "suspend_until": penalty.suspend_until.isoformat() if penalty.suspend_until else None,
        "lifted_on": penalty.lifted_on.isoformat() if penalty.lifted_on else None,
        "document": penalty.document.number,
    }


def _decision_document(actor, institution, kind, reason, decided_on, suspend_until):
    node = actor.node
    _seq, number = document_number_take(node=node, year=decided_on.year)
    official = decision.penalty_decision(
        node=node,
        number=number,
        institution=institution,
        kind=kind,
        reason=reason,
        decided_on=decided_on,
        suspend_until=suspend_until,
    )
    return document_register(
        actor=actor,
        issuer=node.name,
        number=number,
        issued_on=decided_on,
        title=official.title,
        file=decision.render(official, name=f"penalty-{institution.credit_code}.pdf"),
    )


def _apply(actor, penalty: Penalty, institution: Institution, document) -> None:
    if penalty.kind == PenaltyKind.SUSPEND:
        register.certificate_set_status(
            actor=actor,
            certificate=penalty.certificate,
            status=CertificateStatus.SUSPENDED,
            on=penalty.decided_on,
            reason=f"暂扣至{penalty.suspend_until.isoformat()}：{document.number}",
            document=document,
        )
    elif penalty.kind == PenaltyKind.REVOKE:
        institution = register.institution_end(
            actor=actor,
            institution=institution,
            status=InstitutionStatus.REVOKED,
            on=penalty.decided_on,
            document=document,
            reason=f"撤销登记：{document.number}",
        )
        register.notice_publish(
            actor=actor,
            institution=institution,
            kind=NoticeKind.REVOKE,
            title=f"关于撤销{institution.name}登记的公告",
            body={
                **register.public_items(institution),
                "reason": penalty.reason,
                "decision": document.number,
                "decided_on": penalty.decided_on.isoformat(),
            },
        )


@transaction.atomic
def penalty_lift(*, actor, penalty: Penalty, on: datetime.date) -> Penalty:
    """End a suspension (暂扣证书) on `on`: the certificate it suspended is valid again."""
    locked = Penalty.objects.select_for_update(of=("self",))
    penalty = locked.select_related("institution", "document").get(pk=penalty.pk)
    _check_office(
        actor,
        DECIDE,
        penalty.institution.registrar_id,
        "只有登记管理机关的负责人可以解除处罚",
        "only a leader of the registration authority may lift a penalty",
    )
    if penalty.kind != PenaltyKind.SUSPEND or penalty.lifted_on is not None:
        raise InvalidTransition(
            "只有尚未解除的暂扣证书可以解除",
            "only a suspension not yet lifted can be lifted",
            field="kind",
        )
    _not_future(on, "on", "解除日期")
    if on < penalty.decided_on:
        raise InvalidInput(
            "解除日期不能早于决定日期", "the lifting cannot be before the decision", field="on"
        )
    register.certificate_set_status(
        actor=actor,
        certificate=penalty.certificate,
        status=CertificateStatus.VALID,
        on=on,
        reason=f"解除暂扣：{penalty.document.number}",
        document=penalty.document,
    )
    before = _penalty_state(penalty)
    penalty.lifted_on = on
    penalty.lifted_by = actor
    penalty.save(update_fields=["lifted_on", "lifted_by"])
    journal_record(
        obj=penalty,
        action="supervision.penalty.lifted",
        actor=actor,
        before=before,
        after=_penalty_state(penalty),
        document=penalty.document,
        effective_date=on,
    )
    return penalty

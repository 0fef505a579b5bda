"""Registration applications through their services: every step of the workflow and every
refusal (wrong state, wrong person, the examiner approving), submission held back while
problems remain, the acceptance and decision deadlines on the holiday calendar, the
change-registration rules flagged at submission, and what approval and certification do to
the register, the registry, certificates and notices."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bianzhi.core.errors import InvalidInput, InvalidTransition
from bianzhi.core.identifiers import validate_credit_code
from bianzhi.core.models import JournalEntry
from bianzhi.orgs.models import Org, OrgName, OrgStatus, OrgVersion
from bianzhi.registration import queries, rules
from bianzhi.registration.applications import (
    Forbidden,
    allowed_actions,
    application_act,
    application_create,
    application_update,
    attachment_add,
)
from bianzhi.registration.models import (
    Application,
    ApplicationState,
    Certificate,
    CertificateStatus,
    Institution,
    InstitutionStatus,
    Notice,
)
from bianzhi.registration.testing import ensure_code_block, make_institution
from bianzhi.testing import establish, make_user

S = ApplicationState
D = datetime.date
pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DECIDED = D(2026, 9, 15)  # the sponsor decided the change
DAY = D(2026, 9, 29)  # a Tuesday before the National Day holiday (1–7 October 2026)
ESTABLISH_ITEMS = {
    "name": "苏州市吴中区青少年活动中心",
    "address": "苏州市吴中区宝带东路8号",
    "purpose": "为青少年提供校外教育活动服务。",
    "legal_rep": "陈静",
    "funding_source": "full",
    "capital": "50",
    "sponsor": "苏州市吴中区教育局",
}


def pdf(name: str = "material.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def make_world(nodes) -> SimpleNamespace:
    """A county institution with a certificate, its own account, a registrar and a leader."""
    county = nodes["county"]
    institution = make_institution("苏州市吴中区档案馆", registrar=county)
    unit = make_user("unit1", county, role="unit")
    unit.org = institution.org
    unit.save()
    return SimpleNamespace(
        nodes=nodes,
        county=county,
        institution=institution,
        unit=unit,
        reg=make_user("reg", county, role="registrar"),
        boss=make_user("boss", county, role="leader"),
    )


@pytest.fixture
def world(nodes):
    return make_world(nodes)


def attach_required(app: Application, actor) -> None:
    for kind in rules.required_materials(app):
        attachment_add(actor=actor, application=app, kind=kind, upload=pdf(f"{kind}.pdf"))


def draft_change(w, changes=None, *, event_date=DECIDED, move_date=None, actor=None):
    actor = actor or w.unit
    app = application_create(
        actor=actor,
        kind="change",
        institution=w.institution,
        data={"changes": changes or {"legal_rep": "李华"}},
        event_date=event_date,
        move_date=move_date,
    )
    attach_required(app, actor)
    return app


def act(app, user, action, *, today=DAY, **kwargs) -> Application:
    return application_act(actor=user, application=app, action=action, today=today, **kwargs)


def to_state(w, app: Application, state: str, today=DAY) -> Application:
    """Move an application along the main path up to `state`."""
    path = [
        (S.SUBMITTED, w.unit, "submit", {}),
        (S.ACCEPTED, w.reg, "accept", {}),
        (S.REVIEWED, w.reg, "examine", {"opinion": "approve", "comment": "材料齐全，符合规定。"}),
        (S.APPROVED, w.boss, "approve", {}),
        (S.PUBLISHED, w.reg, "certify", {}),
    ]
    sources = [S.DRAFT, *[target for target, *_rest in path]]
    for (target, user, action, kwargs), source in zip(path, sources, strict=False):
        if app.state == state:
            break
        if app.state != source:
            continue
        app = act(app, user, action, today=today, **kwargs)
        assert app.state == target
    return app


# --- the main path and each step ------------------------------------------------------------


def test_a_change_goes_from_draft_to_notice(world):
    app = draft_change(world)
    assert [a.name for a in allowed_actions(world.unit, app)] == ["submit", "withdraw"]
    assert allowed_actions(world.reg, app) == []
    app = act(app, world.unit, "submit")
    assert (app.state, app.submitted_on, app.accept_due_on) == (S.SUBMITTED, DAY, D(2026, 10, 12))
    assert [a.name for a in allowed_actions(world.reg, app)] == ["return", "accept", "refuse"]
    app = act(app, world.reg, "accept", today=D(2026, 9, 30))
    assert (app.accepted_on, app.due_on) == (D(2026, 9, 30), D(2026, 11, 3))
    app = act(app, world.reg, "examine", opinion="approve", comment="符合规定")
    assert (app.state, app.opinion, app.reviewer) == (S.REVIEWED, "approve", world.reg)
    assert [a.name for a in allowed_actions(world.boss, app)] == ["approve", "reject"]
    app = act(app, world.boss, "approve")
    assert (app.state, app.decider, app.decided_on) == (S.APPROVED, world.boss, DAY)
    app = act(app, world.reg, "certify")
    assert app.state == S.PUBLISHED
    trail = list(app.events.values_list("action", "state_after"))
    assert trail == [
        ("created", S.DRAFT),
        ("submit", S.SUBMITTED),
        ("accept", S.ACCEPTED),
        ("examine", S.REVIEWED),
        ("approve", S.APPROVED),
        ("certify", S.CERTIFIED),
        ("publish", S.PUBLISHED),
    ]
    verbs = JournalEntry.objects.filter(entity="registration.application", entity_id=app.pk)
    assert list(verbs.values_list("action", flat=True)) == [
        "registration.application.created",
        *["registration.application.attached"] * 3,
        "registration.application.submitted",
        "registration.application.accepted",
        "registration.application.examined",
        "registration.application.approved",
        "registration.application.certified",
        "registration.application.published",
    ]


def test_the_decision_is_numbered_and_cited_by_the_journal(world):
    app = to_state(world, draft_change(world), S.PUBLISHED)
    assert app.decision.number.endswith("号") and str(DAY.year) in app.decision.number
    assert app.decision.title == "关于准予苏州市吴中区档案馆变更登记的决定"
    approved = JournalEntry.objects.get(action="registration.application.approved")
    assert approved.document == app.decision and approved.effective_date == DAY
    changed = JournalEntry.objects.get(action="registration.institution.changed")
    assert changed.document == app.decision
    later = D(2026, 10, 9)
    second = to_state(world, draft_change(world, {"legal_rep": "赵敏"}), S.APPROVED, today=later)
    assert second.decision.number != app.decision.number


def test_returned_then_resubmitted_and_withdrawn(world):
    app = act(draft_change(world), world.unit, "submit")
    with pytest.raises(InvalidInput) as refused:
        act(app, world.reg, "return", comment="  ")
    assert refused.value.field == "comment"
    app = act(app, world.reg, "return", comment="请补充举办单位的变更决定原件。")
    assert (app.state, app.remarks) == (S.RETURNED, "请补充举办单位的变更决定原件。")
    app = application_update(
        actor=world.unit,
        application=app,
        data={"changes": {"legal_rep": "李华"}},
        event_date=D(2026, 9, 16),
    )
    app = act(app, world.unit, "submit", today=D(2026, 10, 9))
    assert (app.state, app.submitted_on, app.accept_due_on) == (
        S.SUBMITTED,
        D(2026, 10, 9),
        D(2026, 10, 15),
    )
    app = act(app, world.unit, "withdraw")
    assert app.state == S.WITHDRAWN
    assert allowed_actions(world.unit, app) == []


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.RETURNED])
def test_the_institution_may_withdraw_before_acceptance(world, state):
    app = draft_change(world)
    if state != S.DRAFT:
        app = act(app, world.unit, "submit")
    if state == S.RETURNED:
        app = act(app, world.reg, "return", comment="补正")
    assert act(app, world.unit, "withdraw").state == S.WITHDRAWN


def test_refused_and_rejected_end_the_application_with_the_reason(world):
    refused = act(draft_change(world), world.unit, "submit")
    refused = act(refused, world.reg, "refuse", comment="不属于本机关登记管辖范围。")
    assert (refused.state, refused.remarks, refused.decider) == (
        S.REFUSED,
        "不属于本机关登记管辖范围。",
        world.reg,
    )
    app = to_state(world, draft_change(world), S.REVIEWED)
    with pytest.raises(InvalidInput) as no_reason:
        act(app, world.boss, "reject")
    assert no_reason.value.field == "comment"
    app = act(app, world.boss, "reject", comment="拟任法定代表人不符合任职条件。")
    assert (app.state, app.decided_on, app.decision) == (S.REJECTED, DAY, None)
    world.institution.refresh_from_db()
    assert world.institution.legal_rep == "王明"  # nothing changed in the register


def test_the_examination_needs_an_opinion(world):
    app = to_state(world, draft_change(world), S.ACCEPTED)
    with pytest.raises(InvalidInput) as bad:
        act(app, world.reg, "examine", opinion="maybe", comment="审查意见")
    assert bad.value.field == "opinion"
    with pytest.raises(InvalidInput) as silent:
        act(app, world.reg, "examine", opinion="approve")
    assert silent.value.field == "comment"
    assert Application.objects.get(pk=app.pk).state == S.ACCEPTED


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "who", "action"),
    [
        (S.DRAFT, "reg", "accept"),
        (S.DRAFT, "boss", "approve"),
        (S.SUBMITTED, "reg", "examine"),
        (S.SUBMITTED, "reg", "certify"),
        (S.ACCEPTED, "unit", "withdraw"),
        (S.ACCEPTED, "unit", "submit"),
        (S.REVIEWED, "reg", "accept"),
        (S.APPROVED, "boss", "approve"),
        (S.PUBLISHED, "reg", "certify"),
    ],
)
def test_a_step_the_state_does_not_allow_is_an_invalid_transition(world, state, who, action):
    app = to_state(world, draft_change(world), state)
    with pytest.raises(InvalidTransition) as refused:
        act(app, getattr(world, who), action, opinion="approve", comment="意见")
    assert refused.value.field == "action"
    assert Application.objects.get(pk=app.pk).state == state


@pytest.mark.parametrize(
    ("state", "who", "action"),
    [
        (S.DRAFT, "reg", "submit"),
        (S.SUBMITTED, "unit", "accept"),
        (S.SUBMITTED, "boss", "accept"),
        (S.ACCEPTED, "boss", "examine"),
        (S.REVIEWED, "reg", "approve"),
        (S.REVIEWED, "unit", "approve"),
        (S.APPROVED, "boss", "certify"),
    ],
)
def test_a_step_by_the_wrong_person_is_forbidden(world, state, who, action):
    app = to_state(world, draft_change(world), state)
    with pytest.raises(Forbidden):
        act(app, getattr(world, who), action, opinion="approve", comment="意见")
    assert Application.objects.get(pk=app.pk).state == state


def test_registrars_of_another_authority_may_not_act(world):
    app = act(draft_change(world), world.unit, "submit")
    city = make_user("city_reg", world.nodes["city"], role="registrar")
    other = make_user("bj_reg", world.nodes["other"], role="registrar")
    for user in (city, other):
        assert allowed_actions(user, app) == []
        with pytest.raises(Forbidden):
            act(app, user, "accept")


def test_the_examiner_may_not_approve_what_they_examined(world):
    both = make_user("both", world.county, role="registrar")
    both.groups.add(world.boss.groups.get())
    app = to_state(world, draft_change(world), S.ACCEPTED)
    app = act(app, both, "examine", opinion="approve", comment="符合规定")
    assert allowed_actions(both, app) == []
    with pytest.raises(Forbidden) as own:
        act(app, both, "approve")
    assert own.value.message_zh == "审查人不能核准自己审查的申请"
    assert act(app, world.boss, "approve").state == S.APPROVED


def test_submission_is_refused_while_problems_remain(world):
    app = application_create(
        actor=world.unit,
        kind="change",
        institution=world.institution,
        data={"changes": {"capital": "abc"}},
    )
    with pytest.raises(InvalidInput) as refused:
        act(app, world.unit, "submit")
    errors = refused.value.details["errors"]
    assert refused.value.field == errors[0]["field"] == "changes.capital"
    assert [e["field"] for e in errors] == [
        "changes.capital",
        "event_date",
        "materials.application_form",
        "materials.change_decision",
        "materials.capital_proof",
    ]
    assert all(e["message"] and e["message_en"] for e in errors)
    assert Application.objects.get(pk=app.pk).state == S.DRAFT


def test_an_unchanged_item_or_a_decision_in_the_future_is_a_problem(world):
    app = draft_change(world, {"legal_rep": "王明"}, event_date=DAY + datetime.timedelta(days=1))
    problems = {p["field"]: p["message"] for p in rules.check_application(app, DAY)}
    assert problems == {
        "changes.legal_rep": "法定代表人与现登记事项相同",
        "event_date": "变更决定日期不能晚于今天",
    }


def test_one_open_application_per_institution(world):
    draft_change(world)
    with pytest.raises(Exception) as twice:
        application_create(actor=world.unit, kind="replace", institution=world.institution)
    assert getattr(twice.value, "field", None) == "institution"


def test_a_unit_applies_only_for_its_own_body(world):
    other = make_institution("苏州市吴中区图书馆", registrar=world.county)
    with pytest.raises(Forbidden) as refused:
        application_create(actor=world.unit, kind="replace", institution=other)
    assert refused.value.field == "org"


# --- deadlines ---------------------------------------------------------------------------


def test_deadlines_count_working_days_across_the_national_day_holiday(world):
    app = act(draft_change(world), world.unit, "submit")
    assert app.accept_due_on == D(2026, 10, 12)  # 30 Sep, 8, 9, 10 (adjusted Saturday), 12 Oct
    assert queries.deadline_flags(app, D(2026, 10, 12)) == []
    assert queries.deadline_flags(app, D(2026, 10, 13)) == ["accept_overdue"]
    app = act(app, world.reg, "accept", today=D(2026, 10, 13))
    assert app.due_on == D(2026, 11, 10)
    assert queries.deadline_flags(app, D(2026, 11, 10)) == []
    assert queries.all_flags(app, D(2026, 11, 11)) == ["decision_overdue"]
    app = act(app, world.reg, "examine", opinion="approve", comment="符合规定")
    assert queries.deadline_flags(app, D(2026, 11, 11)) == ["decision_overdue"]
    app = act(app, world.boss, "approve")
    assert queries.deadline_flags(app, D(2027, 1, 1)) == []


# --- change-registration rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_date", "flagged"),
    [(D(2026, 10, 16), True), (D(2026, 10, 19), False)],  # 31 and 30 working days before
)
def test_late_when_more_than_30_working_days_after_the_decision(world, event_date, flagged):
    app = draft_change(world, event_date=event_date)
    app = act(app, world.unit, "submit", today=D(2026, 11, 30))
    assert ("late" in app.flags) is flagged


@pytest.mark.parametrize(("move_date", "flagged"), [(DAY, True), (D(2026, 10, 20), False)])
def test_moved_before_registration(world, move_date, flagged):
    app = draft_change(world, {"address": "苏州市吴中区东吴南路9号"}, move_date=move_date)
    app = act(app, world.unit, "submit")
    assert app.flags == (["moved_before_registration"] if flagged else [])


@pytest.mark.parametrize(
    ("capital", "flagged"), [("121", True), ("120", False), ("80", False), ("75", True)]
)
def test_capital_changes_over_20_percent_are_flagged(world, capital, flagged):
    app = act(draft_change(world, {"capital": capital}), world.unit, "submit")
    assert app.flags == (["capital_over_20"] if flagged else [])


def test_flags_are_set_at_the_first_submission_only(world):
    app = act(
        draft_change(world, event_date=D(2026, 10, 16)), world.unit, "submit", today=D(2026, 11, 30)
    )
    app = act(app, world.reg, "return", comment="补正")
    app = act(app, world.unit, "submit", today=D(2026, 12, 31))
    assert app.flags == ["late"]


def test_a_move_without_its_date_is_a_problem(world):
    app = draft_change(world, {"address": "苏州市吴中区东吴南路9号"})
    fields = [p["field"] for p in rules.check_application(app, DAY)]
    assert fields == ["move_date"]


# --- what approval and certification do ------------------------------------------------------


def test_establishment_sets_up_the_body_and_registers_it_with_a_credit_code(world):
    ensure_code_block(world.county)
    app = application_create(
        actor=world.reg,
        kind="establish",
        data={
            "items": ESTABLISH_ITEMS,
            "pi_class": "public1",
            "approval_number": "吴编〔2026〕5号",
        },
    )
    attach_required(app, world.reg)
    app = act(app, world.reg, "submit")
    app = to_state(world, app, S.PUBLISHED)
    institution = Institution.objects.get(name=ESTABLISH_ITEMS["name"])
    assert app.institution == institution and app.org == institution.org
    org = Org.objects.get(pk=institution.org_id)
    assert (org.category, org.status, org.pi_class, org.credit_code) == (
        "institution",
        OrgStatus.ACTIVE,
        "public1",
        institution.credit_code,
    )
    code = validate_credit_code(institution.credit_code)
    assert institution.credit_code[:2] == "12" and code
    # the registry's own journal entry sets the body up with its code, citing the decision
    entry = JournalEntry.objects.get(action="orgs.org.established", entity_id=org.pk)
    assert entry.after["credit_code"] == institution.credit_code
    assert entry.document_id == app.decision_id
    assert (institution.capital, institution.registered_on) == (Decimal("50.00"), DAY)
    certificate = Certificate.objects.get(institution=institution)
    assert certificate.status == CertificateStatus.VALID
    notice = Notice.objects.get(institution=institution)
    assert notice.kind == "establish" and notice.body["credit_code"] == institution.credit_code


def test_establishment_of_a_body_the_registry_already_holds(world):
    ensure_code_block(world.county)
    body = establish(
        ESTABLISH_ITEMS["name"], category="institution", pi_class="public2", funding_form="full"
    )
    own = make_user("centre", world.county, role="unit")
    own.org = body
    own.save()
    app = application_create(actor=own, kind="establish", org=body, data={"items": ESTABLISH_ITEMS})
    attach_required(app, own)
    app = to_state(world, act(app, own, "submit"), S.APPROVED)
    assert app.institution.org == body
    assert Org.objects.filter(name=ESTABLISH_ITEMS["name"]).count() == 1
    # the body gets its new code through the registry's service, citing the decision
    body.refresh_from_db()
    entry = JournalEntry.objects.get(action="orgs.org.assigned", entity_id=body.pk)
    assert entry.after["credit_code"] == body.credit_code == app.institution.credit_code
    assert (entry.before["credit_code"], entry.document_id) == (None, app.decision_id)


def test_a_change_of_name_renames_the_body_from_the_approval_date(world):
    app = to_state(world, draft_change(world, {"name": "苏州市吴中区档案史志馆"}), S.APPROVED)
    org = Org.objects.get(pk=world.institution.org_id)
    assert org.name == "苏州市吴中区档案史志馆"
    versions = list(OrgVersion.objects.filter(org=org).order_by("valid_from"))
    assert (versions[-2].name, versions[-2].valid_to) == ("苏州市吴中区档案馆", DAY)
    assert (versions[-1].name, versions[-1].valid_from) == ("苏州市吴中区档案史志馆", DAY)
    names = OrgName.objects.filter(org=org, kind="standard").order_by("valid_from")
    assert [(n.name, n.valid_from) for n in names][-1] == ("苏州市吴中区档案史志馆", DAY)
    items = list(world.institution.versions.order_by("valid_from"))
    assert [(v.name, v.valid_from, v.valid_to) for v in items] == [
        ("苏州市吴中区档案馆", D(2021, 3, 1), DAY - datetime.timedelta(days=1)),
        ("苏州市吴中区档案史志馆", DAY, None),
    ]
    assert items[-1].application == app and items[-1].document == app.decision
    assert app.data["before"] == {"name": "苏州市吴中区档案馆"}


def test_certification_replaces_the_certificate_and_publishes_public_fields(world):
    old = world.institution.certificates.get()
    app = to_state(world, draft_change(world, {"legal_rep": "李华"}), S.PUBLISHED)
    old.refresh_from_db()
    new = world.institution.certificates.get(status=CertificateStatus.VALID)
    assert (old.status, old.status_changed_on, new.replaces) == (
        CertificateStatus.REPLACED,
        DAY,
        old,
    )
    assert new.items["legal_rep"] == "李华" and new.application == app
    notice = Notice.objects.get(application=app)
    assert notice.kind == "change" and notice.title == "苏州市吴中区档案馆变更登记公告"
    assert set(notice.body) == {
        "name",
        "address",
        "purpose",
        "legal_rep",
        "funding_source",
        "capital",
        "sponsor",
        "credit_code",
        "registrar",
        "certificate",
        "changes",
        "void_certificate",
    }
    assert notice.body["changes"] == {"legal_rep": {"before": "王明", "after": "李华"}}
    assert (notice.body["certificate"], notice.body["void_certificate"]) == (new.number, old.number)
    event = app.events.get(action="certify")
    assert event.data == {"notice": notice.number, "certificate": new.number, "void": old.number}


def test_cancellation_ends_the_registration_and_abolishes_the_body(world):
    data = {
        "liquidator": "苏州市吴中区档案馆清算组",
        "liquidation_completed_on": "2026-09-01",
        "asset_disposal": "剩余财产由举办单位收回。",
        "notice_media": "苏州日报",
        "notice_date": "2026-08-01",
    }
    app = application_create(
        actor=world.unit, kind="cancel", institution=world.institution, data=data
    )
    attach_required(app, world.unit)
    app = to_state(world, app, S.PUBLISHED)
    institution = Institution.objects.get(pk=world.institution.pk)
    assert (institution.status, institution.ended_on) == (InstitutionStatus.CANCELLED, DAY)
    assert institution.certificates.get().status == CertificateStatus.CANCELLED
    assert Org.objects.get(pk=institution.org_id).status == OrgStatus.ABOLISHED
    assert institution.versions.get().valid_to == DAY
    notice = Notice.objects.get(application=app)
    assert notice.kind == "cancel" and notice.body["cancelled_on"] == DAY.isoformat()
    with pytest.raises(InvalidTransition):
        application_create(actor=world.unit, kind="change", institution=institution)


def test_a_lost_certificate_is_replaced_with_a_new_number(world):
    app = application_create(
        actor=world.unit,
        kind="replace",
        institution=world.institution,
        data={"reason": "lost", "statement": "证书正本遗失。"},
    )
    assert rules.required_materials(app) == ["application_form", "loss_statement"]
    attach_required(app, world.unit)
    app = to_state(world, app, S.PUBLISHED)
    numbers = list(world.institution.certificates.order_by("id").values_list("status", flat=True))
    assert numbers == [CertificateStatus.REPLACED, CertificateStatus.VALID]
    assert app.decision.title == "关于准予苏州市吴中区档案馆补（换）发证书登记的决定"
    assert Notice.objects.get(application=app).kind == "replace"


def test_a_material_is_kept_with_the_sha256_of_its_content(world):
    import hashlib

    app = application_create(
        actor=world.unit,
        kind="change",
        institution=world.institution,
        data={"changes": {"legal_rep": "李四"}},
        event_date=DECIDED,
    )
    attachment = attachment_add(
        actor=world.unit, application=app, kind="application_form", upload=pdf()
    )
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()


def test_problems_of_a_change_come_in_the_order_of_the_registered_items(world):
    app = application_create(
        actor=world.unit,
        kind="change",
        institution=world.institution,
        data={"changes": {"sponsor": "", "address": ""}},
        event_date=DECIDED,
    )
    fields = [p["field"] for p in rules.check_application(app, DAY)]
    assert fields[:2] == ["changes.address", "changes.sponsor"]


def test_an_establishment_cites_the_executed_matter_that_set_the_body_up(world):
    from bianzhi.core.documents import document_register
    from bianzhi.matters.models import Matter
    from bianzhi.orgs import services as orgs
    from bianzhi.orgs.validation import OrgSpec

    decision = document_register(
        actor=None,
        issuer="吴中区委编办",
        number="吴编〔2026〕7号",
        issued_on=D(2026, 3, 2),
        title="关于设立苏州市吴中区青少年活动中心的批复",
    )
    spec = OrgSpec(name=ESTABLISH_ITEMS["name"], category="institution", region_code="320506")
    body = orgs.org_establish(
        actor=None, spec=spec, document=decision, effective_date=D(2026, 3, 2)
    )
    matter = Matter.objects.create(
        ref="WZ2026-0007",
        matter_type="establish",
        title="关于设立青少年活动中心的请示",
        applicant=world.institution.org,
        region_code="320506",
        node=world.county,
        state="executed",
        document=decision,
    )
    cited = application_create(actor=world.reg, kind="establish", org=body)
    assert cited.matter == matter
    unrelated = establish("苏州市吴中区科技馆", category="institution")
    assert application_create(actor=world.reg, kind="establish", org=unrelated).matter is None

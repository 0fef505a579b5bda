"""Penalties: each kind with its numbered decision and its effect on the certificate or the
registration, lifting a suspension, and what is refused."""

import datetime

import pytest
from django.utils import timezone
from pypdf import PdfReader

from bianzhi.core.errors import InvalidInput, InvalidTransition
from bianzhi.core.models import Document, JournalEntry
from bianzhi.registration.models import Certificate, Notice
from bianzhi.supervision import services
from bianzhi.supervision.models import Penalty

pytestmark = pytest.mark.django_db
D = datetime.date


def impose(office, kind="warning", institution=None, actor=None, **kwargs):
    values = {
        "reason": "未按规定办理变更登记，擅自变更住所",
        "decided_on": D(2025, 3, 1),
        "suspend_until": D(2025, 6, 1) if kind == "suspend" else None,
    } | kwargs
    return services.penalty_impose(
        actor=actor or office.leader,
        institution=institution or office.institutions[0],
        kind=kind,
        **values,
    )


def test_a_warning_is_decided_by_a_numbered_document_and_changes_no_status(office):
    penalty = impose(office)
    institution = office.institutions[0]
    document = penalty.document
    assert document.number == "吴中区委编办发〔2025〕1号"
    assert document.issuer == "吴中区委编办" and document.issued_on == D(2025, 3, 1)
    assert document.title == f"关于给予{institution.name}警告的处罚决定"
    text = "".join(page.extract_text() for page in PdfReader(document.file.open("rb")).pages)
    assert "警告" in text and institution.credit_code in text
    institution.refresh_from_db()
    assert institution.status == "registered"
    assert institution.certificates.get().status == "valid"
    entry = JournalEntry.objects.get(action="supervision.penalty.imposed")
    assert entry.document == document and entry.after["kind"] == "warning"
    assert impose(office).document.number == "吴中区委编办发〔2025〕2号"


def test_a_suspension_suspends_the_valid_certificate_until_lifted(office):
    institution = office.institutions[0]
    penalty = impose(office, kind="suspend")
    certificate = Certificate.objects.get(institution=institution)
    assert penalty.certificate == certificate
    assert certificate.status == "suspended" and certificate.status_changed_on == D(2025, 3, 1)
    assert penalty.document.title == f"关于给予{institution.name}暂扣证书的处罚决定"
    with pytest.raises(InvalidTransition):  # nothing valid left to suspend
        impose(office, kind="suspend")
    lifted = services.penalty_lift(actor=office.leader, penalty=penalty, on=D(2025, 5, 20))
    assert lifted.lifted_on == D(2025, 5, 20) and lifted.lifted_by == office.leader
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    assert JournalEntry.objects.filter(action="registration.certificate.restored").count() == 1
    assert JournalEntry.objects.get(action="supervision.penalty.lifted").after["lifted_on"] == (
        "2025-05-20"
    )


def test_a_revocation_ends_the_registration_revokes_certificates_and_publishes_a_notice(office):
    institution = office.institutions[0]
    penalty = impose(office, kind="revoke", reason="以欺骗手段取得登记")
    institution.refresh_from_db()
    assert institution.status == "revoked" and institution.ended_on == D(2025, 3, 1)
    assert set(institution.certificates.values_list("status", flat=True)) == {"revoked"}
    notice = Notice.objects.get(institution=institution)
    assert notice.kind == "revoke"
    assert notice.body["reason"] == "以欺骗手段取得登记"
    assert notice.body["credit_code"] == institution.credit_code
    assert notice.body["decision"] == penalty.document.number
    assert penalty.document.title == f"关于给予{institution.name}撤销登记的处罚决定"


def test_a_revoked_institution_is_not_penalised_again(office):
    institution = office.institutions[0]
    impose(office, kind="revoke")
    for kind in ("warning", "suspend", "revoke"):
        with pytest.raises(InvalidTransition) as caught:
            impose(office, kind=kind, institution=institution)
        assert caught.value.field == "institution"
    assert Penalty.objects.count() == 1
    assert Document.objects.filter(issuer="吴中区委编办").count() == 1


def test_a_suspension_of_a_revoked_certificate_cannot_be_lifted(office):
    institution = office.institutions[0]
    suspension = impose(office, kind="suspend")
    impose(office, kind="revoke", institution=institution, decided_on=D(2025, 4, 1))
    with pytest.raises(InvalidTransition):
        services.penalty_lift(actor=office.leader, penalty=suspension, on=D(2025, 4, 2))
    suspension.refresh_from_db()
    assert suspension.lifted_on is None


def test_only_a_suspension_not_yet_lifted_can_be_lifted(office):
    warning = impose(office)
    with pytest.raises(InvalidTransition):
        services.penalty_lift(actor=office.leader, penalty=warning, on=D(2025, 3, 2))
    suspension = impose(office, kind="suspend", institution=office.institutions[1])
    with pytest.raises(InvalidInput) as caught:
        services.penalty_lift(actor=office.leader, penalty=suspension, on=D(2025, 2, 1))
    assert caught.value.field == "on"
    services.penalty_lift(actor=office.leader, penalty=suspension, on=D(2025, 3, 2))
    with pytest.raises(InvalidTransition):
        services.penalty_lift(actor=office.leader, penalty=suspension, on=D(2025, 3, 3))


def test_registrars_and_other_offices_leaders_cannot_impose_or_lift(office):
    for user in (office.registrar, office.clerk, office.city_leader):
        with pytest.raises(services.Forbidden):
            impose(office, actor=user)
    suspension = impose(office, kind="suspend")
    for user in (office.registrar, office.city_leader):
        with pytest.raises(services.Forbidden):
            services.penalty_lift(actor=user, penalty=suspension, on=D(2025, 3, 2))
    assert Penalty.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("suspend", {"suspend_until": None}, "suspend_until"),
        ("suspend", {"suspend_until": D(2025, 3, 1)}, "suspend_until"),
        ("warning", {"suspend_until": D(2025, 6, 1)}, "suspend_until"),
        ("fine", {}, "kind"),
        ("warning", {"reason": " "}, "reason"),
        ("warning", {"decided_on": D(2020, 1, 1)}, "decided_on"),  # before registration
        ("warning", {"decided_on": "tomorrow"}, "decided_on"),
    ],
)
def test_bad_penalties_are_refused_naming_the_field(office, kind, changes, field):
    if changes.get("decided_on") == "tomorrow":
        changes["decided_on"] = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        impose(office, kind=kind, **changes)
    assert caught.value.field == field
    assert Penalty.objects.count() == 0
    assert Certificate.objects.filter(status="valid").count() == len(office.institutions)


def test_the_inspection_cited_must_be_of_the_institution(office):
    made = services.draw_create(
        actor=office.registrar,
        title="抽查",
        year=2025,
        institution_count=1,
        inspectors_per_institution=1,
        seed="3",
    )
    inspection = made.inspections.get()
    other = next(i for i in office.institutions if i.pk != inspection.institution_id)
    with pytest.raises(InvalidInput) as caught:
        impose(office, institution=other, inspection=inspection)
    assert caught.value.field == "inspection"
    cited = impose(office, institution=inspection.institution, inspection=inspection)
    assert list(inspection.penalties.all()) == [cited]


def test_a_number_already_used_by_hand_is_passed_over(office):
    Document.objects.create(
        issuer="吴中区委编办",
        number="吴中区委编办发〔2025〕1号",
        issued_on=D(2025, 1, 5),
        title="关于人员调整的通知",
    )
    assert impose(office).document.number == "吴中区委编办发〔2025〕2号"

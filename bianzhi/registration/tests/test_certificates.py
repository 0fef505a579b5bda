"""Certificates: a replacement voids the certificate it replaces and takes a new number, a
suspended one cannot be replaced, status moves follow the table, and the end of a registration
takes its live certificates with it."""

import datetime

import pytest

from bianzhi.core.errors import InvalidInput, InvalidTransition
from bianzhi.core.journal import entries_for
from bianzhi.registration.models import Certificate, CertificateStatus, InstitutionStatus
from bianzhi.registration.services import (
    certificate_issue,
    certificate_set_status,
    institution_end,
)
from bianzhi.registration.testing import make_institution

ON = datetime.date(2026, 3, 2)
LATER = datetime.date(2026, 6, 1)
S = CertificateStatus


@pytest.fixture
def institution(nodes):
    return make_institution("苏州市吴中区档案馆", registrar=nodes["county"], on=ON)


def set_status(certificate, status, on=LATER):
    return certificate_set_status(
        actor=None, certificate=certificate, status=status, on=on, reason="检查发现问题"
    )


def test_the_first_certificate_is_valid_for_five_years(institution):
    certificate = institution.certificates.get()
    assert certificate.status == S.VALID
    assert (certificate.valid_from, certificate.valid_to) == (ON, datetime.date(2031, 3, 1))
    assert certificate.number == "事证第320506000001号"
    assert certificate.items["credit_code"] == institution.credit_code
    assert certificate.items["registrar"] == "吴中区委编办"
    assert len(certificate.token) == 24


def test_a_replacement_voids_the_old_certificate_with_a_new_number(institution):
    first = institution.certificates.get()
    second = certificate_issue(actor=None, institution=institution, issued_on=LATER, reason="遗失")
    third = certificate_issue(actor=None, institution=institution, issued_on=LATER)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.status_changed_on, first.status_reason) == (
        S.REPLACED,
        LATER,
        "遗失",
    )
    assert first.replaced_by == second and second.replaces == first
    assert second.status == S.REPLACED and third.replaces == second
    assert second.status_reason == f"换发为{third.number}"
    assert third.status == S.VALID
    numbers = [first.number, second.number, third.number]
    assert numbers == ["事证第320506000001号", "事证第320506000002号", "事证第320506000003号"]
    assert len({first.token, second.token, third.token}) == 3
    actions = [entry.action for entry in entries_for(first)]
    assert actions == ["registration.certificate.issued", "registration.certificate.replaced"]


def test_numbers_are_never_reused_across_institutions(nodes, institution):
    other = make_institution("苏州市吴中区文化馆", registrar=nodes["county"], on=ON)
    certificate_issue(actor=None, institution=institution, issued_on=LATER)
    numbers = list(Certificate.objects.order_by("id").values_list("number", flat=True))
    assert numbers == [f"事证第320506{n:06d}号" for n in (1, 2, 3)]
    assert other.certificates.get().number == "事证第320506000002号"


def test_a_suspended_certificate_cannot_be_replaced(institution):
    certificate = set_status(institution.certificates.get(), S.SUSPENDED)
    with pytest.raises(InvalidTransition) as caught:
        certificate_issue(actor=None, institution=institution, issued_on=LATER)
    assert caught.value.field == "status"
    assert institution.certificates.count() == 1
    certificate.refresh_from_db()
    assert certificate.status == S.SUSPENDED


def test_suspension_and_restoration_are_journaled(institution):
    certificate = institution.certificates.get()
    set_status(certificate, S.SUSPENDED)
    restored = set_status(certificate, S.VALID, on=datetime.date(2026, 7, 1))
    assert restored.status == S.VALID
    assert restored.status_changed_on == datetime.date(2026, 7, 1)
    actions = [entry.action for entry in entries_for(certificate)]
    assert actions[-2:] == [
        "registration.certificate.suspended",
        "registration.certificate.restored",
    ]


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], S.VALID),  # valid → valid
        ([], S.REPLACED),  # only a new issue replaces
        ([S.SUSPENDED], S.SUSPENDED),
        ([S.REVOKED], S.VALID),
        ([S.REVOKED], S.SUSPENDED),
        ([S.CANCELLED], S.VALID),
        ([S.CANCELLED], S.REVOKED),
        ([], "lost"),
    ],
)
def test_illegal_moves_are_refused(institution, path, illegal):
    certificate = institution.certificates.get()
    for status in path:
        set_status(certificate, status)
    with pytest.raises(InvalidTransition) as caught:
        set_status(certificate, illegal)
    assert caught.value.field == "status"
    certificate.refresh_from_db()
    assert certificate.status == (path[-1] if path else S.VALID)


def test_a_replaced_certificate_cannot_come_back(institution):
    first = institution.certificates.get()
    certificate_issue(actor=None, institution=institution, issued_on=LATER)
    for status in (S.VALID, S.SUSPENDED, S.REVOKED):
        with pytest.raises(InvalidTransition):
            set_status(first, status)


@pytest.mark.parametrize(
    ("ending", "expected"),
    [(InstitutionStatus.CANCELLED, S.CANCELLED), (InstitutionStatus.REVOKED, S.REVOKED)],
)
def test_the_end_of_a_registration_takes_its_live_certificates(institution, ending, expected):
    first = institution.certificates.get()
    second = certificate_issue(actor=None, institution=institution, issued_on=LATER)
    ended = institution_end(
        actor=None, institution=institution, status=ending, on=LATER, document=None, reason="注销"
    )
    assert (ended.status, ended.ended_on) == (ending, LATER)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == S.REPLACED  # a void certificate stays void
    assert (second.status, second.status_changed_on) == (expected, LATER)
    with pytest.raises(InvalidTransition) as caught:
        certificate_issue(actor=None, institution=ended, issued_on=LATER)
    assert caught.value.field == "institution"


def test_a_suspended_certificate_is_taken_back_on_cancellation(institution):
    certificate = set_status(institution.certificates.get(), S.SUSPENDED)
    institution_end(
        actor=None,
        institution=institution,
        status=InstitutionStatus.CANCELLED,
        on=LATER,
        document=None,
        reason="注销",
    )
    certificate.refresh_from_db()
    assert certificate.status == S.CANCELLED


def test_a_registration_ends_once(institution):
    institution_end(
        actor=None,
        institution=institution,
        status=InstitutionStatus.CANCELLED,
        on=LATER,
        document=None,
        reason="注销",
    )
    with pytest.raises(InvalidTransition) as caught:
        institution_end(
            actor=None,
            institution=institution,
            status=InstitutionStatus.REVOKED,
            on=LATER,
            document=None,
            reason="撤销",
        )
    assert caught.value.field == "status"


def test_a_registration_ends_only_as_cancelled_or_revoked(institution):
    with pytest.raises(InvalidInput) as caught:
        institution_end(
            actor=None,
            institution=institution,
            status=InstitutionStatus.REGISTERED,
            on=LATER,
            document=None,
            reason="",
        )
    assert caught.value.field == "status"
    assert institution.certificates.get().status == S.VALID

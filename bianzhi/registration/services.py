"""Writes of the register: a registered institution and its dated items, certificates and
their status, the end of a registration, and public notices. Applications (applications.py)
and supervision call these; each write is journaled in the caller's transaction."""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from bianzhi.core.errors import InvalidInput, InvalidTransition
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Document, Node
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import Org

from . import numbers
from .codes import credit_code_allocate
from .models import (
    REGISTERED_ITEMS,
    Application,
    Certificate,
    CertificateStatus,
    Institution,
    InstitutionStatus,
    ItemsVersion,
    Notice,
)

CERTIFICATE_YEARS = 5  # a certificate is valid for five years from issue


def _items_of(institution: Institution) -> dict:
    return {field: getattr(institution, field) for field in REGISTERED_ITEMS}


def _state(institution: Institution) -> dict:
    return {
        **institution.items(),
        "credit_code": institution.credit_code,
        "status": institution.status,
    }


@transaction.atomic
def institution_register(
    *,
    actor,
    org: Org,
    items: dict,
    registrar: Node,
    registered_on: datetime.date,
    application: Application | None = None,
    document: Document | None = None,
    sponsor_org: Org | None = None,
    credit_code: str | None = None,
) -> Institution:
    """Register a body of the registry as a public institution with its items; assign a new
    credit code from the registrar's blocks unless the body already has one."""
    if hasattr(org, "registration"):
        raise InvalidTransition(
            f"“{org.name}”已经登记", f"{org.name} is already registered", field="org"
        )
    code = credit_code or org.credit_code
    if not code:
        code = credit_code_allocate(
            registrar=registrar, region_code=org.region_code, application=application
        )
    if org.credit_code != code:
        org = orgs.org_assign_credit_code(
            actor=actor, org=org, credit_code=code, document=document, effective_date=registered_on
        )
    institution = Institution.objects.create(
        org=org,
        credit_code=code,
        registrar=registrar,
        region_code=org.region_code,
        sponsor_org=sponsor_org,
        registered_on=registered_on,
        **{field: items[field] for field in REGISTERED_ITEMS},
    )
    ItemsVersion.objects.create(
        institution=institution,
        valid_from=registered_on,
        application=application,
        document=document,
        **_items_of(institution),
    )
    journal_record(
        obj=institution,
        action="registration.institution.registered",
        actor=actor,
        after=_state(institution),
        document=document,
        effective_date=registered_on,
    )
    return institution


@transaction.atomic
def institution_change_items(
    *,
    actor,
    institution: Institution,
    changes: dict,
    effective_date: datetime.date,
    application: Application | None = None,
    document: Document | None = None,
    sponsor_org: Org | None = None,
) -> Institution:
    """Change registered items from `effective_date`: the current version closes the day
    before and a new one opens (the name also changes in the registry, by the caller)."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    unknown = set(changes) - set(REGISTERED_ITEMS)
    if unknown or not changes:
        raise InvalidInput(
            "变更事项应为登记事项之一", "a change must name registered items", field="changes"
        )
    before = _state(institution)
    for field, value in changes.items():
        setattr(institution, field, value)
    if sponsor_org is not None:
        institution.sponsor_org = sponsor_org
    institution.save()
    institution.refresh_from_db()
    current = institution.versions.filter(valid_to=None).order_by("-valid_from").first()
    if current is not None:
        if current.valid_from >= effective_date:
            raise InvalidInput(
                "变更生效日期应晚于现登记事项的起始日期",
                "the change must take effect after the current items began",
                field="effective_date",
            )
        current.valid_to = effective_date - datetime.timedelta(days=1)
        current.save(update_fields=["valid_to"])
    ItemsVersion.objects.create(
        institution=institution,
        valid_from=effective_date,
        application=application,
        document=document,
        **_items_of(institution),
    )
    journal_record(
        obj=institution,
        action="registration.institution.changed",
        actor=actor,
        before=before,
        after=_state(institution),
        document=document,
        effective_date=effective_date,
    )
    return institution


def items_on(institution: Institution, day: datetime.date) -> dict | None:
    """The registered items in force on `day` (None before registration)."""
    version = (
        institution.versions.filter(valid_from__lte=day)
        .exclude(valid_to__lt=day)
        .order_by("-valid_from")
        .first()
    )
    if version is None:
        return None
    return {
        field: (str(getattr(version, field)) if field == "capital" else getattr(version, field))
        for field in REGISTERED_ITEMS
    }


# --- certificates -------------------------------------------------------------------------


def _certificate_state(certificate: Certificate) -> dict:
    return {
        "number": certificate.number,
        "status": certificate.status,
        "valid_from": certificate.valid_from.isoformat(),
        "valid_to": certificate.valid_to.isoformat(),
    }


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def certificate_issue(
    *,
    actor,
    institution: Institution,
    issued_on: datetime.date,
    application: Application | None = None,
    reason: str = "",
) -> Certificate:
    """Issue a certificate (正本 and 副本) with a new number for the registered items now; the
    certificate it replaces, if any, becomes void (its number is never used again)."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if institution.status != InstitutionStatus.REGISTERED:
        raise InvalidTransition(
            "已注销或撤销登记的单位不能发证",
            "a cancelled or revoked institution gets no certificate",
            field="institution",
        )
    current = institution.certificates.filter(
        status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED]
    ).first()
    if current is not None and current.status == CertificateStatus.SUSPENDED:
        raise InvalidTransition(
            "证书被暂扣期间不能换发", "a suspended certificate cannot be replaced", field="status"
        )
    certificate = Certificate.objects.create(
        institution=institution,
        number=numbers.certificate_number(institution.registrar),
        token=secrets.token_urlsafe(18)[:24],
        items={
            **institution.items(),
            "credit_code": institution.credit_code,
            "registrar": institution.registrar.name,
        },
        issued_on=issued_on,
        valid_from=issued_on,
        valid_to=_years_later(issued_on, CERTIFICATE_YEARS),
        application=application,
    )
    if current is not None:
        before = _certificate_state(current)
        current.status = CertificateStatus.REPLACED
        current.status_changed_on = issued_on
        current.status_reason = (reason or f"换发为{certificate.number}")[:200]
        current.save(update_fields=["status", "status_changed_on", "status_reason"])
        certificate.replaces = current
        certificate.save(update_fields=["replaces"])
        journal_record(
            obj=current,
            action="registration.certificate.replaced",
            actor=actor,
            before=before,
            after=_certificate_state(current),
            effective_date=issued_on,
        )
    journal_record(
        obj=certificate,
        action="registration.certificate.issued",
        actor=actor,
        after=_certificate_state(certificate),
        effective_date=issued_on,
    )
    return certificate


# Allowed status changes of a certificate by supervision or cancellation.
_CERTIFICATE_MOVES = {
    CertificateStatus.SUSPENDED: {CertificateStatus.VALID},
    CertificateStatus.VALID: {CertificateStatus.SUSPENDED},
    CertificateStatus.REVOKED: {CertificateStatus.VALID, CertificateStatus.SUSPENDED},
    CertificateStatus.CANCELLED: {CertificateStatus.VALID, CertificateStatus.SUSPENDED},
}
_STATUS_VERBS = {
    CertificateStatus.SUSPENDED: "suspended",
    CertificateStatus.VALID: "restored",
    CertificateStatus.REVOKED: "revoked",
    CertificateStatus.CANCELLED: "cancelled",
}


@transaction.atomic
def certificate_set_status(
    *,
    actor,
    certificate: Certificate,
    status: str,
    on: datetime.date,
    reason: str,
    document: Document | None = None,
) -> Certificate:
    """Suspend (暂扣), restore, revoke or take back a certificate; other moves are refused."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status not in _CERTIFICATE_MOVES.get(status, set()):
        raise InvalidTransition(
            f"证书状态不能从“{certificate.get_status_display()}”变为“{status}”",
            f"a certificate cannot go from {certificate.status} to {status}",
            field="status",
        )
    before = _certificate_state(certificate)
    certificate.status = status
    certificate.status_changed_on = on
    certificate.status_reason = reason[:200]
    certificate.save(update_fields=["status", "status_changed_on", "status_reason"])
    journal_record(
        obj=certificate,
        action=f"registration.certificate.{_STATUS_VERBS[status]}",
        actor=actor,
        before=before,
        after=_certificate_state(certificate),
        document=document,
        effective_date=on,
    )
    return certificate


@transaction.atomic
def institution_end(
    *,
    actor,
    institution: Institution,
    status: str,
    on: datetime.date,
    document: Document | None,
    reason: str,
) -> Institution:
    """End a registration: 注销 (cancelled) or 撤销登记 (revoked); its live certificates are
    taken back or revoked with it."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if status not in {InstitutionStatus.CANCELLED, InstitutionStatus.REVOKED}:
        raise InvalidInput("登记状态无效", "invalid registration status", field="status")
    if institution.status != InstitutionStatus.REGISTERED:
        raise InvalidTransition(
            "该单位的登记已经注销或撤销",
            "the registration has already ended",
            field="status",
        )
    before = _state(institution)
    institution.status = status
    institution.ended_on = on
    institution.save(update_fields=["status", "ended_on", "updated_at"])
    institution.versions.filter(valid_to=None).update(valid_to=on)
    certificate_status = (
        CertificateStatus.CANCELLED
        if status == InstitutionStatus.CANCELLED
        else CertificateStatus.REVOKED
    )
    for certificate in institution.certificates.filter(
        status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED]
    ):
        certificate_set_status(
            actor=actor,
            certificate=certificate,
            status=certificate_status,
            on=on,
            reason=reason,
            document=document,
        )
    journal_record(
        obj=institution,
        action=f"registration.institution.{status}",
        actor=actor,
        before=before,
        after=_state(institution),
        document=document,
        effective_date=on,
    )
    return institution


# --- notices ------------------------------------------------------------------------------


def public_items(institution: Institution) -> dict:
    """The items the rules publish: the registered items (the legal representative by name
    only), the credit code and the registration authority; nothing else."""
    return {
        **institution.items(),
        "credit_code": institution.credit_code,
        "registrar": institution.registrar.name,
    }


@transaction.atomic
def notice_publish(
    *,
    actor,
    institution: Institution,
    kind: str,
    title: str,
    body: dict,
    application: Application | None = None,
) -> Notice:
    """Publish a notice (公告) now; `body` must hold public fields only."""
    now = timezone.now()
    notice = Notice.objects.create(
        number=numbers.notice_number(institution.registrar, timezone.localdate(now).year),
        kind=kind,
        institution=institution,
        application=application,
        registrar=institution.registrar,
        region_code=institution.region_code,
        title=title[:300],
        body=body,
        published_at=now,
    )
    journal_record(
        obj=notice,
        action="registration.notice.published",
        actor=actor,
        after={"number": notice.number, "kind": kind, "title": notice.title},
    )
    return notice

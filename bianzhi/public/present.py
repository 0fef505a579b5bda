"""The public fields of the register as plain values, for the pages and the API alike: what
the registration rules publish and nothing else (no applicant, user, remark, attachment,
internal id of another record, or resident ID number). Every public answer is built here."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bianzhi.annualreports.content import FIELD_BY_PATH, SECTIONS
from bianzhi.annualreports.queries import public_content
from bianzhi.core.reference import region_full_name
from bianzhi.registration.models import (
    REGISTERED_ITEMS,
    Certificate,
    CertificateStatus,
    FundingSource,
    Institution,
    InstitutionStatus,
    Notice,
    NoticeKind,
)
from bianzhi.registration.services import public_items

# What a notice may show of its body: the registered items and the public facts of the step.
NOTICE_BODY_KEYS = (
    *REGISTERED_ITEMS,
    "credit_code",
    "registrar",
    "certificate",
    "certificate_number",
    "void_certificate",
    "replaced_by",
    "effective_date",
    "registered_on",
    "ended_on",
    "cancelled_on",
    "changes",
)


def _date(value) -> str | None:
    return value.isoformat() if value else None


def institution_row(row: dict) -> dict:
    """A search result: name, credit code, status."""
    return {
        "name": row["name"],
        "credit_code": row["credit_code"],
        "status": row["status"],
        "status_label": str(InstitutionStatus(row["status"]).label),
        "region_code": row["region_code"],
    }


def certificate_public(certificate: Certificate | None) -> dict | None:
    """A certificate's number, status and validity; for a replaced one, the number that
    replaced it."""
    if certificate is None:
        return None
    replaced_by = getattr(certificate, "replaced_by", None)
    return {
        "number": certificate.number,
        "status": certificate.status,
        "status_label": str(CertificateStatus(certificate.status).label),
        "issued_on": _date(certificate.issued_on),
        "valid_from": _date(certificate.valid_from),
        "valid_to": _date(certificate.valid_to),
        "status_changed_on": _date(certificate.status_changed_on),
        "replaced_by": replaced_by.number if replaced_by is not None else None,
    }


def institution_public(institution: Institution) -> dict:
    """The registered items (the legal representative by name only), credit code,
    registration authority and status of an institution."""
    return {
        "credit_code": institution.credit_code,
        "name": institution.name,
        "status": institution.status,
        "status_label": str(InstitutionStatus(institution.status).label),
        "region_code": institution.region_code,
        "region_name": region_full_name(institution.region_code),
        "registered_on": _date(institution.registered_on),
        "ended_on": _date(institution.ended_on),
        "items": public_items(institution),
    }


def _notice_body(body: dict) -> dict:
    public = {key: body[key] for key in NOTICE_BODY_KEYS if key in (body or {})}
    if isinstance(public.get("changes"), dict):
        public["changes"] = {
            key: value for key, value in public["changes"].items() if key in REGISTERED_ITEMS
        }
    return public


def notice_url(notice: Notice) -> str:
    """The absolute address of a notice's page (feeds link there)."""
    return settings.PUBLIC_BASE_URL + reverse("public:notice", args=[notice.pk])


def notice_public(notice: Notice) -> dict:
    """A notice as published: number, kind, title, date, institution, authority, content."""
    return {
        "id": notice.pk,
        "number": notice.number,
        "kind": notice.kind,
        "kind_label": str(NoticeKind(notice.kind).label),
        "title": notice.title,
        "published_at": timezone.localtime(notice.published_at).isoformat(),
        "institution": {
            "name": notice.institution.name,
            "credit_code": notice.institution.credit_code,
        },
        "registrar": notice.registrar.name,
        "region_code": notice.region_code,
        "body": _notice_body(notice.body),
        "url": notice_url(notice),
    }


def verification(certificate: Certificate) -> dict:
    """What a certificate check shows: the certificate and its institution's name, code."""
    institution = certificate.institution
    valid = certificate.status == CertificateStatus.VALID
    expired = certificate.valid_to < timezone.localdate()
    return {
        **certificate_public(certificate),
        "valid": valid and not expired,
        "expired": expired,
        "institution": {"name": institution.name, "credit_code": institution.credit_code},
    }


def item_rows(items: dict) -> list[tuple[str, str]]:
    """(label, value) of the public items in the order of the certificate."""
    labels = {field: Institution._meta.get_field(field).verbose_name for field in items}
    rows = []
    for field, value in items.items():
        if field == "funding_source" and value in FundingSource.values:
            value = FundingSource(value).label
        rows.append((str(labels[field]), str(value)))
    return rows


NOTICE_LABELS = {
    "certificate": _("certificate number"),
    "certificate_number": _("certificate number"),
    "void_certificate": _("void certificate (作废证书)"),
    "cancelled_on": _("cancelled on"),
    "replaced_by": _("replaced by certificate"),
    "effective_date": _("effective on"),
    "registered_on": _("registered on"),
    "ended_on": _("cancelled or revoked on"),
}


def _label(field: str) -> str:
    if field in NOTICE_LABELS:
        return str(NOTICE_LABELS[field])
    try:
        return str(Institution._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _shown(value) -> str:
    if isinstance(value, dict) and {"before", "after"} <= set(value):
        return f"{value['before']} → {value['after']}"
    return str(value)


def notice_body_rows(body: dict, skip: tuple = ()) -> list[tuple[str, str]]:
    """(label, value) of a notice's published content; changed items as before → after."""
    rows = []
    for field, value in body.items():
        if field in skip:
            continue
        if field == "changes" and isinstance(value, dict):
            rows.extend((_label(key), _shown(change)) for key, change in value.items())
        elif field == "funding_source" and value in FundingSource.values:
            rows.append((_label(field), str(FundingSource(value).label)))
        else:
            rows.append((_label(field), _shown(value)))
    return rows


# --- published annual reports -------------------------------------------------------------


def annual_report_public(report) -> dict:
    """A published annual report: its year, when it was published, and its public content."""
    return {
        "year": report.year,
        "published_at": (
            timezone.localtime(report.published_at).isoformat() if report.published_at else None
        ),
        "content": public_content(report),
    }


def _report_value(value) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return "" if value is None else str(value)


def annual_report_sections(data: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(label, value)]) of a published report's content, the filled fields only."""
    sections = []
    for section, values in data["content"].items():
        rows = []
        for name, value in (values or {}).items():
            shown = _report_value(value)
            field = FIELD_BY_PATH.get(f"{section}.{name}")
            if shown and field is not None:
                rows.append((str(field.label), shown))
        if rows:
            sections.append((str(SECTIONS[section]), rows))
    return sections

"""Reads of supervision, scoped by the region of the registration authority or institution."""

import dataclasses

from django.db.models import Q, QuerySet

from bianzhi.core.models import JournalEntry
from bianzhi.core.scope import get_in_scope_or_404, scope_queryset
from bianzhi.registration.models import (
    Application,
    Certificate,
    Institution,
    ItemsVersion,
    Notice,
)

from .models import Inspection, InspectionDraw, Penalty


def draws(user) -> QuerySet:
    qs = InspectionDraw.objects.select_related("registrar", "drawn_by")
    return scope_queryset(user, qs, field="registrar__region_code")


def draw_or_404(user, draw_id: int) -> InspectionDraw:
    qs = InspectionDraw.objects.select_related("registrar", "drawn_by")
    return get_in_scope_or_404(user, qs, field="registrar__region_code", pk=draw_id)


def draw_inspections(draw: InspectionDraw) -> list[Inspection]:
    """The draw's inspections in draw order, with institutions and inspectors."""
    qs = draw.inspections.select_related("institution").prefetch_related("inspectors")
    return list(qs.order_by("id"))


def inspection_or_404(user, inspection_id: int) -> Inspection:
    qs = Inspection.objects.select_related("institution", "draw")
    return get_in_scope_or_404(user, qs, field="institution__region_code", pk=inspection_id)


def _penalties() -> QuerySet:
    return Penalty.objects.select_related("institution", "document", "decided_by")


def penalties(user) -> QuerySet:
    return scope_queryset(user, _penalties(), field="institution__region_code")


def penalty_or_404(user, penalty_id: int) -> Penalty:
    return get_in_scope_or_404(user, _penalties(), field="institution__region_code", pk=penalty_id)


def institution_or_404(user, institution_id: int) -> Institution:
    qs = Institution.objects.select_related("registrar")
    return get_in_scope_or_404(user, qs, pk=institution_id)


def institution_find(user, value: str) -> Institution | None:
    """An institution in scope by id or credit code."""
    value = value.strip().upper()
    qs = scope_queryset(user, Institution.objects.all())
    if value.isdigit() and len(value) < 12:
        return qs.filter(pk=int(value)).first()
    return qs.filter(credit_code=value).first()


@dataclasses.dataclass
class Record:
    """Everything the register and supervision know of one institution (监管档案)."""

    institution: Institution
    versions: list[ItemsVersion]
    certificates: list[Certificate]
    applications: list[Application]
    inspections: list[Inspection]
    penalties: list[Penalty]
    notices: list[Notice]
    journal: list[JournalEntry]


JOURNAL_LIMIT = 300


def journal_of(institution: Institution) -> QuerySet:
    """The journal of the institution and of what hangs on it (certificates, applications,
    notices, inspections, penalties), newest first, in one query."""
    related = {
        "registration.certificate": Certificate.objects.filter(institution=institution),
        "registration.application": Application.objects.filter(institution=institution),
        "registration.notice": Notice.objects.filter(institution=institution),
        "supervision.inspection": Inspection.objects.filter(institution=institution),
        "supervision.penalty": Penalty.objects.filter(institution=institution),
    }
    where = Q(entity="registration.institution", entity_id=institution.pk)
    for entity, qs in related.items():
        where |= Q(entity=entity, entity_id__in=qs.values("pk"))
    return JournalEntry.objects.filter(where).select_related("document", "actor").order_by("-seq")


def institution_record(institution: Institution) -> Record:
    inspections = (
        institution.inspections.select_related("draw", "recorded_by")
        .prefetch_related("inspectors")
        .order_by("-id")
    )
    return Record(
        institution=institution,
        versions=list(institution.versions.order_by("-valid_from", "-id")),
        certificates=list(institution.certificates.order_by("-id")),
        applications=list(institution.applications.order_by("-id")),
        inspections=list(inspections),
        penalties=list(
            institution.penalties.select_related("document", "decided_by", "inspection")
        ),
        notices=list(institution.notices.all()),
        journal=list(journal_of(institution)[:JOURNAL_LIMIT]),
    )

"""Classification labels (密级) carried by records and held by users as clearances.

Reads are bounded by the reader's clearance: lists leave out what is above it (`visible_to`),
a direct fetch of such a record is refused and audited (`check_clearance`), and labelled fields
are left out of pages and API answers (`FIELD_LEVELS`). On the extranet (政务外网) every clearance
is capped at 非密, so no classified data is ever served there."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


class Classification(models.IntegerChoices):
    """Ordered: a user may read a record whose label is at most the user's clearance."""

    UNCLASSIFIED = 0, _("Unclassified (非密)")
    INTERNAL = 1, _("Internal (内部)")
    SECRET = 2, _("Secret (秘密)")
    CONFIDENTIAL = 3, _("Confidential (机密)")


# Field-level labels: (model label, field) → the clearance needed to see the field's full value.
FIELD_LEVELS: dict[tuple[str, str], int] = {
    ("personnel.person", "resident_id"): Classification.INTERNAL,
    ("personnel.person", "phone"): Classification.INTERNAL,
    ("personnel.person", "home_address"): Classification.INTERNAL,
}


class AboveClearance(PermissionDenied):
    """A read of a record labelled above the reader's clearance (already audited)."""

    def __init__(self, level: int, clearance: int):
        self.level, self.clearance = level, clearance
        self.message = (
            f"该记录密级为{Classification(level).label}，超出您的知悉范围（{clearance}）/ "
            f"this record is classified {level}, above your clearance {clearance}"
        )
        super().__init__(self.message)


def effective_clearance(user) -> int:
    """The user's clearance, capped at 非密 on the extranet; 非密 for anonymous users."""
    if settings.NETWORK == "extranet" or not getattr(user, "is_authenticated", False):
        return Classification.UNCLASSIFIED
    return int(getattr(user, "clearance", Classification.UNCLASSIFIED))


def visible_to(user, qs: QuerySet, field: str = "classification") -> QuerySet:
    """Only the rows whose label (`field`, may cross relations) is within the user's clearance."""
    return qs.filter(**{f"{field}__lte": effective_clearance(user)})


def can_read(user, obj, field: str = "classification") -> bool:
    return int(getattr(obj, field, 0) or 0) <= effective_clearance(user)


def check_clearance(user, obj: models.Model, *, request=None) -> None:
    """Refuse (and audit `access.above_clearance`) a read of a record above the clearance."""
    if can_read(user, obj):
        return
    from bianzhi.audit.services import audit_record

    level, clearance = int(obj.classification), effective_clearance(user)
    with transaction.atomic():
        audit_record(
            "access.above_clearance",
            actor=user,
            obj=obj,
            result="refused",
            reason=f"classification {level} > clearance {clearance}",
            data={"classification": level, "clearance": clearance, "network": settings.NETWORK},
            request=request,
        )
    raise AboveClearance(level, clearance)


def field_visible(user, model_label: str, field: str) -> bool:
    """Whether the user may see the full value of a labelled field (unlabelled: always)."""
    return FIELD_LEVELS.get((model_label, field), 0) <= effective_clearance(user)


def classification_set(*, actor, obj: models.Model, level: int, reason: str = "") -> models.Model:
    """Label a record (body, person, document) with a 密级; journaled (and so audited)."""
    from bianzhi.core.errors import InvalidInput
    from bianzhi.core.journal import journal_record

    if level not in Classification.values:
        raise InvalidInput(
            f"密级 {level} 无效", f"classification {level} is not valid", field="classification"
        )
    with transaction.atomic():
        model = type(obj)
        locked = model._default_manager.select_for_update().get(pk=obj.pk)
        before = locked.classification
        model._default_manager.filter(pk=obj.pk).update(classification=level)
        locked.classification = level
        journal_record(
            obj=locked,
            action="core.classification.set",
            actor=actor,
            before={"classification": before},
            after={"classification": level, "reason": reason},
        )
    return locked

"""Who may see what, in one place (design principle 6): deny by default, 404 to outsiders."""

from django.db.models import Model, QuerySet
from django.http import Http404

NATIONAL = "000000"


def region_prefix(code: str) -> str:
    """The code prefix shared by a division and all its subdivisions (GB/T 2260 layout)."""
    if code == NATIONAL:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def user_region_prefix(user) -> str | None:
    """The prefix of the regions a user may see, or None for nothing at all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    node = getattr(user, "node", None)
    if node is None:
        return None
    return region_prefix(node.region_code)


def scope_queryset(user, qs: QuerySet, field: str = "region_code") -> QuerySet:
    """Restrict a queryset to the rows inside the user's region; nothing when the user has none."""
    prefix = user_region_prefix(user)
    if prefix is None:
        return qs.none()
    if prefix == "":
        return qs
    return qs.filter(**{f"{field}__startswith": prefix})


def region_in_scope(user, region_code: str) -> bool:
    prefix = user_region_prefix(user)
    return prefix is not None and region_code.startswith(prefix)


def get_in_scope_or_404(user, qs: QuerySet, field: str = "region_code", **lookup) -> Model:
    """Fetch one object the user may see; outsiders get the same 404 as a missing object, and
    an attempt on an object that exists outside the user's scope is audited."""
    try:
        return scope_queryset(user, qs, field).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        audit_out_of_scope(user, qs, lookup)
        raise Http404 from exc


def audit_out_of_scope(user, qs: QuerySet, lookup: dict) -> None:
    """On the refusal path only: one query to tell "outside scope" from "missing"."""
    from bianzhi.audit.services import audit_record

    try:
        found = qs.filter(**lookup).values_list("pk", flat=True).first()
    except (ValueError, TypeError):
        return
    if found is not None:
        audit_record(
            "access.out_of_scope",
            actor=user,
            entity=qs.model._meta.label_lower,
            entity_id=found,
            result="refused",
            reason="outside the user's region scope",
        )

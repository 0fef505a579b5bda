"""Record views of personal data and exports (every full-record view is an audit event)."""

from django.db import models

from .models import AccessEvent


def record_access(request, action: str, obj: models.Model | None = None) -> AccessEvent:
    """One access event for the request's user, e.g. `personnel.person.viewed`."""
    user = getattr(request, "user", None)
    return AccessEvent.objects.create(
        actor=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        entity=obj._meta.label_lower if obj is not None else "",
        entity_id=getattr(obj, "pk", None),
        address=request.META.get("REMOTE_ADDR") or None,
        path=request.get_full_path()[:300],
    )

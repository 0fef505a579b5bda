"""Record views of personal data and exports: every full-record view is an audit event."""

from django.db import models

from bianzhi.audit.models import AuditEvent
from bianzhi.audit.services import audit_record


def record_access(
    request, action: str, obj: models.Model | None = None, data: dict | None = None
) -> AuditEvent:
    """One audit event for the request's user, e.g. `personnel.person.viewed`."""
    return audit_record(action, obj=obj, request=request, data=data)

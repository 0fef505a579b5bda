"""Append entries to the one journal (design principle 4), inside the caller's transaction."""

import datetime
from typing import Any

from django.db import models, transaction

from bianzhi.audit.services import audit_record

from .models import Document, JournalEntry


def journal_record(
    *,
    obj: models.Model,
    action: str,
    actor: Any,
    before: dict | None = None,
    after: dict | None = None,
    document: Document | None = None,
    effective_date: datetime.date | None = None,
) -> JournalEntry:
    """Append one journal entry and its audit event (same action, actor and object); must run
    inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journal_record must be called inside transaction.atomic()")
    entry = JournalEntry.objects.create(
        entity=obj._meta.label_lower,
        entity_id=obj.pk,
        entity_uid=getattr(obj, "uid", None),
        action=action,
        before=before,
        after=after,
        document=document,
        actor=actor if getattr(actor, "pk", None) else None,
        effective_date=effective_date,
    )
    audit_record(action, actor=actor, obj=obj, data={"journal": entry.seq})
    return entry


def entries_for(obj: models.Model):
    return JournalEntry.objects.filter(entity=obj._meta.label_lower, entity_id=obj.pk)

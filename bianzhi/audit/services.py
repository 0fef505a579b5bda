"""Write audit events: one function, called by every module (see docs/adr on the audit)."""

import contextlib
import logging
import time
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from bianzhi.core.net import client_address

from . import context
from .models import AuditEvent

logger = logging.getLogger(__name__)
_last_seal = 0.0


def _actor(actor: Any):
    if actor is None:
        ctx = context.current()
        actor = getattr(ctx, "user", None) if ctx else None
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def audit_record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    entity: str = "",
    entity_id: Any = "",
    result: str = AuditEvent.Result.SUCCESS,
    reason: str = "",
    data: dict | None = None,
    request: Any = None,
) -> AuditEvent:
    """Append one audit event, e.g. `audit_record("personnel.person.viewed", obj=person)`.

    The actor, address and path default to the request being served. Call it inside the
    transaction of the action it records, so that both commit or neither does."""
    if not settings.AUDIT_ENABLED:  # only the overhead benchmark's baseline turns it off
        return AuditEvent(action=action)
    ctx = context.current()
    address = (client_address(request) if request is not None else None) or (
        ctx.address if ctx else None
    )
    path = request.get_full_path()[:300] if request is not None else (ctx.path if ctx else "")
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    user = _actor(actor)
    with _own_transaction_if_alone():
        event = AuditEvent.objects.create(
            at=timezone.now(),
            actor=user,
            actor_name=getattr(user, "username", "") if user else str(actor or "")[:150],
            node=settings.NODE_CODE,
            address=address,
            action=action,
            entity=obj._meta.label_lower if obj is not None else entity,
            entity_id=str(obj.pk if obj is not None else entity_id)[:64],
            result=result,
            reason=reason[:300],
            path=path,
            data=data,
        )
    _seal_on_commit()
    return event


@contextlib.contextmanager
def _own_transaction_if_alone():
    """A row written outside any transaction — a view, an export, a refusal: nothing else
    commits with it — is committed asynchronously on PostgreSQL when AUDIT_ASYNC_STANDALONE is
    on (the default): no wait for the WAL flush, at the price of losing at most the last
    ~0.6 s of such rows if the database server itself crashes (an application crash loses
    nothing). Rows written inside a business transaction always commit with it, durably."""
    if (
        connection.in_atomic_block
        or connection.vendor != "postgresql"
        or not settings.AUDIT_ASYNC_STANDALONE
    ):
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _seal_on_commit() -> None:
    # Once per transaction, not per row: an import may write thousands of rows. The flag alone
    # could outlive a rolled-back transaction, hence the look at the pending callbacks.
    if getattr(connection, "_audit_seal_pending", False) and connection.run_on_commit:
        return
    connection._audit_seal_pending = True
    transaction.on_commit(_seal_after_commit)


def _seal_after_commit() -> None:
    """Chain what just committed, in a transaction of its own; never fails the caller."""
    global _last_seal
    connection._audit_seal_pending = False
    now = time.monotonic()
    if now - _last_seal < settings.AUDIT_SEAL_INTERVAL:
        return
    _last_seal = now
    from .chain import seal

    try:
        seal()
    except Exception:  # the rows stay unsealed; `bianzhi audit seal` or the next commit catch up
        logger.exception("audit: sealing after commit failed")

"""Periodic audit work for the task worker: seal what is left unsealed and sign the head.

Enqueue `audit_maintain` from the scheduler (cron / systemd timer every
AUDIT_CHECKPOINT_INTERVAL seconds), or run `bianzhi audit checkpoint`, which does the same."""

from django_tasks import task

from .checkpoints import checkpoint_create


@task()
def audit_maintain() -> int | None:
    """Seal, then checkpoint; the checkpoint's chain position, or None if nothing new."""
    point = checkpoint_create()
    return point.last_seq if point else None

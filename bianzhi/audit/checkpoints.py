"""Checkpoints: the chain head (last position and hash) signed with the node key, so that a
rewrite of the chain from some row onwards, hashes recomputed, is still detected."""

from django.db import transaction

from . import keys
from .chain import _locked_head, seal
from .models import AuditCheckpoint


def checkpoint_message(last_seq: int, head_hash: str) -> bytes:
    return f"bianzhi-audit-checkpoint|{last_seq}|{head_hash}".encode()


def checkpoint_create() -> AuditCheckpoint | None:
    """Seal, then sign the head; None when the chain is empty or already checkpointed there."""
    seal()
    with transaction.atomic():
        head = _locked_head()
        if head.chain_seq == 0:
            return None
        latest = AuditCheckpoint.objects.order_by("-last_seq").first()
        if latest is not None and latest.last_seq >= head.chain_seq:
            return None
        return AuditCheckpoint.objects.create(
            last_seq=head.chain_seq,
            head_hash=head.hash,
            signature=keys.sign(checkpoint_message(head.chain_seq, head.hash)),
            key_id=keys.key_id(),
        )

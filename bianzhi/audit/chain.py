"""The hash chain: canonical form of a row, SM3 hashing, and the sealer that chains committed rows.

Rows are inserted unsealed inside the business transaction (no lock, no ordering constraint);
`seal()` runs afterwards in its own short transaction under a lock on the one chain-head row and
gives every committed unsealed row the next chain position, its prev_hash and its hash. Business
transactions never take that lock, so chaining cannot serialise or deadlock them
(docs/adr/0006-tamper-evident-audit.md)."""

import datetime
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.db import IntegrityError, connection, transaction

from .guard import KEPT
from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
SEAL_BATCH = 2000
HEAD_PK = 1
# The audited fields, in the order rows are read for hashing (see `canonical`): the columns the
# guard keeps unchangeable, plus the chain position the sealer gives.
FIELDS = (KEPT[0], "chain_seq", *KEPT[1:])


def iso(at: datetime.datetime) -> str:
    """UTC, microseconds, always the same spelling: 2026-11-27T13:05:01.000123+00:00."""
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def row_dict(values: tuple) -> dict[str, Any]:
    """The audited fields of a row read as `FIELDS`, as JSON values (what archives hold)."""
    row = dict(zip(FIELDS, values, strict=True))
    row["at"] = iso(row["at"])
    return row


def canonical(row: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes from the database and from an archive."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """hash = SM3(prev_hash ‖ canonical JSON), hex."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical(row))
    return digest.finalize().hex()


def _locked_head() -> AuditChainHead:
    try:
        return AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)
    except AuditChainHead.DoesNotExist:
        # Only after a flush of the test database; the migration creates the row.
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(pk=HEAD_PK, chain_seq=0, hash=GENESIS)
        except IntegrityError:
            pass
        return AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)


SEAL_SQL = "UPDATE audit_auditevent SET chain_seq = %s, prev_hash = %s, hash = %s WHERE seq = %s"


def _seal_batch(batch: int) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A lost seal is harmless (the rows are sealed again, identically, from committed
            # data) and WAL order means a later synchronous commit flushes it: no fsync wait.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        head = _locked_head()
        rows = list(
            AuditEvent.objects.filter(chain_seq__isnull=True)
            .order_by("seq")
            .values_list(*FIELDS)[:batch]
        )
        if not rows:
            return 0
        prev, position, sealed = head.hash, head.chain_seq, []
        for values in rows:
            position += 1
            row = row_dict(values) | {"chain_seq": position}
            digest = row_hash(prev, row)
            sealed.append((position, prev, digest, row["seq"]))
            prev = digest
        with connection.cursor() as cursor:
            cursor.executemany(SEAL_SQL, sealed)
        head.chain_seq, head.hash = position, prev
        head.save(update_fields=["chain_seq", "hash"])
        return len(rows)


def seal(batch: int = SEAL_BATCH) -> int:
    """Chain every committed unsealed row, oldest `seq` first; returns how many were sealed."""
    total = 0
    while True:
        count = _seal_batch(batch)
        total += count
        if count < batch:  # the last batch: no second transaction just to find nothing
            return total

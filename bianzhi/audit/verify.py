"""Walk the chain and name the first row altered, removed or out of order; check checkpoints.

Checks, in chain order from the last archive's end (or the genesis hash): positions contiguous
(a gap = rows removed), each prev_hash equal to the previous row's hash (else the row is out of
order or was inserted), each hash recomputed (else the row was altered); every checkpoint's
signature, and that each checkpointed head is still in the chain with the same hash."""

import time
from dataclasses import dataclass, field

from . import keys
from .chain import FIELDS, GENESIS, row_dict, row_hash
from .checkpoints import checkpoint_message
from .models import AuditArchive, AuditChainHead, AuditCheckpoint, AuditEvent

CHUNK = 20_000


@dataclass
class Problem:
    code: str  # altered, removed, out_of_order, checkpoint, truncated
    chain_seq: int | None
    seq: int | None
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass
class Report:
    rows: int = 0
    checkpoints: int = 0
    first_chain_seq: int = 1
    last_chain_seq: int = 0
    head_hash: str = GENESIS
    unsealed: int = 0
    seconds: float = 0.0
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_row(row: dict, stored_prev: str, stored_hash: str, expected: int, prev: str):
    """The problem with one row given the expected position and previous hash, or None."""
    position, seq = row["chain_seq"], row["seq"]
    if position != expected:
        return Problem(
            "removed",
            expected,
            seq,
            f"链位置 {expected} 缺失：该位置的记录已被删除（下一条为 #{seq}，位置 {position}）",
            f"chain position {expected} is missing: the row there was removed "
            f"(next present: #{seq} at position {position})",
        )
    if stored_prev != prev:
        return Problem(
            "out_of_order",
            position,
            seq,
            f"记录 #{seq}（链位置 {position}）顺序错乱或被插入：前序哈希与上一条不符",
            f"row #{seq} (chain position {position}) is out of order or was inserted: "
            "its prev_hash does not match the row before it",
        )
    if row_hash(prev, row) != stored_hash:
        return Problem(
            "altered",
            position,
            seq,
            f"记录 #{seq}（链位置 {position}）已被篡改：哈希不符",
            f"row #{seq} (chain position {position}) was altered: its hash does not match",
        )
    return None


def _start() -> tuple[int, str]:
    archive = AuditArchive.objects.order_by("-last_chain_seq").first()
    if archive is None:
        return 1, GENESIS
    return archive.last_chain_seq + 1, archive.last_hash


def _checkpoints(report: Report, start: int) -> dict[int, str]:
    """Signed heads by position; a bad signature is itself the problem found."""
    heads = {}
    for point in AuditCheckpoint.objects.order_by("last_seq"):
        message = checkpoint_message(point.last_seq, point.head_hash)
        if point.key_id != keys.key_id() or not keys.verify(message, point.signature):
            report.problem = Problem(
                "checkpoint",
                point.last_seq,
                None,
                f"检查点（链位置 {point.last_seq}）签名无效",
                f"checkpoint at chain position {point.last_seq} has an invalid signature",
            )
            return {}
        if point.last_seq >= start:
            heads[point.last_seq] = point.head_hash
        report.checkpoints += 1
    return heads


def _chunks(start: int, chunk: int):
    position = start
    while True:
        rows = list(
            AuditEvent.objects.filter(chain_seq__gte=position)
            .order_by("chain_seq")
            .values_list(*FIELDS, "prev_hash", "hash")[:chunk]
        )
        if not rows:
            return
        yield rows
        position = rows[-1][1] + 1


def _checkpoint_problem(position: int, seq: int) -> Problem:
    return Problem(
        "checkpoint",
        position,
        seq,
        f"链位置 {position} 的记录 #{seq} 与已签名检查点不符：其前的记录被改写",
        f"row #{seq} at chain position {position} differs from the signed checkpoint: "
        "the chain up to it was rewritten",
    )


def _walk(report: Report, heads: dict[int, str], start: int, prev: str, chunk: int) -> None:
    expected = start
    width = len(FIELDS)
    for rows in _chunks(start, chunk):
        for values in rows:
            row = row_dict(values[:width])
            stored_prev, stored_hash = values[width], values[width + 1]
            problem = check_row(row, stored_prev, stored_hash, expected, prev)
            if problem is None and heads.get(expected, stored_hash) != stored_hash:
                problem = _checkpoint_problem(expected, row["seq"])
            if problem is not None:
                report.problem = problem
                return
            prev, expected = stored_hash, expected + 1
            report.rows += 1
    report.last_chain_seq, report.head_hash = expected - 1, prev


def _truncation(report: Report, heads: dict[int, str]) -> None:
    head = AuditChainHead.objects.filter(pk=1).first()
    signed = max(heads, default=0)
    end = max(signed, head.chain_seq if head else 0)
    if end > report.last_chain_seq:
        position = report.last_chain_seq + 1
        report.problem = Problem(
            "truncated",
            position,
            None,
            f"链末尾的记录已被删除：链止于位置 {report.last_chain_seq}，"
            f"但已签名或已记录的链头在位置 {end}",
            f"rows were removed from the end: the chain stops at position "
            f"{report.last_chain_seq} but the signed or recorded head is at {end}",
        )


def verify_chain(chunk: int = CHUNK) -> Report:
    """Verify the live chain (from the last archive's end); report.problem names the first fault."""
    began = time.perf_counter()
    start, prev = _start()
    report = Report(first_chain_seq=start, last_chain_seq=start - 1, head_hash=prev)
    heads = _checkpoints(report, start)
    if report.ok:
        _walk(report, heads, start, prev, chunk)
    if report.ok:
        _truncation(report, heads)
    report.unsealed = AuditEvent.objects.filter(chain_seq__isnull=True).count()
    report.seconds = time.perf_counter() - began
    return report

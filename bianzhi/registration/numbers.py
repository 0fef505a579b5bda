"""Per-node sequences for registration: application numbers per year, certificate and notice
numbers. Taken inside the caller's transaction with the counter row locked, like
`core.numbering`: a rolled-back step gives its number back, and no number is given twice."""

from django.db import transaction

from bianzhi.core.models import Node
from bianzhi.core.numbering import locked_counter

from .models import Counter


def counter_take(node: Node, kind: str, year: int = 0) -> int:
    """The next value of the node's `kind` sequence (per `year`, or for ever with 0)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_take must be called inside transaction.atomic()")
    counter = locked_counter(Counter, node=node, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def application_number(node: Node, year: int) -> str:
    """登记申请编号, e.g. "DJ320506-2026-00012"."""
    return f"DJ{node.region_code}-{year}-{counter_take(node, 'application', year):05d}"


def certificate_number(node: Node) -> str:
    """证书号: "事证第" + the registrar's region code + a 6-digit sequence + "号"; never reused."""
    return f"事证第{node.region_code}{counter_take(node, 'certificate'):06d}号"


def notice_number(node: Node, year: int) -> str:
    """公告编号, e.g. "320506-2026-0003"."""
    return f"{node.region_code}-{year}-{counter_take(node, 'notice', year):04d}"

"""Document numbers (发文字号, "苏编办〔2026〕12号"): one counter per node and year, taken in the
issuing transaction (ADR 0010).

The counter row stays locked until the issuing transaction ends, so issues of one node-year
run one after another: a rolled-back issue gives its number back (no gap) and two issues
never get the same number (no duplicate)."""

from django.db import IntegrityError, transaction

from .errors import InvalidInput
from .models import DocumentCounter, Node

FIRST_YEAR, LAST_YEAR = 1949, 2100


def document_number_format(prefix: str, year: int, n: int) -> str:
    """GB/T 9704: 代字, the year in 六角括号 〔〕, the sequence without leading zeros, 号."""
    return f"{prefix}〔{year}〕{n}号"


def node_doc_prefix(node: Node) -> str:
    """The node's 代字, or "<name>发" when none is set."""
    return node.doc_prefix.strip() or f"{node.name}发"


def _locked_counter(node: Node, year: int) -> DocumentCounter:
    counter = DocumentCounter.objects.select_for_update().filter(node=node, year=year).first()
    if counter is not None:
        return counter
    # First number of the year: two issuers may race to create the row; the loser's insert
    # waits on the unique index, fails inside its savepoint, and then locks the winner's row.
    try:
        with transaction.atomic():
            DocumentCounter.objects.create(node=node, year=year)
    except IntegrityError:
        pass
    return DocumentCounter.objects.select_for_update().get(node=node, year=year)


def document_number_take(*, node: Node, year: int) -> tuple[int, str]:
    """Take the next number of `node` in `year` inside the caller's transaction.

    The caller journals the document that carries the number; the counter itself is not a
    fact of its own."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document_number_take must be called inside transaction.atomic()")
    if node is None or node.pk is None:
        raise InvalidInput("发文单位不能为空", "the issuing node is required", field="node")
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            f"年份须为 {FIRST_YEAR}–{LAST_YEAR} 之间的整数",
            f"year must be a whole year between {FIRST_YEAR} and {LAST_YEAR}",
            field="year",
        )
    counter = _locked_counter(node, year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, document_number_format(node_doc_prefix(node), year, counter.last)

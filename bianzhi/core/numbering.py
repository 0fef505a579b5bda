"""Document numbers (发文字号, "苏编办〔2026〕12号"): one counter per node and year, taken in the
issuing transaction (ADR 0010).

The counter row stays locked until the issuing transaction ends, so issues of one node-year
run one after another: a rolled-back issue gives its number back (no gap) and two issues
never get the same number (no duplicate). A number the node already used on a document
recorded by hand is passed over."""

from django.db import IntegrityError, transaction

from .errors import InvalidInput
from .models import Document, DocumentCounter, Node

FIRST_YEAR, LAST_YEAR = 1949, 2100


def document_number_format(prefix: str, year: int, n: int) -> str:
    """GB/T 9704: 代字, the year in 六角括号 〔〕, the sequence without leading zeros, 号."""
    return f"{prefix}〔{year}〕{n}号"


def node_doc_prefix(node: Node) -> str:
    """The node's 代字, or "<name>发" when none is set."""
    return node.doc_prefix.strip() or f"{node.name}发"


def locked_counter(model, **lookup):
    """The counter row of `model` matching `lookup`, created at 0 if missing, locked until the
    caller's transaction ends. Two transactions may race to create the first row; the loser's
    insert waits on the unique index, fails inside its savepoint, and then locks the winner's
    row."""
    counter = model.objects.select_for_update().filter(**lookup).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            model.objects.create(**lookup)
    except IntegrityError:
        pass
    return model.objects.select_for_update().get(**lookup)


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
    counter = locked_counter(DocumentCounter, node=node, year=year)
    prefix = node_doc_prefix(node)
    while True:
        counter.last += 1
        number = document_number_format(prefix, year, counter.last)
        # A number the office already used on a document recorded by hand (a paper decision)
        # is passed over, not reused: the sequence goes on past it.
        if not Document.objects.filter(issuer=node.name, number=number).exists():
            break
    counter.save(update_fields=["last"])
    return counter.last, number

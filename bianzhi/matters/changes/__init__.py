"""The change set of an establishment matter: the operations an item may carry and which matter
types allow them (``ops``), checks as items are added (``validate_item``), one line per item
(``describe``), a dry run body by body (``preview``), what approval relied on (``fingerprint``,
``conflicts``) and execution through the registry and ledger services (``apply``)."""

from .describe import describe, describe_items, names_for
from .execution import apply
from .fingerprint import conflicts, fingerprint
from .ops import ALLOWED_OPS, OPS
from .preview import BodyDiff, FieldChange, LeaderPostDiff, QuotaDiff, preview
from .validation import validate_item

__all__ = [
    "ALLOWED_OPS",
    "OPS",
    "BodyDiff",
    "FieldChange",
    "LeaderPostDiff",
    "QuotaDiff",
    "apply",
    "conflicts",
    "describe",
    "describe_items",
    "fingerprint",
    "names_for",
    "preview",
    "validate_item",
]

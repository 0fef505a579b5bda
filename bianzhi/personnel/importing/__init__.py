"""Bulk import of people onto the register and onto posts, from .xlsx or .csv (UTF-8 or GBK):
every row is checked in one streaming pass, then all rows are loaded in one transaction under
row locks on the quota counters, or none, with a row-by-row error report.

Modules: `columns` (the layout and the error entries), `source` (streaming the file's rows),
`checking` (the checks and the spool of valid rows), `loading` (the transaction: documents,
COPY and INSERT … SELECT on PostgreSQL, counters under lock, journal), `pipeline` (on
PostgreSQL, a writer thread loads the spooled rows while the checks go on, committing only a
clean file) and `jobs` (the PersonImportJob services and the task).
"""

from .checking import check_rows, fast_identity
from .columns import ALL_COLUMNS, COLUMNS
from .jobs import person_import_create, person_import_run, run_person_import
from .loading import ImportRefused, load
from .source import open_table

# Rows between progress reports while checking; errors kept for the report.
PROGRESS_EVERY = 10_000
MAX_ERRORS = 1000

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "MAX_ERRORS",
    "PROGRESS_EVERY",
    "ImportRefused",
    "check_rows",
    "fast_identity",
    "load",
    "open_table",
    "person_import_create",
    "person_import_run",
    "run_person_import",
]

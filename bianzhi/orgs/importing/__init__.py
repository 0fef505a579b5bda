"""Import of bodies from .xlsx or .csv files: read every row, validate all of them, then create
all bodies in one transaction or none at all, with a row-by-row error report.

Flow: `import_job_create` stores the upload and enqueues the `run_import` task once the
transaction commits; the task calls `import_job_run`, which reads the file (`read_table`),
checks every row (`validate_rows`) and, only when no row has an error, creates the bodies in
dependency order (`create_bodies`) through `services.org_establish`.

Modules: `reading` (columns, file types, rows, dates and codes), `checking` (row checks and
creation order) and `jobs` (creation, the ImportJob services and the `run_import` task).
`run_import` stays importable here, the path that tasks queued before the split recorded.
"""

from ..importing_models import ImportJob
from .checking import validate_rows
from .jobs import create_bodies, import_job_create, run_import
from .reading import COLUMNS, STATUS_COLUMN, STATUS_LABELS, XLSX_TYPE, read_table, resolve_code
from .reading import _parse_date as _parse_date  # for the tests

# Rows between progress reports while validating and while creating (see checking.progress_every).
PROGRESS_EVERY = 50

__all__ = [
    "COLUMNS",
    "PROGRESS_EVERY",
    "STATUS_COLUMN",
    "STATUS_LABELS",
    "XLSX_TYPE",
    "ImportJob",
    "create_bodies",
    "import_job_create",
    "read_table",
    "resolve_code",
    "run_import",
    "validate_rows",
]

"""Import jobs: `import_job_create` stores an upload and enqueues the `run_import` task; the
task calls `import_job_run`, which reads and checks the file and, when every row is valid,
creates all bodies in one transaction (`create_bodies`), reporting progress on the job."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from bianzhi.core.documents import document_register
from bianzhi.core.errors import DomainError, InvalidInput
from bianzhi.core.import_jobs import (
    import_job_store,
    import_job_update,
    progress_beside_transaction,
)
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Document
from bianzhi.core.scope import user_region_prefix

from .. import services
from ..importing_models import ImportJob
from ..models import Org
from .checking import Plan, progress_every, validate_rows
from .reading import (
    Row,
    _check_size,
    _file_kind,
    _file_problem,
    file_error,
    read_table,
    row_error,
)

logger = logging.getLogger(__package__)  # "bianzhi.orgs.importing", as before the split

IMPORTED = "orgs.org.imported"
MAX_ERRORS = 1000


class ImportFailed(Exception):
    """Creating a body failed after validation passed (a concurrent change); nothing is kept."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(errors)
        self.errors = errors


# --- creation ---------------------------------------------------------------------------------


def _document_for(actor, row: Row, documents: dict[tuple, Document]) -> Document:
    key = (
        row.get("document_issuer"),
        row.get("document_number"),
        row.dates["document_date"],
        row.get("document_title"),
    )
    if key not in documents:
        documents[key] = document_register(
            actor=actor, issuer=key[0], number=key[1], issued_on=key[2], title=key[3]
        )
    return documents[key]


def _create(actor, row: Row, created: dict[int, Org], documents: dict) -> Org:
    try:
        return services.org_establish(
            actor=actor,
            spec=row.spec(created),
            document=_document_for(actor, row, documents),
            effective_date=row.dates["established_on"],
            action=IMPORTED,
        )
    except DomainError as exc:
        error = row_error(
            row.number,
            exc.field,
            row.get(exc.field or ""),
            exc.code,
            exc.message_zh,
            exc.message_en,
        )
        raise ImportFailed([error]) from exc


def create_bodies(*, actor, plan: Plan, progress: Callable[[int], None] | None = None) -> list[int]:
    """Create every planned body in one transaction; returns their ids in file order."""
    created: dict[int, Org] = {}
    documents: dict[tuple, Document] = {}
    with transaction.atomic():
        for done, row in enumerate(plan.order, start=1):
            created[row.number] = _create(actor, row, created, documents)
            if progress and done % progress_every() == 0:
                progress(done)
    return [created[row.number].pk for row in plan.rows]


# --- jobs -------------------------------------------------------------------------------------


def _check_upload(actor, upload) -> None:
    if user_region_prefix(actor) is None:
        raise InvalidInput(
            "您的账号未绑定节点，不能导入", "your account has no node", field="file", code="no_node"
        )
    if upload is None:
        raise _file_problem("file.missing", "请选择要导入的文件", "choose a file to import")
    _check_size(upload.size)
    head = upload.read(4096)
    upload.seek(0)
    _file_kind(upload.name, head)


@transaction.atomic
def import_job_create(*, actor, upload) -> ImportJob:
    """Store an uploaded file as an import job and run it in the background after commit."""
    _check_upload(actor, upload)
    return import_job_store(
        job=ImportJob(), actor=actor, upload=upload, action="orgs.import.created", run=run_import
    )


def _finish(job: ImportJob, *, errors: list[dict] | None = None, ids: list[int] | None = None):
    errors, ids = errors or [], ids or []
    if len(errors) > MAX_ERRORS:
        more = len(errors) - MAX_ERRORS
        zh, en = f"另有 {more} 个错误未列出", f"and {more} more errors"
        errors = [*errors[:MAX_ERRORS], row_error(None, None, "", "too_many_errors", zh, en)]
    job.status = ImportJob.Status.FAILED if errors else ImportJob.Status.SUCCEEDED
    job.errors, job.created_ids, job.created_count = errors, ids, len(ids)
    job.processed_rows = job.total_rows if ids else job.processed_rows
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
        journal_record(
            obj=job,
            action=f"orgs.import.{job.status}",
            actor=job.created_by,
            after={
                "filename": job.filename,
                "sha256": job.sha256,
                "rows": job.total_rows,
                "created": job.created_count,
                "errors": len(errors),
            },
        )
    return job


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read(settings.IMPORT_MAX_BYTES + 1)


def _import(job: ImportJob) -> ImportJob:
    actor = job.created_by
    import_job_update(job, status=ImportJob.Status.VALIDATING, processed_rows=0)
    rows = read_table(job.filename, _read(job))
    import_job_update(job, total_rows=len(rows))
    plan = validate_rows(
        rows, actor=actor, progress=lambda n: import_job_update(job, processed_rows=n)
    )
    if plan.errors:
        return _finish(job, errors=plan.errors)
    import_job_update(job, status=ImportJob.Status.IMPORTING, processed_rows=0)
    with progress_beside_transaction(job, "processed_rows") as report:
        ids = create_bodies(actor=actor, plan=plan, progress=report)
    return _finish(job, ids=ids)


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Validate the job's file and import all of its rows, or none; journaled either way."""
    try:
        return _import(job)
    except InvalidInput as exc:
        return _finish(job, errors=[file_error(exc)])
    except ImportFailed as exc:
        return _finish(job, errors=exc.errors)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _finish(
            job,
            errors=[
                row_error(None, None, "", "internal_error", "导入时发生内部错误", "internal error")
            ],
        )
        raise


@task()
def run_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by__node").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job.status
    return import_job_run(job=job).status

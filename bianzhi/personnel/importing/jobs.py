"""Import jobs: `person_import_create` stores an upload and enqueues the `run_person_import`
task after commit; the task calls `person_import_run`, which checks every row (`check_rows`,
progress in `validated_rows`) and, when no row has an error, loads them all in one transaction
(`load`, progress in `loaded_rows`). On PostgreSQL outside a transaction both go at once
(`pipeline.check_and_load`), with the same outcome."""

import logging
import tempfile

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from bianzhi.core.errors import InvalidInput
from bianzhi.core.import_jobs import (
    import_job_store,
    import_job_update,
    progress_beside_transaction,
)
from bianzhi.core.journal import journal_record
from bianzhi.core.scope import user_region_prefix
from bianzhi.orgs.importing.reading import _file_kind, _file_problem

from ..models import PersonImportJob
from . import pipeline
from .checking import check_rows
from .columns import file_error, row_error
from .loading import ImportRefused, load
from .source import check_size, open_table

logger = logging.getLogger(__name__)
Status = PersonImportJob.Status


def _check_upload(actor, upload) -> None:
    if user_region_prefix(actor) is None:
        raise InvalidInput(
            "您的账号未绑定节点，不能导入", "your account has no node", field="file", code="no_node"
        )
    if upload is None:
        raise _file_problem("file.missing", "请选择要导入的文件", "choose a file to import")
    head = upload.read(4096)
    upload.seek(0)
    check_size(upload.size, _file_kind(upload.name, head))


@transaction.atomic
def person_import_create(*, actor, upload) -> PersonImportJob:
    """Store an uploaded file as an import job and run it in the background after commit."""
    _check_upload(actor, upload)
    return import_job_store(
        job=PersonImportJob(),
        actor=actor,
        upload=upload,
        action="personnel.import.created",
        run=run_person_import,
    )


def _finish(job: PersonImportJob, *, errors=None, error_count=0, loaded=None) -> PersonImportJob:
    job.status = Status.FAILED if errors else Status.SUCCEEDED
    job.errors, job.error_count = errors or [], max(error_count, len(errors or []))
    if loaded is not None:
        job.persons_created = job.loaded_rows = loaded.persons
        job.summary = loaded.summary
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
        if errors:
            journal_record(
                obj=job,
                action="personnel.import.failed",
                actor=job.created_by,
                after={"filename": job.filename, "sha256": job.sha256, "errors": job.error_count},
            )
    return job


def _checked(job: PersonImportJob, checked) -> None:
    """Every row is read: the true row count; a clean file goes on loading."""
    status = Status.VALIDATING if checked.errors.count else Status.LOADING
    import_job_update(job, status=status, validated_rows=checked.total, total_rows=checked.total)


def _run(job: PersonImportJob) -> PersonImportJob:
    actor = job.created_by
    import_job_update(job, status=Status.VALIDATING, validated_rows=0, loaded_rows=0)
    with (
        job.file.open("rb") as handle,
        open_table(job.filename, handle) as table,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool,
    ):
        import_job_update(job, total_rows=table.estimate)
        checking = {
            "actor": actor,
            "spool": spool,
            "progress": lambda n: import_job_update(job, validated_rows=n),
        }
        if pipeline.usable():
            checked, loaded = pipeline.check_and_load(
                job, table, on_checked=lambda c: _checked(job, c), **checking
            )
        else:
            checked, loaded = check_rows(table.rows, table.columns, **checking), None
        _checked(job, checked)
        if checked.errors.count:
            return _finish(job, errors=checked.errors.report(), error_count=checked.errors.count)
        if loaded is None:
            with progress_beside_transaction(job, "loaded_rows") as report:
                loaded = load(actor=actor, job=job, checked=checked, progress=report)
    return _finish(job, loaded=loaded)


def person_import_run(*, job: PersonImportJob) -> PersonImportJob:
    """Check the job's file and load all of its rows, or none; journaled either way."""
    try:
        return _run(job)
    except InvalidInput as exc:
        return _finish(job, errors=[file_error(exc)])
    except ImportRefused as exc:
        return _finish(job, errors=exc.errors)
    except Exception:
        logger.exception("person import job %s failed", job.pk)
        zh, en = "导入时发生内部错误", "internal error"
        _finish(job, errors=[row_error(None, None, "", "internal_error", zh, en)])
        raise


@task()
def run_person_import(job_id: int) -> str:
    job = PersonImportJob.objects.select_related("created_by__node").get(pk=job_id)
    if job.status != Status.QUEUED:
        return job.status
    return person_import_run(job=job).status

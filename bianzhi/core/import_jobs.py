"""What every import job shares (bodies, persons): storing the upload with its hash and a
journal entry, short progress writes the job page sees at once, and progress reports from
inside the long load transaction through a second connection."""

from contextlib import contextmanager
from pathlib import PurePath

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

from .files import file_sha256
from .journal import journal_record


def import_job_store(*, job: models.Model, actor, upload, action: str, run) -> models.Model:
    """Fill `job` (an unsaved import job) from the upload: owner, region, file name, SHA-256
    and size; save the file and the job, journal `action`, and enqueue the task `run` with the
    job's id once the caller's transaction commits. Call inside that transaction."""
    job.created_by = actor
    job.region_code = actor.node.region_code
    job.filename = PurePath(upload.name).name[:255]
    job.sha256 = file_sha256(upload)
    job.size = upload.size
    job.file.save(f"{job.uid}{PurePath(upload.name).suffix.lower()}", upload, save=False)
    job.save()
    journal_record(
        obj=job,
        action=action,
        actor=actor,
        after={"filename": job.filename, "sha256": job.sha256, "size": job.size},
    )
    transaction.on_commit(lambda: run.enqueue(job.pk))
    return job


def import_job_update(job: models.Model, **fields) -> None:
    """A short write outside any transaction, so that the job page sees progress at once."""
    type(job).objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


@contextmanager
def progress_beside_transaction(job: models.Model, field: str):
    """Progress reports (`report(n)` sets `field`) while the import transaction is open go
    through a second connection, so that pollers see them before the commit. SQLite has one
    writer at a time: no reports (yields None)."""
    if connection.vendor != "postgresql":
        yield None
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = side.ops.quote_name(job._meta.db_table)
    column = side.ops.quote_name(job._meta.get_field(field).column)
    sql = f"UPDATE {table} SET {column} = %s WHERE id = %s"  # nosec B608  # names from _meta

    def report(done: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(sql, [done, job.pk])

    try:
        yield report
    finally:
        side.close()

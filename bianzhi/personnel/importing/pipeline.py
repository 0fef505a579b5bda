"""Checking and writing at once, on PostgreSQL outside any transaction.

While this thread checks the file, a writer thread with its own connection writes each chunk of
rows that reached the spool, inside ONE transaction. The writer commits only when the whole
file checked clean and the counter rows, locked at the end, still have room (`conclude`);
otherwise it rolls everything back, so the outcome is the sequential path's (check, then
`load`), all rows or none. The checks (Python, one core) then overlap the writes (PostgreSQL,
the other core). Rows written early are invisible to others until the commit, and the counters
are checked and bumped under their locks, so concurrent ways in cannot overshoot."""

import queue
import threading

from django.db import connection, transaction

from bianzhi.core.import_jobs import progress_beside_transaction

from . import loading
from .checking import Checked, RowChecker, check_rows
from .loading import (
    Loaded,
    PgWriter,
    Stopwatch,
    check_orgs_active,
    conclude,
    ensure_quotas,
    register_documents,
)

ENABLED = True


def usable() -> bool:
    """PostgreSQL, and no transaction open here (the writer's connection could not see it)."""
    return ENABLED and connection.vendor == "postgresql" and not connection.in_atomic_block


class Aborted(Exception):
    """The file had errors, or checking failed: roll back what was written."""


class Writer(threading.Thread):
    """Writes the spooled rows as the checking thread reports them (`feed`), then concludes or
    rolls back when told (`stop`). Its result, or its error, is read after `join`."""

    def __init__(self, *, actor, job, fd: int) -> None:
        super().__init__(name=f"person-import-{job.pk}", daemon=True)
        self.actor, self.job, self.fd = actor, job, fd
        self.inbox: queue.Queue = queue.Queue()
        self.sent_documents = self.sent_keys = 0
        self.documents: list[int] = []
        self.result: Loaded | None = None
        self.error: BaseException | None = None
        self.report = None

    # --- called by the checking thread ----------------------------------------------------

    def feed(self, checker: RowChecker) -> None:
        """A chunk reached the spool: pass on where it ends and the documents and bodies and
        types first seen (snapshots, so that the threads share no growing dict)."""
        documents = list(checker.documents)[self.sent_documents :]
        keys = list(checker.allowances.values())[self.sent_keys :]
        self.sent_documents += len(documents)
        self.sent_keys += len(keys)
        self.inbox.put(("rows", checker.boundaries[-1], documents, keys))

    def stop(self, checked: Checked | None) -> None:
        """The file is checked: conclude with these rows, or roll back (None)."""
        self.inbox.put(("done", checked))

    # --- the writer thread ----------------------------------------------------------------

    def run(self) -> None:
        try:
            with progress_beside_transaction(self.job, "loaded_rows") as report:
                self.report = report
                self.result = self.load()
        except Aborted:
            pass
        except BaseException as exc:  # handed to the checking thread after join
            self.error = exc
        finally:
            connection.close()

    def load(self) -> Loaded:
        watch = Stopwatch()
        with transaction.atomic(), connection.cursor() as cursor:
            writer = PgWriter(actor=self.actor, job=self.job, cursor=cursor)
            while (item := self.inbox.get())[0] == "rows":
                watch.lap("wait")
                self.take(writer, *item[1:])
                watch.lap("write")
            checked = item[1]
            if checked is None:
                raise Aborted
            self.write(writer, checked.written, checked.boundaries[-1][1])
            check_orgs_active(checked.allowances)
            watch.lap("write")
            loaded = conclude(
                actor=self.actor,
                job=self.job,
                checked=checked,
                runs=writer.runs,
                documents=self.documents,
            )
            watch.lap("counters")
        watch.lap("commit")
        loaded.seconds = watch.laps
        return loaded

    def take(self, writer: PgWriter, boundary: tuple[int, int], documents, keys) -> None:
        if documents:
            ids = register_documents(self.actor, documents)
            writer.add_documents(list(enumerate(ids, start=len(self.documents))))
            self.documents.extend(ids)
        if keys:
            writer.add_keys(keys, ensure_quotas(keys))
        if boundary[0] - writer.done >= loading.PG_CHUNK:
            self.write(writer, *boundary)

    def write(self, writer: PgWriter, rows: int, end: int) -> None:
        if rows > writer.done:
            writer.write(self.fd, rows, end)
            if self.report:
                self.report(rows)


def check_and_load(
    job, table, *, actor, spool, progress=None, on_checked=None
) -> tuple[Checked, Loaded | None]:
    """Check the table's rows while the writer writes them; the loaded result when the file
    had no error (the writer's errors, such as a refused quota, are raised here).
    `on_checked(checked)` runs when a clean file is checked and the writer finishes."""
    writer = Writer(actor=actor, job=job, fd=spool.fileno())
    writer.start()
    checked = None
    try:
        checked = check_rows(
            table.rows,
            table.columns,
            actor=actor,
            spool=spool,
            progress=progress,
            on_flush=writer.feed,
        )
        if on_checked and not checked.errors.count:
            on_checked(checked)
    finally:
        writer.stop(checked if checked is not None and not checked.errors.count else None)
        writer.join()
    if checked.errors.count:
        return checked, None
    if writer.error is not None:
        raise writer.error
    return checked, writer.result

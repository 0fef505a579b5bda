"""Loading a checked file in ONE transaction: register each distinct document once, write the
persons and their assignments, then lock the counter rows of every body and type the file
fills (in id order), re-check them, add to the counters (one UPDATE per 500 bodies and types)
and journal. The counter rows stay locked only for these last steps and the commit (where the
deferred foreign-key checks run), so onboarding elsewhere in the same bodies waits seconds, not
the whole load; and, checked and bumped under the lock, it cannot overshoot.

PostgreSQL: the spool goes in with COPY into a temporary table; then, chunk by chunk (for the
progress bar), one statement inserts the persons (RETURNING their ids) and their assignments
(joined back on the resident ID), all on the server. Other databases (SQLite in development
and tests): bulk_create in batches.

Journal: ONE `personnel.import.loaded` entry per file, inside the load transaction: the file
(name, SHA-256; the job keeps the file), the counts per body and type, and the ids created as
runs of consecutive ids, so the entry names exactly what the import wrote. An entry per
assignment (`personnel.assignment.imported`, what onboarding records) is there behind
`JOURNAL_EACH_ASSIGNMENT`: measured on PostgreSQL it adds about half to the load (the journal
table has six indexes and two foreign keys), so it is off."""

import datetime
import logging
import os
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bianzhi.core.documents import document_register
from bianzhi.core.errors import DomainError
from bianzhi.core.journal import journal_record
from bianzhi.core.models import JournalEntry
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.staffing import control
from bianzhi.staffing.models import Quota, Reservation, StaffingPolicy

from ..models import Assignment, Person
from .checking import Allowance, Checked, quota_problem
from .columns import row_error

logger = logging.getLogger(__name__)
ACTION = "personnel.assignment.imported"
JOURNAL_EACH_ASSIGNMENT = False
PG_CHUNK = 50_000
ORM_BATCH = 1000


class ImportRefused(Exception):
    """The load found what checking could not see (a concurrent change); nothing is kept."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Loaded:
    persons: int
    summary: list[dict]
    seconds: dict[str, float]


class Stopwatch:
    """Seconds spent in each step of the load, logged at INFO (and read by the benchmark)."""

    def __init__(self) -> None:
        self.last, self.laps = time.perf_counter(), {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(self.laps.get(name, 0) + now - self.last, 3)
        self.last = now


class IdRuns:
    """The ids written, as [first, last] runs of consecutive ids: the file's journal entry
    names exactly the persons and assignments it created, in a few numbers."""

    def __init__(self) -> None:
        self.runs: dict[str, list[list[int]]] = {"persons": [], "assignments": []}

    def add(self, kind: str, first: int, last: int) -> None:
        runs = self.runs[kind]
        if runs and runs[-1][1] + 1 == first:
            runs[-1][1] = last
        else:
            runs.append([first, last])

    def add_ids(self, kind: str, ids) -> None:
        for pk in sorted(ids):
            self.add(kind, pk, pk)


# --- counters, bodies and documents -----------------------------------------------------------


def ensure_quotas(allowances: list[Allowance]) -> dict[int, Quota]:
    """The counter rows the assignments will cite, created where missing (zero approved, which
    only a tolerant policy lets through); not locked yet."""
    for a in allowances:
        if a.quota_id is None:
            a.quota_id = Quota.objects.get_or_create(org=a.org, est_type=a.est_type)[0].pk
    rows = Quota.objects.in_bulk([a.quota_id for a in allowances])
    return {a.ix: rows[a.quota_id] for a in allowances}


def lock_quotas(actor, allowances: list[Allowance]) -> dict[int, Quota]:
    """Lock every counter row the file fills (one SELECT … FOR UPDATE, in id order, so that two
    imports cannot deadlock), release expired reservations and re-check: frozen, or more rows
    than vacant posts within the body's tolerance, refuses the whole file."""
    ids = [a.quota_id for a in allowances]
    quotas = {q.pk: q for q in Quota.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    stale = Reservation.objects.filter(
        quota_id__in=ids, status=Reservation.Status.ACTIVE, expires_on__lt=timezone.localdate()
    )
    for quota_id in sorted(set(stale.values_list("quota_id", flat=True))):
        control.release_expired(quotas[quota_id], actor=actor)
    policies = {
        p.org_id: p for p in StaffingPolicy.objects.filter(org__in=[a.org for a in allowances])
    }
    errors = []
    for a in sorted(allowances, key=lambda a: (a.org.pk, a.est_type)):
        quota = quotas[a.quota_id]
        slack = control.tolerance(policies.get(a.org.pk) or StaffingPolicy(), quota.approved)
        now = replace(
            a,
            approved=quota.approved,
            occupied=quota.occupied,
            reserved=quota.reserved,
            frozen=quota.frozen,
            allowed=quota.approved + slack - quota.occupied - quota.reserved,
        )
        if now.frozen or now.count > now.allowed:
            errors.append(quota_problem(now, None))
    if errors:
        raise ImportRefused(errors)
    return {a.ix: quotas[a.quota_id] for a in allowances}


def check_orgs_active(allowances: list[Allowance]) -> None:
    ids = {a.org.pk for a in allowances}
    gone = Org.objects.filter(pk__in=ids).exclude(status=OrgStatus.ACTIVE).order_by("pk")
    errors = [
        row_error(None, "org", org.name, "inactive", f"“{org.name}”已撤销", f"{org.name!r} is gone")
        for org in gone
    ]
    if errors:
        raise ImportRefused(errors)


def _register(actor, issuer: str, number: str, day: datetime.date, title: str):
    """document_register, once more if another transaction registered the same number first
    (its insert made ours wait; once it commits, the second try finds its document)."""
    try:
        return document_register(
            actor=actor, issuer=issuer, number=number, issued_on=day, title=title
        )
    except IntegrityError:
        return document_register(
            actor=actor, issuer=issuer, number=number, issued_on=day, title=title
        )


def register_documents(actor, documents: list[tuple]) -> list[int]:
    """Each distinct document of the file once; their ids by index."""
    ids = []
    for issuer, number, day, title in documents:
        try:
            document = _register(actor, issuer, number, day, title)
        except DomainError as exc:
            error = row_error(None, exc.field, number, exc.code, exc.message_zh, exc.message_en)
            raise ImportRefused([error]) from exc
        ids.append(document.pk)
    return ids


def bump_counters(quotas: dict[int, Quota], allowances: list[Allowance]) -> list[dict]:
    """Add the file's rows to the occupied counters: one UPDATE per 500 bodies and types."""
    ordered = sorted(allowances, key=lambda a: a.ix)
    table = Quota._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), 500):
            pairs = [(quotas[a.ix].pk, a.count) for a in ordered[start : start + 500]]
            cursor.execute(
                f"UPDATE {table} SET occupied = occupied + CASE id "  # nosec B608  # table from _meta, values bound
                + " ".join(["WHEN %s THEN %s"] * len(pairs))
                + f" END WHERE id IN ({', '.join(['%s'] * len(pairs))})",
                [value for pair in pairs for value in pair] + [pk for pk, _count in pairs],
            )
    return [
        {
            "org_id": a.org.pk,
            "org": a.org.name,
            "est_type": a.est_type,
            "count": a.count,
            "approved": quotas[a.ix].approved,
            "occupied": quotas[a.ix].occupied + a.count,
        }
        for a in ordered
    ]


# --- PostgreSQL: COPY, then INSERT … SELECT on the server -------------------------------------

CREATE_TABLES = """
DROP TABLE IF EXISTS pg_temp.person_import_rows, pg_temp.person_import_keys,
    pg_temp.person_import_docs;
CREATE TEMPORARY TABLE person_import_rows (
    ord integer, row_number integer, resident_id varchar(18), name text, gender text,
    birth_date date, ethnicity text, political_status text, education text,
    retirement_category text, retires_on date, key_ix integer, start_date date,
    entry_way text, doc_ix integer
) ON COMMIT DROP;
CREATE TEMPORARY TABLE person_import_keys (
    ix integer PRIMARY KEY, org_id bigint, quota_id bigint, est_type text
) ON COMMIT DROP;
CREATE TEMPORARY TABLE person_import_docs (ix integer PRIMARY KEY, document_id bigint)
    ON COMMIT DROP;
"""

WRITE_CHUNK = """
WITH rows AS (
    SELECT * FROM person_import_rows WHERE ord > %(lo)s AND ord <= %(hi)s
), persons AS (
    INSERT INTO personnel_person (
        uid, origin_node, resident_id, name, gender, birth_date, ethnicity, political_status,
        education, retirement_category, retires_on, created_at
    )
    SELECT gen_random_uuid(), %(node)s, resident_id, name, gender, birth_date, ethnicity,
        political_status, education, retirement_category, retires_on, %(now)s
    FROM rows ORDER BY ord
    RETURNING id, resident_id
), posts AS (
    INSERT INTO personnel_assignment (
        uid, origin_node, person_id, org_id, quota_id, est_type, start_date, entry_way,
        exit_way, override_by, entry_document_id
    )
    SELECT gen_random_uuid(), %(node)s, p.id, k.org_id, k.quota_id, k.est_type, r.start_date,
        r.entry_way, '', '', d.document_id
    FROM persons p
    JOIN rows r USING (resident_id)
    JOIN person_import_keys k ON k.ix = r.key_ix
    JOIN person_import_docs d ON d.ix = r.doc_ix
    ORDER BY r.ord
    RETURNING id, uid, person_id, org_id, est_type, start_date, entry_way, entry_document_id
)
"""

JOURNAL_EACH = """, journal AS (
    INSERT INTO core_journalentry (
        uid, entity, entity_id, entity_uid, action, after, document_id, actor_id, recorded_at,
        effective_date, origin_node
    )
    SELECT gen_random_uuid(), 'personnel.assignment', id, uid, %(action)s,
        jsonb_build_object(
            'person_id', person_id, 'org_id', org_id, 'est_type', est_type,
            'leader_post_id', NULL, 'start_date', start_date, 'end_date', NULL,
            'entry_way', entry_way, 'exit_way', '', 'import_job_id', %(job)s
        ),
        entry_document_id, %(actor)s, %(now)s, start_date, %(node)s
    FROM posts
)
"""
# The ids written, as runs of consecutive ids (one per chunk unless others wrote meanwhile).
ID_RUNS = """
SELECT 'persons', min(id), max(id) FROM (
    SELECT id, id - row_number() OVER (ORDER BY id) AS run FROM persons
) AS p GROUP BY run
UNION ALL
SELECT 'assignments', min(id), max(id) FROM (
    SELECT id, id - row_number() OVER (ORDER BY id) AS run FROM posts
) AS a GROUP BY run
"""


DUPLICATES = """
SELECT r.row_number, r.resident_id FROM person_import_rows r
JOIN personnel_person p ON p.resident_id = r.resident_id
ORDER BY r.row_number LIMIT %s
"""


def _duplicates(cursor) -> list[dict]:
    cursor.execute(DUPLICATES, [1000])
    zh = "该公民身份号码已在实名库中（导入期间登记）"
    en = "this resident ID was put on the register meanwhile"
    return [row_error(row, "resident_id", rid, "duplicate", zh, en) for row, rid in cursor]


class PgWriter:
    """Writes spooled rows into the register in the current transaction, a chunk at a time:
    COPY the chunk's bytes of the spool into a temporary table, then one statement inserts its
    persons (RETURNING their ids) and their assignments (joined back on the resident ID)."""

    def __init__(self, *, actor, job, cursor) -> None:
        self.cursor, self.runs, self.done, self.offset = cursor, IdRuns(), 0, 0
        self.params = {
            "node": settings.NODE_CODE,
            "now": timezone.now(),
            "action": ACTION,
            "job": job.pk,
            "actor": getattr(actor, "pk", None),
        }
        self.statement = WRITE_CHUNK + (JOURNAL_EACH if JOURNAL_EACH_ASSIGNMENT else "") + ID_RUNS
        cursor.execute(CREATE_TABLES)

    def add_keys(self, allowances: list[Allowance], quotas: dict[int, Quota]) -> None:
        keys = [(a.ix, a.org.pk, quotas[a.ix].pk, a.est_type) for a in allowances]
        self.cursor.executemany("INSERT INTO person_import_keys VALUES (%s, %s, %s, %s)", keys)

    def add_documents(self, pairs: list[tuple[int, int]]) -> None:
        self.cursor.executemany("INSERT INTO person_import_docs VALUES (%s, %s)", pairs)

    def write(self, fd: int, rows: int, end: int) -> None:
        """Rows done+1 … rows, which are the spool's bytes offset … end."""
        data = os.pread(fd, end - self.offset, self.offset)
        self.cursor.execute("TRUNCATE person_import_rows")
        with self.cursor.cursor.copy("COPY person_import_rows FROM STDIN") as copy:
            copy.write(data)
        try:
            with transaction.atomic():
                self.cursor.execute(self.statement, {**self.params, "lo": self.done, "hi": rows})
                for kind, first, last in sorted(self.cursor.fetchall()):
                    self.runs.add(kind, first, last)
        except IntegrityError as exc:
            raise ImportRefused(_duplicates(self.cursor)) from exc
        self.done, self.offset = rows, end


def chunk_ends(boundaries: list[tuple[int, int]]):
    """The spool's chunk boundaries (rows, bytes) at least PG_CHUNK rows apart, and the last."""
    done = 0
    for index, (rows, end) in enumerate(boundaries):
        if rows - done >= PG_CHUNK or index == len(boundaries) - 1:
            done = rows
            yield rows, end


def load_postgres(*, actor, job, checked, quotas, documents, progress, watch) -> IdRuns:
    with connection.cursor() as cursor:
        writer = PgWriter(actor=actor, job=job, cursor=cursor)
        writer.add_keys(checked.allowances, quotas)
        writer.add_documents(list(enumerate(documents)))
        for rows, end in chunk_ends(checked.boundaries):
            writer.write(checked.spool.fileno(), rows, end)
            if progress:
                progress(rows)
    return writer.runs


# --- other databases: bulk_create -------------------------------------------------------------


def _unescape(text: str) -> str:
    return text.replace("\\\\", "\\") if "\\" in text else text


def _person(fields: list[str]) -> Person:
    return Person(
        resident_id=fields[2],
        name=_unescape(fields[3]),
        gender=fields[4],
        birth_date=datetime.date.fromisoformat(fields[5]),
        ethnicity=_unescape(fields[6]),
        political_status=_unescape(fields[7]),
        education=_unescape(fields[8]),
        retirement_category=fields[9],
        retires_on=datetime.date.fromisoformat(fields[10]),
    )


def _write_batch(batch: list[list[str]], *, actor, job, quotas, documents, runs) -> None:
    persons = Person.objects.bulk_create([_person(fields) for fields in batch])
    posts = [
        Assignment(
            person=person,
            org_id=quotas[int(fields[11])].org_id,
            quota=quotas[int(fields[11])],
            est_type=quotas[int(fields[11])].est_type,
            start_date=datetime.date.fromisoformat(fields[12]),
            entry_way=fields[13],
            entry_document_id=documents[int(fields[14])],
        )
        for person, fields in zip(persons, batch, strict=True)
    ]
    Assignment.objects.bulk_create(posts)
    runs.add_ids("persons", [person.pk for person in persons])
    runs.add_ids("assignments", [post.pk for post in posts])
    if JOURNAL_EACH_ASSIGNMENT:
        JournalEntry.objects.bulk_create([_entry(post, actor, job) for post in posts])


def _entry(post: Assignment, actor, job) -> JournalEntry:
    after = {
        "person_id": post.person_id,
        "org_id": post.org_id,
        "est_type": post.est_type,
        "leader_post_id": None,
        "start_date": post.start_date.isoformat(),
        "end_date": None,
        "entry_way": post.entry_way,
        "exit_way": "",
        "import_job_id": job.pk,
    }
    return JournalEntry(
        entity="personnel.assignment",
        entity_id=post.pk,
        entity_uid=post.uid,
        action=ACTION,
        after=after,
        document_id=post.entry_document_id,
        actor=actor if getattr(actor, "pk", None) else None,
        effective_date=post.start_date,
    )


def load_orm(*, actor, job, checked, quotas, documents, progress, watch) -> IdRuns:
    checked.spool.seek(0)
    runs = IdRuns()
    write = {"actor": actor, "job": job, "quotas": quotas, "documents": documents, "runs": runs}
    batch: list[list[str]] = []
    done = 0
    try:
        for line in checked.spool:
            batch.append(line.rstrip("\n").split("\t"))
            if len(batch) == ORM_BATCH or done + len(batch) == checked.written:
                _write_batch(batch, **write)
                done += len(batch)
                batch = []
                if progress:
                    progress(done)
    except IntegrityError as exc:
        zh, en = "文件中有人员在导入期间已登记", "a person of the file was registered meanwhile"
        raise ImportRefused([row_error(None, "resident_id", "", "duplicate", zh, en)]) from exc
    return runs


# --- the load ---------------------------------------------------------------------------------


def load(*, actor, job, checked: Checked, progress=None) -> Loaded:
    """Write every spooled row, or nothing (ImportRefused lists why)."""
    watch = Stopwatch()
    with transaction.atomic():
        check_orgs_active(checked.allowances)
        documents = register_documents(actor, checked.documents)
        watch.lap("documents")
        writer = load_postgres if connection.vendor == "postgresql" else load_orm
        runs = writer(
            actor=actor,
            job=job,
            checked=checked,
            quotas=ensure_quotas(checked.allowances),
            documents=documents,
            progress=progress,
            watch=watch,
        )
        watch.lap("write")
        loaded = conclude(actor=actor, job=job, checked=checked, runs=runs, documents=documents)
        watch.lap("counters")
    watch.lap("commit")
    logger.info("person import job %s loaded %s rows: %s", job.pk, checked.written, watch.laps)
    loaded.seconds = watch.laps
    return loaded


def conclude(*, actor, job, checked: Checked, runs: IdRuns, documents: list[int]) -> Loaded:
    """The last steps of the load transaction: lock the counter rows only now, for the
    re-check, the counters and the commit (the rows written so far are invisible to others
    until then; the deferred foreign-key checks run at the commit); then journal the file."""
    quotas = lock_quotas(actor, checked.allowances)
    summary = bump_counters(quotas, checked.allowances)
    journal_record(
        obj=job,
        action="personnel.import.loaded",
        actor=actor,
        after={
            "filename": job.filename,
            "sha256": job.sha256,
            "rows": checked.written,
            "persons": checked.written,
            "assignments": checked.written,
            "documents": len(documents),
            "posts": summary,
            "person_ids": runs.runs["persons"],
            "assignment_ids": runs.runs["assignments"],
        },
    )
    return Loaded(persons=checked.written, summary=summary, seconds={})

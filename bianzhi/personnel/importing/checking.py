"""Checking every row of a person import file in one streaming pass, before anything is written.

Memory stays flat: a row is checked, turned into one line of a spool file (the load reads it
back) and forgotten. What is kept grows with the distinct values, not with the rows, except the
resident IDs seen so far (duplicates within the file) and the rows waiting for the register
query of their chunk (duplicates against the register, one query per `REGISTER_CHUNK` IDs).
Quotas are read, not locked, here: the load re-checks them under row locks."""

import datetime
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TextIO

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from bianzhi.core import reference
from bianzhi.core.errors import InvalidInput
from bianzhi.core.identifiers import (
    IdentifierError,
    ResidentId,
    ric_check_digit,
    validate_resident_id,
)
from bianzhi.core.models import Document
from bianzhi.orgs.importing.checking import _find_orgs
from bianzhi.orgs.importing.reading import _file_problem, _parse_date, resolve_code
from bianzhi.orgs.models import Org
from bianzhi.staffing import control
from bianzhi.staffing.models import Quota, Reservation, StaffingPolicy

from ..models import Person
from ..retirement import category_for, statutory_retirement
from .columns import BY_FIELD, COLUMNS, FIELDS, MAX_LENGTHS, row_error

REGISTER_CHUNK = 5000
WORKING_AGE = 16
CADRE = {"", "干部", "cadre", "是", "1", "y", "yes", "true"}
WORKER = {"工人", "worker", "否", "0", "n", "no", "false"}
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
REQUIRED = tuple(column.field for column in COLUMNS if column.required)
ORDER = {name: index for index, name in enumerate(FIELDS)}
CODESETS = {"est_type": "establishment_type", "entry_way": "entry_way"}


def _settings():
    """Progress interval and error cap, read from the package at call time (tests lower them)."""
    from bianzhi.personnel import importing

    return importing.PROGRESS_EVERY, importing.MAX_ERRORS


class ErrorLog:
    """Every error is counted; the first `limit` are kept for the report."""

    def __init__(self, limit: int) -> None:
        self.limit, self.count, self.kept = limit, 0, []

    def add(self, error: dict) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(error)

    def report(self) -> list[dict]:
        errors = sorted(self.kept, key=lambda e: (e["row"] or 0, ORDER.get(e["field"], 0)))
        if self.count > len(errors):
            more = self.count - len(errors)
            zh, en = f"另有 {more} 个错误未列出", f"and {more} more errors"
            errors.append(row_error(None, None, "", "too_many_errors", zh, en))
        return errors


@dataclass(eq=False)
class Allowance:
    """One body and type as the file found it: the counters read while checking (no lock), the
    posts the file may fill, and how many rows it brings (with the row numbers beyond)."""

    ix: int
    org: Org
    est_type: str
    quota_id: int | None = None
    approved: int = 0
    occupied: int = 0
    reserved: int = 0
    frozen: bool = False
    allowed: int = 0
    count: int = 0
    over: list[int] = field(default_factory=list)


def read_allowances(allowances: list[Allowance], today: datetime.date) -> None:
    """Fill in the counters of bodies and types first seen, with three queries for them all;
    reservations past their expiry count as released (the load releases them)."""
    orgs = {a.org.pk for a in allowances}
    quotas = {(q.org_id, q.est_type): q for q in Quota.objects.filter(org_id__in=orgs)}
    expired = dict(
        Reservation.objects.filter(
            quota__org_id__in=orgs, status=Reservation.Status.ACTIVE, expires_on__lt=today
        )
        .values("quota_id")
        .annotate(n=Sum("remaining"))
        .values_list("quota_id", "n")
    )
    policies = {p.org_id: p for p in StaffingPolicy.objects.filter(org_id__in=orgs)}
    for a in allowances:
        quota = quotas.get((a.org.pk, a.est_type)) or Quota(org=a.org, est_type=a.est_type)
        policy = policies.get(a.org.pk) or StaffingPolicy(org=a.org)
        a.quota_id, a.frozen = quota.pk, quota.frozen
        a.approved, a.occupied = quota.approved, quota.occupied
        a.reserved = quota.reserved - expired.get(quota.pk, 0)
        a.allowed = a.approved + control.tolerance(policy, a.approved) - a.occupied - a.reserved


@dataclass
class Checked:
    """What the load needs: the spool of valid rows, the bodies and types with their counts,
    the distinct documents, and the errors (the load runs only when there are none)."""

    spool: TextIO
    total: int
    written: int
    errors: ErrorLog
    allowances: list[Allowance]
    documents: list[tuple[str, str, datetime.date, str]]
    boundaries: list[tuple[int, int]]


def quota_problem(a: Allowance, row: int | None, count: int | None = None) -> dict:
    """An over_quota or quota_frozen entry naming the body, the counters and the file's rows."""
    count = a.count if count is None else count
    label = reference.code_label("establishment_type", a.est_type)
    if a.frozen:
        zh = f"“{a.org.name}”的{label}已冻结，不能进人"
        en = f"{a.est_type} posts of {a.org.name!r} are frozen"
        return row_error(row, "est_type", a.est_type, "quota_frozen", zh, en)
    zh = (
        f"“{a.org.name}”{label}空编不足：核定 {a.approved} 名，实有 {a.occupied} 名，"
        f"预留 {a.reserved} 名，本文件拟进 {count} 名"
    )
    en = (
        f"not enough vacant {a.est_type} posts in {a.org.name!r}: approved {a.approved}, "
        f"occupied {a.occupied}, reserved {a.reserved}; the file brings {count}"
    )
    return row_error(row, "org", a.org.name, "over_quota", zh, en)


@lru_cache(maxsize=8192)
def retires_on(year: int, month: int, category: str) -> str:
    """The first day of the statutory retirement month, ISO; it depends on the birth month only."""
    birth = datetime.date(year, month, 1)
    return statutory_retirement(birth, category).month.first_day.isoformat()


def fast_identity(text: str, today: datetime.date) -> ResidentId:
    """`validate_resident_id`, with a short path for well-formed numbers (most of a file): it
    accepts only what the full check accepts, with the same result, and defers all else to it."""
    if len(text) == 18 and text.isascii():
        number = text.upper()
        body = number[:17]
        if body.isdigit() and ric_check_digit(body) == number[17]:
            try:
                birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            except ValueError:
                birth = None
            if birth is not None and birth <= today:
                gender = "M" if int(number[16]) % 2 else "F"
                return ResidentId(number, number[:6], birth, gender)
    return validate_resident_id(text, today=today)


def _escape(text: str) -> str:
    """A value for PostgreSQL's COPY text format. Cells have no tabs or line breaks left
    (whitespace is collapsed when read), so only the backslash needs escaping."""
    return text.replace("\\", "\\\\") if "\\" in text else text


def _adult_on(birth: datetime.date) -> datetime.date:
    try:
        return birth.replace(year=birth.year + WORKING_AGE)
    except ValueError:  # born on 29 February
        return datetime.date(birth.year + WORKING_AGE, 3, 1)


class RowChecker:
    """Checks rows one by one, against the register and the other rows, and spools the valid
    ones; `finish` flushes the last register chunk and adds the quota errors."""

    def __init__(self, actor, spool: TextIO, on_flush=None) -> None:
        self.actor, self.spool, self.on_flush = actor, spool, on_flush
        self.boundaries: list[tuple[int, int]] = []
        self.errors = ErrorLog(_settings()[1])
        self.today = timezone.localdate()
        self.seen: dict[str, int] = {}
        self.pending: list[tuple[int, str, str]] = []
        self.written = 0
        self.orgs: dict[str, Org | InvalidInput] = {}
        self.codes: dict[tuple[str, str], str | None] = {}
        self.dates: dict[str, datetime.date | InvalidInput] = {}
        self.documents: dict[tuple, int] = {}
        self.numbers: dict[tuple[str, str], tuple[int, datetime.date, str]] = {}
        self.existing: dict[tuple[str, str], tuple[datetime.date, str] | None] = {}
        self.allowances: dict[tuple[int, str], Allowance] = {}
        self.unread: list[Allowance] = []

    # --- the row ------------------------------------------------------------------------------

    def fail(self, row: int, name: str, values: dict, code: str, zh: str, en: str) -> None:
        self.errors.add(row_error(row, name, values.get(name, ""), code, zh, en))

    def refuse(self, row: int, values: dict, exc: InvalidInput) -> None:
        self.fail(row, exc.field or "", values, exc.code, exc.message_zh, exc.message_en)

    def check(self, row: int, values: dict[str, str]) -> None:
        before = self.errors.count
        self.required(row, values)
        person = self.person(row, values)
        org = self.org(row, values)
        est_type, way = self.code(row, values, "est_type"), self.code(row, values, "entry_way")
        start, doc = self.date(row, values, "start_date"), self.document(row, values)
        if person and start and start.year - person[0].birth_date.year <= WORKING_AGE:
            self.working_age(row, values, person[0].birth_date, start)
        a = self.allowance(org, est_type) if org and est_type else None
        if self.errors.count != before:
            self.queue(row, None, None, a)
        else:
            ric, category = person
            line = (
                f"{ric.number}\t{_escape(values['name'])}\t{ric.gender}\t{ric.birth_date}\t"
                f"{_escape(values.get('ethnicity', ''))}\t"
                f"{_escape(values.get('political_status', ''))}\t"
                f"{_escape(values.get('education', ''))}\t{category}\t"
                f"{retires_on(ric.birth_date.year, ric.birth_date.month, category)}\t"
                f"{a.ix}\t{start}\t{way}\t{doc}\n"
            )
            self.queue(row, ric.number, line, a)

    def working_age(self, row: int, values: dict, birth: datetime.date, start) -> None:
        if start < _adult_on(birth):
            zh = f"入编时未满 {WORKING_AGE} 周岁"
            en = f"younger than {WORKING_AGE} on the start date"
            self.fail(row, "start_date", values, "too_early", zh, en)

    def required(self, row: int, values: dict) -> None:
        if not all(map(values.get, REQUIRED)):
            self.missing(row, values)
        for name, limit in MAX_LENGTHS.items():
            if len(values.get(name, "")) > limit:
                column = BY_FIELD[name]
                zh = f"“{column.header}”不能超过 {limit} 个字符"
                en = f"{column.english} is longer than {limit} characters"
                self.fail(row, name, values, "too_long", zh, en)

    def missing(self, row: int, values: dict) -> None:
        for column in COLUMNS:
            if column.required and not values.get(column.field):
                zh, en = f"“{column.header}”不能为空", f"{column.english} is required"
                self.fail(row, column.field, values, "required", zh, en)

    def person(self, row: int, values: dict) -> tuple[ResidentId, str] | None:
        """The resident ID (checksum, birth date), duplicates within the file, the category."""
        text = values.get("resident_id")
        cadre = values.get("cadre", "").lower()
        if cadre not in CADRE and cadre not in WORKER:
            zh, en = "应填“干部”或“工人”", "must be 干部 (cadre) or 工人 (worker)"
            self.fail(row, "cadre", values, "invalid", zh, en)
        if not text:
            return None
        try:
            ric = fast_identity(text, self.today)
        except IdentifierError as exc:
            self.fail(row, "resident_id", values, exc.code, exc.message_zh, exc.message_en)
            return None
        if not self.consistent(row, values, ric) or not self.first_time(row, values, ric):
            return None
        return ric, category_for(ric.gender, cadre=cadre not in WORKER)

    def consistent(self, row: int, values: dict, ric: ResidentId) -> bool:
        gender = values.get("gender", "")
        ok = not gender or GENDERS.get(gender.lower(), gender) == ric.gender
        if not ok:
            zh, en = "性别与公民身份号码不符", "gender disagrees with the resident ID"
            self.fail(row, "gender", values, "ric.inconsistent", zh, en)
        if values.get("birth_date") and self.date(row, values, "birth_date") != ric.birth_date:
            zh, en = "出生日期与公民身份号码不符", "birth date disagrees with the resident ID"
            self.fail(row, "birth_date", values, "ric.inconsistent", zh, en)
            ok = False
        return ok

    def first_time(self, row: int, values: dict, ric: ResidentId) -> bool:
        first = self.seen.setdefault(ric.number, row)
        if first != row:
            zh, en = f"公民身份号码与第 {first} 行重复", f"the resident ID repeats row {first}"
            self.fail(row, "resident_id", values, "duplicate_in_file", zh, en)
        return first == row

    def org(self, row: int, values: dict) -> Org | None:
        text = values.get("org")
        if not text:
            return None
        if text not in self.orgs:
            self.orgs[text] = self.find_org(text)
        found = self.orgs[text]
        if isinstance(found, InvalidInput):
            self.refuse(row, values, found)
            return None
        return found

    def find_org(self, text: str) -> Org | InvalidInput:
        found = _find_orgs(self.actor, text, "")
        if len(found) == 1:
            return found[0]
        if found:
            zh = f"机构“{text}”不明确：有多个同名现行机构，请改填 ID 或统一社会信用代码"
            en = f"body {text!r} is ambiguous: several active bodies match; give the id or code"
            return InvalidInput(zh, en, field="org", code="ambiguous")
        zh = f"机构“{text}”未找到：应为您管理范围内现行机构的 ID、统一社会信用代码或准确名称"
        en = (
            f"body {text!r} not found: give the id, credit code or exact name of an active "
            "body in your scope"
        )
        return InvalidInput(zh, en, field="org", code="not_found")

    def code(self, row: int, values: dict, name: str) -> str | None:
        text = values.get(name)
        if not text:
            return None
        key = (name, text)
        if key not in self.codes:
            code = resolve_code(CODESETS[name], text)
            self.codes[key] = code if code in reference.codes(CODESETS[name]) else None
        if self.codes[key] is None:
            column = BY_FIELD[name]
            zh = f"“{text}”不是有效的{column.header}（填代码或名称）"
            en = f"{text!r} is not a valid {column.english.lower()} (give a code or a label)"
            self.fail(row, name, values, "invalid_code", zh, en)
        return self.codes[key]

    def date(self, row: int, values: dict, name: str) -> datetime.date | None:
        text = values.get(name)
        if not text:
            return None
        if text not in self.dates:
            try:
                self.dates[text] = _parse_date(text)
            except InvalidInput as exc:
                self.dates[text] = exc
        day = self.dates[text]
        if isinstance(day, InvalidInput):
            self.fail(row, name, values, day.code, day.message_zh, day.message_en)
            return None
        return day

    def document(self, row: int, values: dict) -> int | None:
        """The index of the row's document among the file's distinct documents; a 文号 names one
        document, in the file and in the register."""
        day = self.date(row, values, "document_date")
        issuer, number = values.get("document_issuer", ""), values.get("document_number", "")
        title = values.get("document_title", "")
        if not (issuer and title and day):
            return None
        key = (issuer, number, day, title)
        if key in self.documents:
            return self.documents[key]
        if number and not self.number_free(row, values, key):
            return None
        self.documents[key] = len(self.documents)
        return self.documents[key]

    def number_free(self, row: int, values: dict, key: tuple) -> bool:
        issuer, number, day, title = key
        first = self.numbers.setdefault((issuer, number), (row, day, title))
        if first[1:] != (day, title):
            zh = f"文号“{number}”在第 {first[0]} 行用于另一份文件（标题或日期不同）"
            en = f"document number {number!r} is used for another document in row {first[0]}"
            self.fail(row, "document_number", values, "duplicate_in_file", zh, en)
            return False
        if (issuer, number) not in self.existing:
            doc = Document.objects.filter(issuer=issuer, number=number).first()
            self.existing[issuer, number] = (doc.issued_on, doc.title) if doc else None
        known = self.existing[issuer, number]
        if known is not None and known != (day, title):
            zh = f"{issuer}的文号“{number}”已用于另一份文件《{known[1]}》"
            en = f"document number {number!r} of {issuer} is already used by another document"
            self.fail(row, "document_number", values, "conflict", zh, en)
            return False
        return True

    # --- quotas ------------------------------------------------------------------------------

    def allowance(self, org: Org, est_type: str) -> Allowance:
        a = self.allowances.get((org.id, est_type))
        if a is None:
            a = Allowance(ix=len(self.allowances), org=org, est_type=est_type)
            self.allowances[org.id, est_type] = a
            self.unread.append(a)
        return a

    def tally(self, row: int, a: Allowance) -> None:
        """Count a row for its body and type (every row naming them, valid or not)."""
        a.count += 1
        if a.frozen:
            self.errors.add(quota_problem(a, row))
        elif a.count > a.allowed and len(a.over) < self.errors.limit:
            a.over.append(row)

    # --- the register -------------------------------------------------------------------------

    def queue(self, row: int, resident_id: str | None, line: str | None, a) -> None:
        self.pending.append((row, resident_id, line, a))
        if len(self.pending) >= REGISTER_CHUNK:
            self.flush()

    def flush(self) -> None:
        """For the chunk: the counters of the bodies and types first seen, and one query for
        its IDs; rows already on the register are errors, the others go to the spool
        (numbered in order) while the file has no error."""
        if self.unread:
            read_allowances(self.unread, self.today)
            self.unread = []
        found = registered([rid for _row, rid, _line, _a in self.pending if rid])
        for row, resident_id, line, a in self.pending:
            if a is not None:
                self.tally(row, a)
            if resident_id in found:
                zh, en = "该公民身份号码已在实名库中", "this resident ID is already on the register"
                self.fail(row, "resident_id", {"resident_id": resident_id}, "duplicate", zh, en)
            elif line and self.errors.count == 0:
                self.written += 1
                self.spool.write(f"{self.written}\t{row}\t{line}")
        self.pending.clear()
        self.mark()

    def mark(self) -> None:
        """Record where the spool ends (rows, bytes) after a chunk, and tell `on_flush`."""
        if self.errors.count or self.written == (self.boundaries or [(0, 0)])[-1][0]:
            return
        self.spool.flush()
        self.boundaries.append((self.written, os.fstat(self.spool.fileno()).st_size))
        if self.on_flush:
            self.on_flush(self)

    def finish(self, total: int) -> Checked:
        self.flush()
        for a in self.allowances.values():
            for row in a.over:
                self.errors.add(quota_problem(a, row))
        return Checked(
            spool=self.spool,
            total=total,
            written=self.written,
            errors=self.errors,
            allowances=list(self.allowances.values()),
            documents=list(self.documents),
            boundaries=self.boundaries,
        )


def registered(ids: list[str]) -> set[str]:
    """Which of these resident IDs are on the register: one query (an array on PostgreSQL)."""
    if not ids:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = Person._meta.db_table
            cursor.execute(f"SELECT resident_id FROM {table} WHERE resident_id = ANY(%s)", [ids])  # nosec B608  # table from _meta
            return {resident_id for (resident_id,) in cursor}
    return set(Person.objects.filter(resident_id__in=ids).values_list("resident_id", flat=True))


def check_rows(
    rows, columns: dict[str, int], *, actor, spool: TextIO, progress=None, on_flush=None
) -> Checked:
    """Check every row of the stream, spooling the valid ones; `progress(n)` every few rows,
    `on_flush(checker)` whenever a chunk of rows has reached the spool."""
    every = _settings()[0]
    pairs = list(columns.items())
    checker = RowChecker(actor, spool, on_flush)
    done = 0
    for done, (number, cells) in enumerate(rows, start=1):
        size = len(cells)
        values = {name: " ".join(cells[i].split()) for name, i in pairs if i < size}
        checker.check(number, values)
        if progress and done % every == 0:
            progress(done)
    if done == 0:
        raise _file_problem("file.no_rows", "文件中没有数据行", "the file has no data rows")
    return checker.finish(done)

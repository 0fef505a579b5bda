"""Import of bodies from .xlsx or .csv files: read every row, validate all of them, then create
all bodies in one transaction or none at all, with a row-by-row error report.

Flow: `import_job_create` stores the upload and enqueues the `run_import` task once the
transaction commits; the task calls `import_job_run`, which reads the file (`read_table`),
checks every row (`validate_rows`) and, only when no row has an error, creates the bodies in
dependency order (`create_bodies`) through `services.org_establish`.
"""

import csv
import datetime
import hashlib
import io
import logging
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from bianzhi.core import reference
from bianzhi.core.documents import document_register
from bianzhi.core.errors import DomainError, InvalidInput
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Document, Region
from bianzhi.core.scope import scope_queryset, user_region_prefix

from . import services
from .importing_models import ImportJob
from .models import Org, OrgStatus
from .validation import (
    OrgSpec,
    check_category,
    check_credit_code,
    check_name,
    check_parent,
    check_region,
    check_scope,
)

logger = logging.getLogger(__name__)

IMPORTED = "orgs.org.imported"
PROGRESS_EVERY = 50
MAX_ERRORS = 1000
MAX_ROWS = 200_000
XLSX_MAGIC = b"PK\x03\x04"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    english: str
    required: bool
    note_zh: str
    note_en: str


_REF_NOTE_ZH = "现有机构的 ID、统一社会信用代码或准确名称，或本文件中另一行的名称"
_REF_NOTE_EN = "an existing body's id, credit code or exact name, or the name of another row"

COLUMNS: tuple[Column, ...] = (
    Column("name", "名称", "Standard name", True, "机构规范名称", "the body's standard name"),
    Column("short_name", "简称", "Short name", False, "", ""),
    Column(
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
        False,
        "18 位，机构编制部门赋码（11、12、13、19 开头），不得与现有机构或本文件其他行重复",
        "18 characters issued by an establishment authority (11, 12, 13 or 19); unique",
    ),
    Column(
        "region_code",
        "行政区划代码",
        "Region code",
        True,
        "6 位 GB/T 2260 代码，须在设立日期有效，且在您的管理范围内",
        "6-digit GB/T 2260 code, valid on the date of establishment and in your scope",
    ),
    Column(
        "category",
        "类别",
        "Category",
        True,
        "一级类别，填代码或名称，如 gov 或 政府机构",
        "top-level category, as a code or a label, e.g. gov or 政府机构",
    ),
    Column(
        "subcategory",
        "细分类别",
        "Sub-category",
        False,
        "代码或名称，须属于所填类别",
        "code or label; must belong to the category",
    ),
    Column("rank", "规格", "Rank", False, "代码或名称", "code or label"),
    Column(
        "pi_class",
        "事业单位分类",
        "Public institution class",
        False,
        "仅事业单位填写",
        "public institutions only",
    ),
    Column(
        "funding_form",
        "经费形式",
        "Funding form",
        False,
        "仅事业单位填写",
        "public institutions only",
    ),
    Column(
        "parent",
        "上级机构",
        "Parent body",
        False,
        _REF_NOTE_ZH + "；内设机构、派出机构必填",
        _REF_NOTE_EN + "; required for internal and dispatched bodies",
    ),
    Column("supervisor", "主管部门", "Supervising body", False, _REF_NOTE_ZH, _REF_NOTE_EN),
    Column(
        "established_on",
        "设立日期",
        "Established on",
        True,
        "YYYY-MM-DD 或 Excel 日期",
        "YYYY-MM-DD or an Excel date",
    ),
    Column("document_issuer", "发文机关", "Issuing body", True, "设立依据文件", "of the document"),
    Column("document_number", "文号", "Document number", False, "如 吴编〔2020〕1号", ""),
    Column("document_title", "文件标题", "Document title", True, "", ""),
    Column(
        "document_date",
        "成文日期",
        "Date of issue",
        True,
        "YYYY-MM-DD 或 Excel 日期",
        "YYYY-MM-DD or an Excel date",
    ),
)
# Columns an export adds; the importer reads 状态 (only current bodies can be imported).
STATUS_COLUMN = Column("status", "状态", "Status", False, "", "")
STATUS_LABELS = {
    OrgStatus.ACTIVE: "现行",
    OrgStatus.ABOLISHED: "已撤销",
    OrgStatus.MERGED: "已合并",
    OrgStatus.SPLIT: "已拆分",
}
ALL_COLUMNS = (*COLUMNS, STATUS_COLUMN)
BY_FIELD = {column.field: column for column in ALL_COLUMNS}
CODESETS = {
    "category": "org_category",
    "subcategory": "org_category",
    "rank": "rank",
    "pi_class": "pi_class",
    "funding_form": "funding_form",
}
MAX_LENGTHS = {
    "short_name": 100,
    "document_issuer": 120,
    "document_number": 80,
    "document_title": 300,
}
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?")


def _header_key(value: Any) -> str:
    return "".join(str(value or "").split()).rstrip("*＊").lower()


HEADER_FIELDS = {
    key: column.field
    for column in ALL_COLUMNS
    for key in (
        _header_key(column.header),
        column.field,
        _header_key(column.english),
    )
}


# --- errors -----------------------------------------------------------------------------------


def row_error(
    row: int | None, field_name: str | None, value: str, code: str, zh: str, en: str
) -> dict:
    """One entry of the error report: the row as numbered in the file (header = 1)."""
    column = BY_FIELD.get(field_name or "")
    return {
        "row": row,
        "column": column.header if column else None,
        "field": field_name,
        "value": value,
        "code": code,
        "message": zh,
        "message_en": en,
    }


def file_error(exc: DomainError) -> dict:
    return row_error(None, None, "", exc.code, exc.message_zh, exc.message_en)


def _file_problem(code: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(zh, en, field="file", code=code)


class ImportFailed(Exception):
    """Creating a body failed after validation passed (a concurrent change); nothing is kept."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(errors)
        self.errors = errors


# --- reading ----------------------------------------------------------------------------------


def _check_size(size: int) -> None:
    if not size:
        raise _file_problem("file.empty", "文件为空", "the file is empty")
    if size > settings.IMPORT_MAX_BYTES:
        mib = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        raise _file_problem(
            "file.too_large", f"文件超过 {mib} MB", f"the file is larger than {mib} MB"
        )


def _file_kind(filename: str, head: bytes) -> str:
    """ "xlsx" or "csv", from the file name and its first bytes."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx" and head.startswith(XLSX_MAGIC):
        return "xlsx"
    if suffix == ".csv" and b"\x00" not in head:
        return "csv"
    raise _file_problem(
        "file.type",
        "只能导入 Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）文件；.xls 请另存为 .xlsx",
        "only .xlsx or .csv (UTF-8 or GBK) files can be imported; save .xls files as .xlsx",
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _file_problem(
            "file.encoding",
            "无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK",
            "the CSV file's encoding is not UTF-8 or GBK",
        ) from exc


def _csv_rows(data: bytes) -> Iterator[list]:
    yield from csv.reader(io.StringIO(_decode(data), newline=""))


def _not_xlsx() -> InvalidInput:
    return _file_problem(
        "file.type", "不是有效的 Excel（.xlsx）文件", "not a valid Excel (.xlsx) file"
    )


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for damaged files
        raise _not_xlsx() from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions
        yield from sheet.iter_rows(values_only=True)
    except Exception as exc:
        raise _not_xlsx() from exc
    finally:
        book.close()


def table_rows(filename: str, data: bytes) -> Iterator[Iterable]:
    """The rows of the first sheet (xlsx) or of the CSV file, header first."""
    _check_size(len(data))
    if _file_kind(filename, data[:4096]) == "xlsx":
        return _xlsx_rows(data)
    return _csv_rows(data)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _header_map(header: Iterable) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index, cell in enumerate(header):
        name = HEADER_FIELDS.get(_header_key(cell))
        if name is None:
            continue
        if name in mapping.values():
            raise _file_problem(
                "file.duplicate_column",
                f"列“{BY_FIELD[name].header}”重复",
                f"column {BY_FIELD[name].english!r} appears twice",
            )
        mapping[index] = name
    missing = [c for c in COLUMNS if c.required and c.field not in mapping.values()]
    if missing:
        raise _file_problem(
            "file.missing_columns",
            "缺少必填列：" + "、".join(c.header for c in missing) + "（第 1 行应为表头）",
            "required columns missing: "
            + ", ".join(f"{c.header} ({c.english})" for c in missing)
            + " (row 1 must be the header)",
        )
    return mapping


@dataclass(eq=False)
class Row:
    """One data row: its cells by field, and what validation made of them."""

    number: int
    values: dict[str, Any]
    text: dict[str, str]
    errors: list[dict] = field(default_factory=list)
    dates: dict[str, datetime.date] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    credit_code: str | None = None
    parent: "Org | Row | None" = None
    supervisor: "Org | Row | None" = None

    @classmethod
    def read(cls, number: int, mapping: dict[int, str], cells: Iterable) -> "Row":
        values = {name: None for name in mapping.values()}
        for index, value in enumerate(cells):
            if index in mapping:
                values[mapping[index]] = value
        return cls(number, values, {name: cell_text(v) for name, v in values.items()})

    def get(self, name: str) -> str:
        return self.text.get(name, "")

    def fail(self, name: str | None, code: str, zh: str, en: str) -> None:
        self.errors.append(row_error(self.number, name, self.get(name or ""), code, zh, en))

    def spec(self, created: dict[int, Org] | None = None) -> OrgSpec:
        """The body to establish; references to other rows need the bodies `created` so far."""
        return OrgSpec(
            name=self.get("name"),
            short_name=self.get("short_name"),
            region_code=self.get("region_code"),
            credit_code=self.credit_code,
            parent=_target(self.parent, created),
            supervisor=_target(self.supervisor, created),
            **{name: self.codes.get(name, "") for name in CODESETS},
        )


def _target(ref: "Org | Row | None", created: dict[int, Org] | None) -> Org | None:
    if isinstance(ref, Row):
        return None if created is None else created[ref.number]
    return ref


def _blank(cells: Iterable) -> bool:
    return all(cell_text(value) == "" for value in cells)


def read_table(filename: str, data: bytes) -> list[Row]:
    """Parse the file into rows; file-level problems raise InvalidInput (field "file")."""
    lines = iter(table_rows(filename, data))
    header = next(lines, None)
    if header is None:
        raise _file_problem("file.empty", "文件为空", "the file is empty")
    mapping = _header_map(header)
    rows = []
    for number, cells in enumerate(lines, start=2):
        if number > MAX_ROWS + 1:
            raise _file_problem(
                "file.too_many_rows",
                f"文件超过 {MAX_ROWS} 行，请分批导入",
                f"the file has more than {MAX_ROWS} rows; split it",
            )
        if not _blank(cells):
            rows.append(Row.read(number, mapping, cells))
    if not rows:
        raise _file_problem("file.no_rows", "文件中没有数据行", "the file has no data rows")
    return rows


# --- validation -------------------------------------------------------------------------------


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = _DATE.fullmatch(cell_text(value))
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise InvalidInput(
        f"“{cell_text(value)}”不是有效日期，应为 YYYY-MM-DD",
        f"{cell_text(value)!r} is not a valid date (YYYY-MM-DD)",
        code="date",
    )


def _label_key(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")").lower()


def resolve_code(codeset: str, text: str) -> str:
    """A code given as itself, its Chinese label or its English label; unknown text unchanged
    (check_category then names the field and the rule)."""
    table = reference.codes(codeset)
    if not text or text in table:
        return text
    key = _label_key(text)
    for code, (label, label_en, _parent) in table.items():
        if key in (_label_key(label), _label_key(label_en)):
            return code
    return text


@dataclass
class Plan:
    rows: list[Row]
    errors: list[dict]
    order: list[Row]


class RowChecker:
    """Checks rows one by one against the registry and against the other rows of the file."""

    def __init__(self, actor, rows: list[Row]) -> None:
        self.actor = actor
        self.by_name: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            if row.get("name"):
                self.by_name[row.get("name")].append(row)
        self.credit_codes: dict[str, int] = {}
        self.keys: dict[tuple, int] = {}
        self.numbers: dict[tuple[str, str], tuple[int, datetime.date, str]] = {}
        self.found: dict[tuple[str, str], list[Org]] = {}
        self.regions: dict[tuple[str, datetime.date], InvalidInput | None] = {}

    def check(self, row: Row) -> None:
        steps = (
            self.required,
            self.dates,
            self.lengths,
            self.category,
            self.region,
            self.credit,
            self.document,
            self.status,
            self.references,
            self.duplicates,
        )
        for step in steps:
            try:
                step(row)
            except InvalidInput as exc:
                row.fail(exc.field, exc.code, exc.message_zh, exc.message_en)

    def required(self, row: Row) -> None:
        for column in COLUMNS:
            if column.required and not row.get(column.field):
                row.fail(
                    column.field,
                    "required",
                    f"“{column.header}”不能为空",
                    f"{column.english} is required",
                )

    def dates(self, row: Row) -> None:
        for name in ("established_on", "document_date"):
            if row.get(name):
                try:
                    row.dates[name] = _parse_date(row.values[name])
                except InvalidInput as exc:
                    row.fail(name, exc.code, exc.message_zh, exc.message_en)

    def lengths(self, row: Row) -> None:
        if row.get("name"):
            check_name(row.get("name"))
        for name, limit in MAX_LENGTHS.items():
            if len(row.get(name)) > limit:
                row.fail(
                    name,
                    "too_long",
                    f"“{BY_FIELD[name].header}”不能超过 {limit} 个字符",
                    f"{BY_FIELD[name].english} is longer than {limit} characters",
                )

    def category(self, row: Row) -> None:
        row.codes = {name: resolve_code(cs, row.get(name)) for name, cs in CODESETS.items()}
        if row.codes["category"]:
            check_category(row.spec())

    def region(self, row: Row) -> None:
        code = row.get("region_code")
        if not code:
            return
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise InvalidInput(
                f"行政区划代码“{code}”应为 6 位数字",
                f"region code {code!r} must be 6 digits",
                field="region_code",
            )
        day = row.dates.get("established_on")
        if day is not None:
            self.region_on(code, day)
        elif not Region.objects.filter(code=code).exists():
            check_region(code, timezone.localdate())
        check_scope(self.actor, code)

    def region_on(self, code: str, day: datetime.date) -> None:
        if (code, day) not in self.regions:
            try:
                check_region(code, day)
                self.regions[code, day] = None
            except InvalidInput as exc:
                self.regions[code, day] = exc
        if problem := self.regions[code, day]:
            raise InvalidInput(
                problem.message_zh, problem.message_en, field=problem.field, code=problem.code
            )

    def credit(self, row: Row) -> None:
        row.credit_code = check_credit_code(row.get("credit_code") or None)
        if row.credit_code is None:
            return
        first = self.credit_codes.setdefault(row.credit_code, row.number)
        if first != row.number:
            raise InvalidInput(
                f"统一社会信用代码与第 {first} 行重复",
                f"the credit code repeats row {first}",
                field="credit_code",
                code="duplicate_in_file",
            )

    def document(self, row: Row) -> None:
        issuer, number = row.get("document_issuer"), row.get("document_number")
        day, title = row.dates.get("document_date"), row.get("document_title")
        if not (issuer and number and day):
            return
        first = self.numbers.get((issuer, number))
        if first is not None:
            if first[1:] != (day, title):
                raise InvalidInput(
                    f"文号“{number}”在第 {first[0]} 行用于另一份文件（标题或日期不同）",
                    f"document number {number!r} is used for another document in row {first[0]}",
                    field="document_number",
                    code="duplicate_in_file",
                )
            return
        self.numbers[issuer, number] = (row.number, day, title)
        existing = Document.objects.filter(issuer=issuer, number=number).first()
        if existing and (existing.issued_on, existing.title) != (day, title):
            raise InvalidInput(
                f"{issuer}的文号“{number}”已用于另一份文件《{existing.title}》",
                f"document number {number!r} of {issuer} is already used by another document",
                field="document_number",
                code="conflict",
            )

    def status(self, row: Row) -> None:
        value = row.get("status")
        if value and value not in (OrgStatus.ACTIVE, STATUS_LABELS[OrgStatus.ACTIVE]):
            raise InvalidInput(
                f"只能导入现行机构，状态为“{value}”的行请删除",
                f"only current bodies can be imported; remove rows with status {value!r}",
                field="status",
                code="inactive",
            )

    def references(self, row: Row) -> None:
        for name in ("parent", "supervisor"):
            try:
                setattr(row, name, self.resolve(row, name))
            except InvalidInput as exc:
                row.fail(name, exc.code, exc.message_zh, exc.message_en)
        category = row.codes.get("category", "")
        if row.parent is None and not row.get("parent") and category:
            check_parent(None, None, category)

    def resolve(self, row: Row, name: str) -> "Org | Row | None":
        text = row.get(name)
        if not text:
            return None
        in_file = [other for other in self.by_name.get(text, []) if other is not row]
        if len(in_file) > 1:
            raise _reference_problem(name, text, "ambiguous_in_file")
        if in_file:
            return in_file[0]
        if text == row.get("name"):
            raise _reference_problem(name, text, "cycle")
        return self.existing(row, name, text)

    def existing(self, row: Row, name: str, text: str) -> Org:
        key = (text, row.get("region_code"))
        if key not in self.found:
            self.found[key] = _find_orgs(self.actor, text, row.get("region_code"))
        found = self.found[key]
        if not found:
            raise _reference_problem(name, text, "not_found")
        if len(found) > 1:
            raise _reference_problem(name, text, "ambiguous")
        return found[0]

    def duplicates(self, row: Row) -> None:
        name, region = row.get("name"), row.get("region_code")
        if not (name and region):
            return
        first = self.keys.setdefault((name, region, row.get("parent")), row.number)
        if first != row.number:
            raise InvalidInput(
                f"与第 {first} 行重复（同一行政区划、同一上级下的同名机构）",
                f"repeats row {first} (same name, region and parent)",
                field="name",
                code="duplicate_in_file",
            )
        if isinstance(row.parent, Row) or (row.get("parent") and row.parent is None):
            return
        same = Org.objects.filter(name=name, region_code=region, status=OrgStatus.ACTIVE)
        if row.parent is not None:
            same = same.filter(parent=row.parent)
        if same.exists():
            raise InvalidInput(
                f"该行政区划已有同名现行机构“{name}”",
                f"an active body named {name!r} already exists in region {region}",
                field="name",
                code="duplicate",
            )


REFERENCE_PROBLEMS = {
    "not_found": (
        "未找到：应为您管理范围内现行机构的 ID、统一社会信用代码或准确名称，或本文件中另一行的名称",
        "not found: give the id, credit code or exact name of an active body in your scope, "
        "or the name of another row of the file",
    ),
    "ambiguous": (
        "不明确：有多个同名现行机构，请改填 ID 或统一社会信用代码",
        "is ambiguous: several active bodies match; give the id or the credit code",
    ),
    "ambiguous_in_file": (
        "不明确：文件中有多行同名",
        "is ambiguous: several rows of the file bear this name",
    ),
    "cycle": ("不能是本行机构自身", "cannot be the body itself"),
}


def _reference_problem(name: str, text: str, problem: str) -> InvalidInput:
    column = BY_FIELD[name]
    zh, en = REFERENCE_PROBLEMS[problem]
    return InvalidInput(
        f"{column.header}“{text}”{zh}",
        f"{column.english} {text!r} {en}",
        field=name,
        code=problem.removesuffix("_in_file"),
    )


def _find_orgs(actor, text: str, region: str) -> list[Org]:
    """Active bodies in scope with this id, credit code or name; the row's region breaks ties."""
    lookup = Q(name=text) | Q(credit_code=text.upper())
    if text.isdigit() and len(text) <= 12:
        lookup |= Q(pk=int(text))
    qs = scope_queryset(actor, Org.objects.filter(status=OrgStatus.ACTIVE))
    found = list(qs.filter(lookup)[:20])
    if len(found) > 1:
        found = [org for org in found if org.region_code == region] or found
    return found


def dependency_order(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """Rows ordered so that parents and supervisors defined in the file come first (Kahn's
    algorithm, keeping file order otherwise), and the rows caught in a cycle."""
    waiting: dict[int, int] = {}
    dependants: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        refs = {ref.number for ref in (row.parent, row.supervisor) if isinstance(ref, Row)}
        waiting[row.number] = len(refs)
        for number in refs:
            dependants[number].append(row)
    queue = deque(row for row in rows if waiting[row.number] == 0)
    order: list[Row] = []
    while queue:
        row = queue.popleft()
        order.append(row)
        for dependant in dependants[row.number]:
            waiting[dependant.number] -= 1
            if waiting[dependant.number] == 0:
                queue.append(dependant)
    return order, [row for row in rows if waiting[row.number] > 0]


def validate_rows(rows: list[Row], *, actor, progress: Callable[[int], None] | None = None) -> Plan:
    """Check every row and collect every error; the plan's order creates parents first."""
    checker = RowChecker(actor, rows)
    for done, row in enumerate(rows, start=1):
        checker.check(row)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    order, stuck = dependency_order(rows)
    for row in stuck:
        row.fail(
            "parent",
            "cycle",
            "上级机构或主管部门的引用形成循环（含经由其他行的间接引用）",
            "parent or supervisor references form a cycle (directly or through other rows)",
        )
    errors = [error for row in rows for error in row.errors]
    return Plan(rows=rows, errors=errors, order=order)


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
            if progress and done % PROGRESS_EVERY == 0:
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


def _digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def import_job_create(*, actor, upload) -> ImportJob:
    """Store an uploaded file as an import job and run it in the background after commit."""
    _check_upload(actor, upload)
    job = ImportJob(
        created_by=actor,
        region_code=actor.node.region_code,
        filename=PurePath(upload.name).name[:255],
        sha256=_digest(upload),
        size=upload.size,
    )
    job.file.save(f"{job.uid}{PurePath(upload.name).suffix.lower()}", upload, save=False)
    job.save()
    journal_record(
        obj=job,
        action="orgs.import.created",
        actor=actor,
        after={"filename": job.filename, "sha256": job.sha256, "size": job.size},
    )
    transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def _update(job: ImportJob, **fields) -> None:
    """A short save outside any transaction, so that the job page sees progress at once."""
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


@contextmanager
def _progress_beside_transaction(job: ImportJob):
    """Progress reports while the import transaction is open go through a second connection,
    so that pollers see them before the commit. SQLite has one writer at a time: no reports."""
    if connection.vendor != "postgresql":
        yield None
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = side.ops.quote_name(ImportJob._meta.db_table)

    def report(done: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET processed_rows = %s WHERE id = %s", [done, job.pk])

    try:
        yield report
    finally:
        side.close()


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
    _update(job, status=ImportJob.Status.VALIDATING, processed_rows=0)
    rows = read_table(job.filename, _read(job))
    _update(job, total_rows=len(rows))
    plan = validate_rows(rows, actor=actor, progress=lambda n: _update(job, processed_rows=n))
    if plan.errors:
        return _finish(job, errors=plan.errors)
    _update(job, status=ImportJob.Status.IMPORTING, processed_rows=0)
    with _progress_beside_transaction(job) as report:
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

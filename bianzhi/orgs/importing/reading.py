"""Reading an import file: the columns, the file type and encoding, the header, the rows as
`Row`s (`read_table`), and the dates and codes written in their cells."""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings

from bianzhi.core import reference
from bianzhi.core.errors import DomainError, InvalidInput

from ..models import Org, OrgStatus
from ..validation import OrgSpec

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


# --- dates and codes ------------------------------------------------------------------------


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

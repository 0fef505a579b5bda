"""Export of a search result to .xlsx, and the import template: both use the import columns,
so an exported file can be edited and imported again."""

import datetime
import io
import tempfile
from typing import IO

from django.conf import settings
from django.db.models import F
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from bianzhi.audit.services import audit_record
from bianzhi.core import reference

from . import queries
from .importing import COLUMNS, STATUS_COLUMN, STATUS_LABELS
from .models import Org, OrgVersion

EXPORT_PAGE = 500
SHEET = "机构"
NOTES_SHEET = "说明"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_COLUMNS = {"credit_code", "region_code", "document_number"}
EXTRA_HEADERS = [STATUS_COLUMN.header, "撤销日期", "行政区划名称"]
EXPORT_HEADERS = ["ID", *(column.header for column in COLUMNS), *EXTRA_HEADERS]
WIDTHS = {"name": 32, "credit_code": 22, "document_title": 36, "document_issuer": 24}
BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FDECEA")

EXAMPLE = {
    "name": "苏州市吴中区教育局",
    "short_name": "吴中区教育局",
    "region_code": "320506",
    "category": "政府机构",
    "subcategory": "组成部门",
    "rank": "正科(乡)级",
    "established_on": datetime.date(2020, 1, 1),
    "document_issuer": "中共苏州市吴中区委机构编制委员会",
    "document_number": "吴编〔2020〕1号",
    "document_title": "关于设立苏州市吴中区教育局的通知",
    "document_date": datetime.date(2019, 12, 20),
}

RULES = (
    "第 1 行为表头，从第 2 行起每行一个机构；空行将被忽略。列的顺序不限，带 * 的列必填。",
    "任何一行有错误时整个文件都不导入；错误报告列出行号、列名、填写的值和违反的规则。",
    "支持 Excel（.xlsx）及 UTF-8 或 GBK 编码的 CSV 文件，文件不超过 {mib} MB。",
    "类别、细分类别、规格、事业单位分类、经费形式可填代码或中文名称，见下表。",
    "上级机构、主管部门可填现有机构的 ID、统一社会信用代码或准确名称，"
    "也可填本文件中另一行的名称：系统先创建被引用的机构。",
    "同一行政区划、同一上级下不得有重名机构；统一社会信用代码不得重复。",
    "发文机关、文号、文件标题、成文日期相同的行共用一份依据文件；同一发文机关的文号不得用于不同文件。",
    "导出的 Excel 可修改后再次导入：ID、撤销日期、行政区划名称列不导入，状态须为“现行”。",
)
RULES_EN = (
    "Row 1 is the header; each following row is one body; empty rows are ignored. "
    "Columns may be in any order; columns marked * are required.",
    "If any row has an error nothing is imported; the report names the row, column, value "
    "and rule.",
    "Excel (.xlsx) or CSV in UTF-8 or GBK, at most {mib} MB.",
    "Category, sub-category, rank, institution class and funding form take a code or its "
    "Chinese label (tables below).",
    "Parent and supervising body: an existing body's id, credit code or exact name, or the "
    "name of another row of the file, which is then created first.",
    "No two bodies with the same name under the same parent in one region; credit codes are "
    "unique.",
    "Rows with the same issuer, number, title and date share one document; an issuer's "
    "document number cannot name two documents.",
    "An export can be edited and imported again: ID, abolition date and region name are "
    "ignored, and the status must be 现行 (active).",
)
CODE_TABLES = (
    ("类别 / 细分类别", "Category / sub-category", "org_category"),
    ("规格", "Rank", "rank"),
    ("事业单位分类", "Public institution class", "pi_class"),
    ("经费形式", "Funding form", "funding_form"),
)


# --- export -----------------------------------------------------------------------------------


def _pages(user, flt: queries.OrgFilter):
    cursor = None
    while True:
        page = queries.org_search(user, flt, cursor=cursor, limit=EXPORT_PAGE)
        yield page.rows
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def _details(ids: list[int], as_of: datetime.date | None) -> dict[int, dict]:
    """Fields the search rows lack: as of the date for versioned ones, then dates and the
    establishing document."""
    if as_of:
        versions = OrgVersion.objects.filter(queries.valid_on(as_of), org_id__in=ids)
        source = versions.values(
            "pi_class", "funding_form", "parent__name", "supervisor__name", key=F("org_id")
        )
    else:
        source = Org.objects.filter(pk__in=ids).values(
            "pi_class", "funding_form", "parent__name", "supervisor__name", key=F("id")
        )
    details = {row.pop("key"): row for row in source}
    for org_id, established, abolished in Org.objects.filter(pk__in=ids).values_list(
        "id", "established_on", "abolished_on"
    ):
        details.setdefault(org_id, {}).update(established_on=established, abolished_on=abolished)
    first = OrgVersion.objects.filter(org_id__in=ids, valid_from=F("org__established_on"))
    for doc in first.values(
        "org_id", "document__issuer", "document__number", "document__title", "document__issued_on"
    ):
        details.setdefault(doc.pop("org_id"), {}).update(doc)
    return details


def _label(codeset: str, code: str) -> str:
    return reference.code_label(codeset, code) if code else ""


def _date_cell(sheet, value: datetime.date | None):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def _values(sheet, row: queries.OrgRow, more: dict) -> list:
    return [
        row.id,
        row.name,
        row.short_name,
        row.credit_code or "",
        row.region_code,
        _label("org_category", row.category),
        _label("org_category", row.subcategory),
        _label("rank", row.rank),
        _label("pi_class", more.get("pi_class", "")),
        _label("funding_form", more.get("funding_form", "")),
        more.get("parent__name") or "",
        more.get("supervisor__name") or "",
        _date_cell(sheet, more.get("established_on")),
        more.get("document__issuer", ""),
        more.get("document__number", ""),
        more.get("document__title", ""),
        _date_cell(sheet, more.get("document__issued_on")),
        STATUS_LABELS.get(row.status, row.status),
        _date_cell(sheet, more.get("abolished_on")),
        reference.region_full_name(row.region_code),
    ]


def _header(sheet, headers: list[str]) -> list:
    cells = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = BOLD
        cells.append(cell)
    return cells


def _set_widths(sheet, fields: list[str]) -> None:
    for index, name in enumerate(fields, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 14)


def export_xlsx(user, flt: queries.OrgFilter) -> IO[bytes]:
    """The bodies the user's search finds, every page of it, as an .xlsx file (rewound); the
    export is an audit event (`orgs.org.exported`, with the filters and the row count)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    _set_widths(sheet, ["id", *(column.field for column in COLUMNS)])
    sheet.freeze_panes = "C2"
    sheet.append(_header(sheet, EXPORT_HEADERS))
    count = 0
    for rows in _pages(user, flt):
        details = _details([row.id for row in rows], flt.as_of)
        for row in rows:
            sheet.append(_values(sheet, row, details.get(row.id, {})))
        count += len(rows)
    filters = {k: str(v) for k, v in vars(flt).items() if v not in ("", None)}
    audit_record(
        "orgs.org.exported", actor=user, entity="orgs.org", data={"rows": count, "filters": filters}
    )
    # The caller streams and closes it (FileResponse does).
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out


# --- template ---------------------------------------------------------------------------------


def _template_sheet(book: Workbook) -> None:
    sheet = book.active
    sheet.title = SHEET
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(
            row=1, column=index, value=column.header + ("*" if column.required else "")
        )
        cell.font = BOLD
        if column.required:
            cell.fill = REQUIRED_FILL
        note = f"{column.english}\n{column.note_zh}\n{column.note_en}".strip()
        cell.comment = Comment(note, "Bianzhi", width=300, height=120)
        example = sheet.cell(row=2, column=index, value=EXAMPLE.get(column.field))
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(column.field, 14)
        if column.field in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
        if isinstance(example.value, datetime.date):
            example.number_format = DATE_FORMAT
    sheet.freeze_panes = "B2"


def _notes_sheet(book: Workbook) -> None:
    sheet = book.create_sheet(NOTES_SHEET)
    for letter, width in zip("ABCDE", (16, 26, 8, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    _bold_row(sheet, ["列名", "English", "必填", "说明", "Notes"])
    for column in COLUMNS:
        required = "是" if column.required else ""
        sheet.append([column.header, column.english, required, column.note_zh, column.note_en])
    sheet.append([])
    _bold_row(sheet, ["规则", "Rules"])
    mib = settings.IMPORT_MAX_BYTES // (1024 * 1024)
    for zh, en in zip(RULES, RULES_EN, strict=True):
        sheet.append(["", "", "", zh.format(mib=mib), en.format(mib=mib)])
    for title, title_en, codeset in CODE_TABLES:
        sheet.append([])
        _bold_row(sheet, [title, title_en, "", "代码 code", "上级 parent"])
        for code, (label, label_en, parent) in reference.codes(codeset).items():
            sheet.append([label, label_en, "", code, parent])


def _bold_row(sheet, values: list[str]) -> None:
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD


def template_xlsx() -> bytes:
    """The import template: the columns with an example row, and a sheet of notes and codes."""
    book = Workbook()
    _template_sheet(book)
    _notes_sheet(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""The columns of a person import file, the header that names them, and the entries of the
error report (the same shape as the body importer's: row, column, field, value, code, message,
message_en)."""

from collections.abc import Iterable

from bianzhi.core.errors import InvalidInput
from bianzhi.orgs.importing.reading import Column, _file_problem, _header_key

_DATE_NOTE_ZH, _DATE_NOTE_EN = "YYYY-MM-DD 或 Excel 日期", "YYYY-MM-DD or an Excel date"

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "Name", True, "", ""),
    Column(
        "resident_id",
        "公民身份号码",
        "Resident ID number",
        True,
        "18 位，校验码须正确；性别和出生日期由号码得出；不得已在实名库中",
        "18 characters with a valid check character; gender and birth date come from it; "
        "must not be on the register yet",
    ),
    Column("ethnicity", "民族", "Ethnicity", False, "", ""),
    Column("political_status", "政治面貌", "Political status", False, "", ""),
    Column("education", "学历", "Education", False, "", ""),
    Column(
        "cadre",
        "干部/工人",
        "Cadre or worker",
        False,
        "填 干部 或 工人，默认干部；决定女性的法定退休年龄（原 55 或 50 周岁）",
        "干部 (cadre, default) or 工人 (worker): a woman's original retirement age, 55 or 50",
    ),
    Column(
        "org",
        "机构",
        "Body",
        True,
        "您管理范围内现行机构的 ID、统一社会信用代码或准确名称",
        "the id, credit code or exact name of an active body in your scope",
    ),
    Column(
        "est_type",
        "编制类型",
        "Establishment type",
        True,
        "代码或名称，如 admin 或 行政编制",
        "code or label, e.g. admin or 行政编制",
    ),
    Column("start_date", "入编日期", "Start date", True, _DATE_NOTE_ZH, _DATE_NOTE_EN),
    Column(
        "entry_way",
        "入编方式",
        "Way of entry",
        True,
        "代码或名称，如 exam 或 考录",
        "code or label, e.g. exam or 考录",
    ),
    Column("document_issuer", "发文机关", "Issuing body", True, "入编依据文件", "of the document"),
    Column("document_number", "文号", "Document number", False, "", ""),
    Column("document_title", "文件标题", "Document title", True, "", ""),
    Column("document_date", "成文日期", "Date of issue", True, _DATE_NOTE_ZH, _DATE_NOTE_EN),
)
# Optional columns checked against the resident ID when present (as in an export).
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("gender", "性别", "Gender", False, "须与公民身份号码一致", "must agree with the ID"),
    Column("birth_date", "出生日期", "Date of birth", False, "须与公民身份号码一致", "must agree"),
)
ALL_COLUMNS = (*COLUMNS, *EXTRA_COLUMNS)
FIELDS = tuple(column.field for column in ALL_COLUMNS)
BY_FIELD = {column.field: column for column in ALL_COLUMNS}
MAX_LENGTHS = {
    "name": 60,
    "ethnicity": 20,
    "political_status": 30,
    "education": 30,
    "document_issuer": 120,
    "document_number": 80,
    "document_title": 300,
}
HEADER_FIELDS = {
    key: column.field
    for column in ALL_COLUMNS
    for key in (_header_key(column.header), column.field, _header_key(column.english))
}


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


def file_error(exc: InvalidInput) -> dict:
    return row_error(None, None, "", exc.code, exc.message_zh, exc.message_en)


def header_map(header: Iterable) -> dict[str, int]:
    """Field → column index, from the header row; duplicate or missing columns are file errors."""
    mapping: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = HEADER_FIELDS.get(_header_key(cell))
        if name is None:
            continue
        if name in mapping:
            raise _file_problem(
                "file.duplicate_column",
                f"列“{BY_FIELD[name].header}”重复",
                f"column {BY_FIELD[name].english!r} appears twice",
            )
        mapping[name] = index
    missing = [c for c in COLUMNS if c.required and c.field not in mapping]
    if missing:
        raise _file_problem(
            "file.missing_columns",
            "缺少必填列：" + "、".join(c.header for c in missing) + "（第 1 行应为表头）",
            "required columns missing: "
            + ", ".join(f"{c.header} ({c.english})" for c in missing)
            + " (row 1 must be the header)",
        )
    return mapping

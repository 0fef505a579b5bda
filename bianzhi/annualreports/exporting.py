"""The annual-report status of a year as .xlsx (年度报告情况表): every institution in the
user's scope that must report, with the state of its report. Each export is audited."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from bianzhi.audit.services import audit_record

from . import queries
from .models import AnnualReportState

HEADERS = ["统一社会信用代码", "单位名称", "状态", "报送日期", "逾期报送", "公示日期"]
WIDTHS = (22, 36, 14, 14, 10, 14)
NOT_STARTED = "未填报"
DATE_FORMAT = "yyyy-mm-dd"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _state_label(row: queries.StatusRow) -> str:
    if row.report is None:
        return NOT_STARTED
    return str(AnnualReportState(row.report.state).label).split("(")[-1].rstrip(")")


def _cells(row: queries.StatusRow) -> list:
    report = row.report
    published = report.published_at if report else None
    return [
        row.institution.credit_code,
        row.institution.name,
        _state_label(row),
        report.submitted_on if report else None,
        ("是" if report.late else "否") if report and report.submitted_on else "",
        published.date() if published else None,
    ]


def status_xlsx(year: int, user) -> bytes:
    """The status sheet of `year`; the export is an audit event with the year and row count."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}年度报告"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    rows = queries.status_rows(year, user)
    for row in rows:
        sheet.append(_cells(row))
    for column in ("D", "F"):
        for cell in sheet[column][1:]:
            cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    audit_record(
        "annualreports.annualreport.exported",
        actor=user,
        entity="annualreports.annualreport",
        data={"year": year, "rows": len(rows)},
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

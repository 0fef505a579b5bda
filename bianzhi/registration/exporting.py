"""Export of the register (事业单位登记簿) to .xlsx: every institution in the user's region
with its registered items, status and current certificate, read in one query."""

import datetime
import tempfile
from typing import IO

from django.db.models import OuterRef, Subquery
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bianzhi.audit.services import audit_record
from bianzhi.core.scope import scope_queryset

from .certificate_pdf import chinese_label
from .models import Certificate, CertificateStatus, FundingSource, Institution, InstitutionStatus

SHEET = "事业单位登记"
DATE_FORMAT = "yyyy-mm-dd"
CAPITAL_FORMAT = "0.00"
CHUNK = 2000
# (header, width) in the order of the columns
COLUMNS = (
    ("统一社会信用代码", 22),
    ("名称", 32),
    ("住所", 32),
    ("宗旨和业务范围", 48),
    ("法定代表人", 12),
    ("经费来源", 18),
    ("开办资金（万元）", 14),
    ("举办单位", 28),
    ("登记状态", 12),
    ("登记日期", 12),
    ("证书号", 24),
    ("证书状态", 16),
)
FIELDS = (
    "credit_code",
    "name",
    "address",
    "purpose",
    "legal_rep",
    "funding_source",
    "capital",
    "sponsor",
    "status",
    "registered_on",
)
BOLD = Font(bold=True)


def _labels(choices) -> dict[str, str]:
    return {choice.value: chinese_label(choice.label) for choice in choices}


def register_rows(user):
    """The institutions the user may see with their latest certificate's number and status,
    as dicts, in credit code order: one query, streamed."""
    latest = Certificate.objects.filter(institution=OuterRef("pk")).order_by("-id")
    institutions = scope_queryset(user, Institution.objects.all()).annotate(
        certificate_number=Subquery(latest.values("number")[:1]),
        certificate_status=Subquery(latest.values("status")[:1]),
    )
    values = institutions.order_by("credit_code").values(
        *FIELDS, "certificate_number", "certificate_status"
    )
    return values.iterator(chunk_size=CHUNK)


def _cell(sheet, value, number_format: str = ""):
    cell = WriteOnlyCell(sheet, value=value)
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def _header(sheet, title: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=title)
    cell.font = BOLD
    return cell


def _values(sheet, row: dict, labels: dict) -> list:
    registered_on: datetime.date = row["registered_on"]
    return [
        row["credit_code"],
        row["name"],
        row["address"],
        row["purpose"],
        row["legal_rep"],
        labels["funding"].get(row["funding_source"], row["funding_source"]),
        _cell(sheet, row["capital"], CAPITAL_FORMAT),
        row["sponsor"],
        labels["status"].get(row["status"], row["status"]),
        _cell(sheet, registered_on, DATE_FORMAT),
        row["certificate_number"] or "",
        labels["certificate"].get(row["certificate_status"], row["certificate_status"] or ""),
    ]


def export_xlsx(user) -> IO[bytes]:
    """The register as an .xlsx file (rewound; the caller closes it); the export is an audit
    event (`registration.institution.exported`, with the row count)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    for index, (_title, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    sheet.append([_header(sheet, header) for header, _width in COLUMNS])
    labels = {
        "funding": _labels(FundingSource),
        "status": _labels(InstitutionStatus),
        "certificate": _labels(CertificateStatus),
    }
    count = 0
    for row in register_rows(user):
        sheet.append(_values(sheet, row, labels))
        count += 1
    audit_record(
        "registration.institution.exported",
        actor=user,
        entity="registration.institution",
        data={"rows": count},
    )
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out

"""REST routes for spreadsheets: import jobs and the .xlsx export. Mounted beside the orgs
router: `api.add_router("/orgs", bianzhi.orgs.api_io.router)` (paths below are relative)."""

import datetime

from django.http import FileResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from bianzhi.core.permissions import api_requires
from bianzhi.core.scope import get_in_scope_or_404

from . import exporting, importing
from .models import ImportJob
from .schemas import OrgFilterIn

router = Router(tags=["orgs import/export"])
IMPORT, EXPORT = "orgs.import_org", "orgs.export_org"


class ImportErrorOut(Schema):
    row: int | None = Field(None, description="行号，表头为第 1 行 / row in the file, header = 1")
    column: str | None = Field(None, description="列名 / column header")
    field: str | None = None
    value: str = ""
    code: str = Field(..., description="规则 / rule broken, e.g. uscc.checksum, required")
    message: str
    message_en: str


class ImportJobOut(Schema):
    id: int
    uid: str
    filename: str
    size: int
    sha256: str
    status: str = Field(..., description="queued, validating, importing, failed or succeeded")
    total_rows: int
    processed_rows: int
    created_count: int
    created_ids: list[int]
    errors: list[ImportErrorOut]
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


def _out(job: ImportJob) -> dict:
    job.refresh_from_db()
    return {
        "id": job.pk,
        "uid": str(job.uid),
        **{
            name: getattr(job, name)
            for name in (
                "filename",
                "size",
                "sha256",
                "status",
                "total_rows",
                "processed_rows",
                "created_count",
                "created_ids",
                "errors",
                "created_at",
                "finished_at",
            )
        },
    }


@router.post("/imports", response={201: ImportJobOut}, summary="Import bodies 导入机构")
@api_requires(IMPORT)
def import_create(request, file: File[UploadedFile]):
    """Upload an .xlsx or .csv file laid out as the template. The job is checked and run in the
    background (at once when tasks run immediately); poll GET /orgs/imports/{id}. Nothing is
    imported if any row has an error: `errors` lists each with its row, column and rule. A file
    refused outright (type, size, empty) answers 400."""
    job = importing.import_job_create(actor=request.user, upload=file)
    return Status(201, _out(job))


@router.get("/imports/{int:job_id}", response=ImportJobOut, summary="An import job 导入任务")
@api_requires(IMPORT)
def import_detail(request, job_id: int):
    return _out(get_in_scope_or_404(request.user, ImportJob.objects.all(), pk=job_id))


@router.get("/export.xlsx", summary="Export bodies to Excel 导出机构")
@api_requires(EXPORT)
def export_xlsx(request, filters: Query[OrgFilterIn]):
    """The bodies GET /orgs finds with the same filters, every page, as one .xlsx file."""
    flt = filters.to_filter()
    return FileResponse(
        exporting.export_xlsx(request.user, flt),
        as_attachment=True,
        filename=f"bianzhi-orgs-{timezone.localdate():%Y%m%d}.xlsx",
        content_type=importing.XLSX_TYPE,
    )

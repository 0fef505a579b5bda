"""REST routes for person import jobs. Mounted at the API root:
`api.add_router("/", bianzhi.personnel.api_io.router)`; the paths below are absolute."""

import datetime

from ninja import Field, File, Router, Schema, Status, UploadedFile

from bianzhi.core.permissions import api_requires
from bianzhi.core.scope import get_in_scope_or_404
from bianzhi.orgs.api_io import ImportErrorOut

from . import importing
from .models import PersonImportJob

router = Router(tags=["persons import"])
IMPORT = "personnel.import_person"
FIELDS = (
    "filename",
    "size",
    "sha256",
    "status",
    "total_rows",
    "validated_rows",
    "loaded_rows",
    "persons_created",
    "error_count",
    "errors",
    "summary",
    "created_at",
    "finished_at",
)


class PostsTakenOut(Schema):
    org_id: int
    org: str
    est_type: str
    count: int = Field(..., description="本文件进人数 / rows of the file")
    approved: int
    occupied: int = Field(..., description="导入后实有 / occupied after the import")


class PersonImportJobOut(Schema):
    id: int
    uid: str
    filename: str
    size: int
    sha256: str
    status: str = Field(..., description="queued, validating, loading, failed or succeeded")
    total_rows: int = Field(..., description="估计值，校验完成后为准 / estimated until checked")
    validated_rows: int
    loaded_rows: int
    persons_created: int
    error_count: int = Field(..., description="全部错误数 / all errors; `errors` lists the first")
    errors: list[ImportErrorOut]
    summary: list[PostsTakenOut]
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


def _out(job: PersonImportJob) -> dict:
    job.refresh_from_db()
    return {"id": job.pk, "uid": str(job.uid), **{name: getattr(job, name) for name in FIELDS}}


@router.post(
    "/persons/imports", response={201: PersonImportJobOut}, summary="Import persons 导入人员"
)
@api_requires(IMPORT)
def person_import_create(request, file: File[UploadedFile]):
    """Upload an .xlsx or .csv file (UTF-8 or GBK) laid out as the template: one new person per
    row with their post. The job is checked and loaded in the background (at once when tasks run
    immediately); poll GET /persons/imports/{id}. Nothing is imported if any row has an error:
    `errors` lists each with its row, column and rule (ric.checksum, duplicate_in_file,
    duplicate, over_quota, quota_frozen, not_found, …). A file refused outright answers 400."""
    job = importing.person_import_create(actor=request.user, upload=file)
    return Status(201, _out(job))


@router.get(
    "/persons/imports/{int:job_id}", response=PersonImportJobOut, summary="A person import job"
)
@api_requires(IMPORT)
def person_import_detail(request, job_id: int):
    return _out(get_in_scope_or_404(request.user, PersonImportJob.objects.all(), pk=job_id))

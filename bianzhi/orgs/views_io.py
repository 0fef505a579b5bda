"""Staff pages for moving bodies in and out of spreadsheets: import with progress, export."""

import io

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bianzhi.core.audit import record_access
from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires
from bianzhi.core.scope import get_in_scope_or_404, scope_queryset

from . import exporting, importing
from .models import ImportJob, Org
from .views import _filter_from

IMPORT, EXPORT = "orgs.import_org", "orgs.export_org"
RECENT_JOBS = 20
LINKED_BODIES = 100


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx) or CSV (UTF-8 or GBK), laid out as the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


def _xlsx_name(stem: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"


@requires(IMPORT)
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = importing.import_job_create(actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", f"{exc.message_zh} ({exc.message_en})")
        else:
            return redirect("orgs:import_job", job_id=job.pk)
    jobs = scope_queryset(request.user, ImportJob.objects.select_related("created_by"))
    return render(request, "orgs/import.html", {"form": form, "jobs": jobs[:RECENT_JOBS]})


@requires(IMPORT)
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_in_scope_or_404(
        request.user, ImportJob.objects.select_related("created_by"), pk=job_id
    )
    bodies = []
    if job.created_ids:
        ids = job.created_ids[:LINKED_BODIES]
        bodies = list(scope_queryset(request.user, Org.objects.filter(pk__in=ids)).order_by("name"))
    context = {"job": job, "bodies": bodies, "more_bodies": job.created_count - len(bodies)}
    if request.htmx:
        return render(request, "orgs/import_job_status.html", context)
    return render(request, "orgs/import_job.html", context)


@requires(EXPORT)
def import_template(request: HttpRequest) -> FileResponse:
    record_access(request, "orgs.template.downloaded")
    return FileResponse(
        io.BytesIO(exporting.template_xlsx()),
        as_attachment=True,
        filename="机构导入模板.xlsx",
        content_type=importing.XLSX_TYPE,
    )


@requires(EXPORT)
def export(request: HttpRequest) -> FileResponse:
    stream = exporting.export_xlsx(request.user, _filter_from(request))
    return FileResponse(
        stream,
        as_attachment=True,
        filename=_xlsx_name("bianzhi-orgs"),
        content_type=importing.XLSX_TYPE,
    )

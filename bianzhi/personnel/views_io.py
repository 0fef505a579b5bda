"""Staff pages for importing people onto posts from a spreadsheet: upload, recent jobs, and a
job page whose progress bar is polled by htmx and which lists every error row by row. Mounted
at persons/import/ (bianzhi.personnel.urls_io, namespace "personnel_io")."""

import io

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from bianzhi.core import reference
from bianzhi.core.audit import record_access
from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires
from bianzhi.core.scope import get_in_scope_or_404, scope_queryset
from bianzhi.orgs.importing import XLSX_TYPE

from . import importing
from .models import PersonImportJob

IMPORT = "personnel.import_person"
RECENT_JOBS = 20


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx) or CSV (UTF-8 or GBK), laid out as the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


@requires(IMPORT)
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = importing.person_import_create(
                actor=request.user, upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            form.add_error("file", f"{exc.message_zh} ({exc.message_en})")
        else:
            return redirect("personnel_io:job", job_id=job.pk)
    jobs = scope_queryset(request.user, PersonImportJob.objects.select_related("created_by"))
    return render(request, "personnel/import.html", {"form": form, "jobs": jobs[:RECENT_JOBS]})


@requires(IMPORT)
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_in_scope_or_404(
        request.user, PersonImportJob.objects.select_related("created_by"), pk=job_id
    )
    done = job.loaded_rows if job.status == PersonImportJob.Status.LOADING else job.validated_rows
    context = {"job": job, "done": done}
    if request.htmx:
        return render(request, "personnel/import_job_status.html", context)
    return render(request, "personnel/import_job.html", context)


def template_xlsx() -> bytes:
    """The import template: the header row, then a sheet with the rules and the valid codes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append([column.header for column in importing.COLUMNS])
    notes = book.create_sheet("说明")
    notes.append(["列 / Column", "必填 / Required", "说明", "Notes"])
    for column in importing.ALL_COLUMNS:
        required = "是 / yes" if column.required else ""
        notes.append(
            [f"{column.header} ({column.english})", required, column.note_zh, column.note_en]
        )
    for codeset, title in (("establishment_type", "编制类型"), ("entry_way", "入编方式")):
        notes.append([])
        notes.append([title, "代码 / code"])
        for code, (label, label_en, _parent) in reference.codes(codeset).items():
            notes.append([label, code, "", label_en])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@requires(IMPORT)
def import_template(request: HttpRequest) -> FileResponse:
    record_access(request, "personnel.template.downloaded")
    return FileResponse(
        io.BytesIO(template_xlsx()),
        as_attachment=True,
        filename="人员导入模板.xlsx",
        content_type=XLSX_TYPE,
    )

"""Registrar pages around certificates and codes: the certificate PDF (正本 / 副本), the
organisation code blocks of the user's registration authority, and the register export."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bianzhi.audit.services import audit_record
from bianzhi.core.errors import DomainError, InvalidInput
from bianzhi.core.permissions import LOGIN, requires
from bianzhi.core.scope import region_in_scope

from . import exporting
from .certificate_pdf import COPIES, render_certificate_pdf
from .codes import ORG_CODE_BODY, code_block_add
from .models import Certificate, CodeBlock

VIEW = "registration.view_institution"
UNIT = "registration.apply_application"  # a body's own account, for its own institution
APPROVE = "registration.approve_application"
EXPORT = "registration.export_institution"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the certificate PDF ---------------------------------------------------------------------


def _refuse(request: HttpRequest, action: str, reason: str, certificate_id: int) -> None:
    audit_record(
        action,
        request=request,
        result="refused",
        reason=reason,
        entity="registration.certificate",
        entity_id=certificate_id,
    )


def _certificate_for(request: HttpRequest, certificate_id: int) -> Certificate:
    """The certificate if the user may download it: staff who see the institution's region,
    or the institution's own account. Users who may download no certificate at all get 403;
    those who may download others' get the 404 of a missing certificate."""
    user = request.user
    staff, unit = user.has_perm(VIEW), bool(user.org_id) and user.has_perm(UNIT)
    if not (staff or unit):
        _refuse(request, "access.denied", f"{VIEW} | {UNIT}", certificate_id)
        raise PermissionDenied(VIEW)
    certificate = (
        Certificate.objects.select_related("institution").filter(pk=certificate_id).first()
    )
    if certificate is None:
        raise Http404
    institution = certificate.institution
    if (staff and region_in_scope(user, institution.region_code)) or (
        unit and user.org_id == institution.org_id
    ):
        return certificate
    _refuse(request, "access.out_of_scope", "not the user's region or institution", certificate_id)
    raise Http404


def _disposition(certificate: Certificate, copy: str) -> str:
    """An ASCII name for old clients and the Chinese one (RFC 6266 filename*)."""
    ascii_name = f"certificate-{certificate.institution.credit_code}-{copy}.pdf"
    name = f"事业单位法人证书（{COPIES[copy][0]}）-{certificate.institution.name}.pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@requires(LOGIN)
def certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """A certificate's 正本 (?copy=original, the default) or 副本 (?copy=duplicate); audited."""
    certificate = _certificate_for(request, certificate_id)
    copy = request.GET.get("copy", "original")
    try:
        pdf = render_certificate_pdf(certificate, copy=copy)
    except InvalidInput as exc:
        text = f"{exc.message_zh} / {exc.message_en}"
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    audit_record(
        "registration.certificate.downloaded",
        obj=certificate,
        request=request,
        data={"copy": copy, "number": certificate.number},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = _disposition(certificate, copy)
    response["Cache-Control"] = "private, no-store"
    return response


# Signed in plus one of these (checked in `_certificate_for`), as the URL walk reads it.
certificate_pdf.any_permission = (VIEW, UNIT)  # type: ignore[attr-defined]


# --- code blocks ------------------------------------------------------------------------------


class CodeBlockForm(forms.Form):
    prefix = forms.CharField(
        label=gettext_lazy("Prefix (代码段前缀)"),
        max_length=6,
        help_text=gettext_lazy(
            "1 to 6 digits or capital letters, not I, O, S, V or Z; the counter fills the "
            "rest of the 8 characters."
        ),
    )
    first = forms.IntegerField(label=gettext_lazy("First value (起始值)"), min_value=0)
    last = forms.IntegerField(label=gettext_lazy("Last value (截止值)"), min_value=0)


def _block_rows(blocks) -> list[dict]:
    rows = []
    for block in blocks:
        width = ORG_CODE_BODY - len(block.prefix)
        remaining = max(0, block.last_value - block.next_value + 1) if block.active else 0
        rows.append(
            {
                "block": block,
                "next": block.prefix + str(block.next_value).zfill(width),
                "last": block.prefix + str(block.last_value).zfill(width),
                "remaining": remaining,
            }
        )
    return rows


@requires(APPROVE)
def code_blocks(request: HttpRequest) -> HttpResponse:
    """The organisation code blocks of the user's registration authority, and a new one."""
    node = request.user.node
    if node is None:
        raise Http404
    form = CodeBlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            block = code_block_add(actor=request.user, registrar=node, **form.cleaned_data)
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, f"{exc.message_zh} ({exc.message_en})")
        else:
            messages.success(request, _("Code block %(prefix)s added.") % {"prefix": block.prefix})
            return redirect("registration:code_blocks")
    blocks = CodeBlock.objects.filter(registrar=node).order_by("-active", "prefix")
    context = {"form": form, "rows": _block_rows(blocks), "node": node}
    return render(request, "registration/code_blocks.html", context)


# --- the register export ------------------------------------------------------------------------


@requires(EXPORT)
def export(request: HttpRequest) -> FileResponse:
    """Every registered institution in the user's region as .xlsx; audited with the count."""
    return FileResponse(
        exporting.export_xlsx(request.user),
        as_attachment=True,
        filename=f"bianzhi-register-{timezone.localdate():%Y%m%d}.xlsx",
        content_type=XLSX_TYPE,
    )

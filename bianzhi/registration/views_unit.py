"""An institution's own side (/unit/, `registration.apply_application`): its registered items
and certificate, its applications, and drafting, filling and submitting one for its own body.
Which applications it sees is `queries.applications_for`: its own body's, nothing else."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires
from bianzhi.orgs.models import OrgStatus
from bianzhi.orgs.validation import INSTITUTION

from . import applications, queries, views_common
from .forms import content_form
from .models import ApplicationKind, CertificateStatus, Institution, InstitutionStatus

K = ApplicationKind
NS = "unit"
APPLY = "registration.apply_application"
LIVE_CERTIFICATE = (CertificateStatus.VALID, CertificateStatus.SUSPENDED)


def own_institution(user) -> Institution | None:
    if user.org_id is None:
        return None
    return Institution.objects.select_related("registrar").filter(org_id=user.org_id).first()


def kinds_open_to(user, institution: Institution | None) -> list[tuple[str, str]]:
    """设立 while the body is not registered; 变更, 注销 and 证书补领换领 while it is."""
    org = user.org
    if org is None:
        return []
    if institution is None:
        if org.category == INSTITUTION and org.status == OrgStatus.ACTIVE:
            return [(K.ESTABLISH.value, K.ESTABLISH.label)]
        return []
    if institution.status != InstitutionStatus.REGISTERED:
        return []
    return [(k.value, k.label) for k in (K.CHANGE, K.CANCEL, K.REPLACE)]


@requires(APPLY)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    institution = own_institution(user)
    certificate = None
    if institution is not None:
        certificate = institution.certificates.filter(status__in=LIVE_CERTIFICATE).first()
    apps = list(queries.applications_for(user)[:100])
    context = {
        "org": user.org,
        "institution": institution,
        "certificate": certificate,
        "pdf": views_common.certificate_links(certificate) if certificate else None,
        "rows": [(app, views_common.flag_rows(app)) for app in apps],
        "kinds": kinds_open_to(user, institution),
    }
    return render(request, "registration/unit_home.html", context)


@requires(APPLY)
def new(request: HttpRequest, kind: str) -> HttpResponse:
    """Draft an application of `kind` for the user's own body, with its content."""
    user = request.user
    institution = own_institution(user)
    if kind not in dict(kinds_open_to(user, institution)):
        raise Http404
    subject = {"org": user.org} if kind == K.ESTABLISH else {"institution": institution}
    initial = {"name": user.org.name} if kind == K.ESTABLISH else None
    bound = request.POST if request.method == "POST" else None
    form = content_form(kind, bound, institution=institution, initial=initial)
    if bound is not None and form.is_valid():
        data, event_date, move_date = form.values()
        try:
            app = applications.application_create(
                actor=user,
                kind=kind,
                data=data,
                event_date=event_date,
                move_date=move_date,
                **subject,
            )
        except applications.Forbidden as exc:
            raise PermissionDenied(exc.message_en) from exc
        except DomainError as exc:
            form.add_domain_error(exc)
            messages.error(request, views_common.error_text(exc))
        else:
            messages.success(request, _("Draft %(number)s saved.") % {"number": app.number})
            return redirect("unit:application", application_id=app.pk)
    context = {
        "ns": NS,
        "kind": kind,
        "kind_label": K(kind).label,
        "form": form,
        "form_rows": views_common.form_rows(form, {}),
        "institution": institution,
        "org": user.org,
    }
    return render(request, "registration/new.html", context, status=400 if bound else 200)

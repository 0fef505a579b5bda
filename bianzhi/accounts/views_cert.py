"""Certificate login page (电子身份认证): GET shows it, POST signs in with the presented cert."""

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from bianzhi.audit.services import audit_record
from bianzhi.core.permissions import public

from .certificates import CertRefused, account_for, presented_certificate

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _backend() -> str:
    """The backend recorded in the session: the model backend, which every profile keeps."""
    backends = settings.AUTHENTICATION_BACKENDS
    return MODEL_BACKEND if MODEL_BACKEND in backends else backends[-1]


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def _refuse(request: HttpRequest, exc: CertRefused) -> HttpResponse:
    audit_record(
        "auth.cert.refused",
        entity="accounts.user",
        result="refused",
        reason=exc.code,
        data={"reason": exc.code, "detail": exc.detail[:200]},
        request=request,
    )
    context = {"refusal": exc, "next": _next_url(request)}
    return render(request, "accounts/cert_login.html", context, status=403)


@public
@require_http_methods(["GET", "POST"])
def cert_login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "accounts/cert_login.html", {"next": _next_url(request)})
    try:
        presented = presented_certificate(request)
        user = account_for(presented)
    except CertRefused as exc:
        return _refuse(request, exc)
    request.login_details = {  # read by the audit's user_logged_in receiver
        "method": "certificate",
        "subject": presented.subject,
        "serial": f"{presented.certificate.serial_number:x}",
    }
    login(request, user, backend=_backend())
    return redirect(_next_url(request))

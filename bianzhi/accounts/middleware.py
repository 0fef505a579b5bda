"""Per-request login rules: session lifetimes, and the steps a user must take before anything
else (change an initial or expired password, enrol or enter a second factor)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from bianzhi.core.net import client_address  # noqa: F401  (AXES_CLIENT_IP_CALLABLE)

from . import otp, sessions
from .passwords import password_expired


class SessionPolicyMiddleware:
    """End sessions idle longer than SESSION_IDLE_SECONDS or older than
    SESSION_ABSOLUTE_SECONDS; no query unless a session ends or a minute has passed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            reason = sessions.session_check(request)
            if reason:
                sessions.session_expire(request, reason=reason)
                if request.path.startswith("/api/"):
                    return _json_refusal("session_expired", _session_message())
                messages.info(request, _session_message())
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


def _session_message() -> str:
    return _("Your session has expired; please log in again. 会话已超时，请重新登录。")


def _json_refusal(code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": message}, status=403)


# Pages a user with a pending step may still reach: the step itself, logging out, language.
STEP_EXEMPT = {
    "logout",
    "login",
    "set_language",
    "healthz",
    "password_change",
    "otp_enroll",
    "login_otp",
}


class SecurityStepsMiddleware:
    """Send a signed-in user who must change the password, or (where TOTP is required) enrol
    or enter a code, to that page before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        match = request.resolver_match
        if not user.is_authenticated or (match and match.url_name in STEP_EXEMPT):
            return None
        step = pending_step(request)
        if step is None:
            return None
        target, code, message = STEPS[step]
        if request.path.startswith("/api/"):
            return _json_refusal(code, str(message))
        return redirect(target)


STEPS = {
    "password": (
        "accounts:password_change",
        "password_change_required",
        "Change your password first. 请先修改密码。",
    ),
    "enroll": (
        "accounts:otp_enroll",
        "otp_enrollment_required",
        "Set up TOTP first. 请先绑定动态口令。",
    ),
    "verify": (
        "accounts:login_otp",
        "otp_required",
        "Enter your TOTP code first. 请先输入动态口令。",
    ),
}


def pending_step(request) -> str | None:
    """The step the user must take now: "password", "enroll", "verify" or None."""
    user = request.user
    if user.must_change_password or password_expired(user):
        return "password"
    if settings.OTP_REQUIRED and not user.is_verified():
        return "verify" if otp.has_device(user) else "enroll"
    return None

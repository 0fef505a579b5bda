"""Login steps (password, then TOTP), the account page, and unlocking for the security
administrator."""

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.audit.services import audit_record
from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import LOGIN, PUBLIC, public, requires

from . import otp, services, sessions
from .forms import CodeForm, PasswordChangeForm, PasswordConfirmForm, UnlockForm
from .middleware import pending_step


class LoginView(auth_views.LoginView):
    """The password step; an account with a confirmed TOTP device goes on to the code step
    without being logged in yet."""

    required_permission = PUBLIC

    def form_valid(self, form):
        user = form.get_user()
        if otp.has_device(user):
            otp.pending_begin(self.request, user, self.get_success_url())
            return redirect("accounts:login_otp")
        return super().form_valid(form)


def _otp_target(request: HttpRequest):
    """Whose code is asked for: a signed-in but unverified user (TOTP required after another
    login method), or the user of a pending password login."""
    if request.user.is_authenticated:
        return request.user, {}
    return otp.pending_user(request)


def _safe_next(request: HttpRequest, url: str) -> str:
    ok = url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure())
    return url if url and ok else "/"


@public
def login_otp(request: HttpRequest) -> HttpResponse:
    """The code step: a TOTP code or a one-time recovery code. Wrong codes are audited and count
    towards the lockout of the account and the address."""
    user, pending = _otp_target(request)
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            otp.pending_end(request)
            return get_lockout_response(request, None, credentials)
        if wait := otp.otp_wait_seconds(user):  # throttled: no check, no failure counted
            form.add_error(
                "code",
                f"请 {wait} 秒后再试 / after a wrong code, wait {wait} s and try again",
            )
            return render(request, "registration/login_otp.html", {"form": form, "otp_user": user})
        device = otp.otp_match(user, form.cleaned_data["code"])
        if device is not None:
            return _otp_success(request, user, device, pending)
        audit_record(
            "auth.otp.failed",
            actor=user.get_username(),
            obj=user,
            result="refused",
            reason="wrong code",
            request=request,
        )
        AxesProxyHandler.user_login_failed(login_otp, credentials, request)
        if getattr(request, "axes_locked_out", False):
            otp.pending_end(request)
            return get_lockout_response(request, None, credentials)
        form.add_error("code", "动态口令不正确 / the code is wrong")
    return render(request, "registration/login_otp.html", {"form": form, "otp_user": user})


def _otp_success(request, user, device, pending: dict) -> HttpResponse:
    if not request.user.is_authenticated:
        auth_login(request, user, backend=pending["backend"])
    django_otp.login(request, device)
    otp.pending_end(request)
    return redirect(_safe_next(request, pending.get("next", "")))


@requires(LOGIN)
def account(request: HttpRequest) -> HttpResponse:
    """/accounts/me/: password, second factor, live sessions."""
    user = request.user
    return render(
        request,
        "accounts/me.html",
        {
            "has_device": otp.has_device(user),
            "recovery_left": _recovery_left(user),
            "live_sessions": sessions.live_sessions(user),
            "current_key": request.session.session_key,
            "step": pending_step(request),
        },
    )


def _recovery_left(user) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__name=otp.RECOVERY_NAME).count()


@requires(LOGIN)
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password under the policy (forced for initial and expired ones)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user, new_password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed. 密码已修改。"))
            return redirect("accounts:me")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "step": pending_step(request)},
    )


@requires(LOGIN)
def otp_enroll(request: HttpRequest) -> HttpResponse:
    """Set up TOTP: a QR code of a fresh secret, confirmed by a code; shows the recovery codes
    once. An account that has a device resets it first (from the account page)."""
    user = request.user
    if otp.has_device(user):
        messages.info(request, _("TOTP is already set up. 已绑定动态口令。"))
        return redirect("accounts:me")
    key = request.session.get(otp.ENROLL_KEY) or otp.new_key()
    request.session[otp.ENROLL_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.otp_enroll(user=user, key=key, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", f"{exc.message_zh} / {exc.message_en}")
        else:
            request.session.pop(otp.ENROLL_KEY, None)
            django_otp.login(request, otp.confirmed_totp(user))
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    uri, qr = otp.provisioning(user, key)
    return render(request, "accounts/otp_enroll.html", {"form": form, "uri": uri, "qr": qr})


@requires(LOGIN)
@require_POST
def otp_recovery(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the old ones stop working."""
    try:
        codes = otp.otp_recovery_regenerate(user=request.user)
    except DomainError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("accounts:me")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@requires(LOGIN)
@require_POST
def otp_reset(request: HttpRequest) -> HttpResponse:
    """Remove one's own TOTP device (password required), e.g. for a new phone."""
    form = PasswordConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("")
        otp.otp_reset(user=request.user, password=form.cleaned_data["password"])
    except (DomainError, ValidationError):
        messages.error(request, "密码不正确，未解除绑定 / wrong password; TOTP was kept")
    else:
        messages.success(request, _("TOTP removed. 已解除动态口令绑定。"))
    return redirect("accounts:me")


@requires(LOGIN)
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the account, this one included."""
    sessions.sessions_end_everywhere(request=request)
    return redirect("login")


@requires("accounts.unlock_account")
def lockouts(request: HttpRequest) -> HttpResponse:
    """Locked accounts and addresses, with an unlock button each (security administrator)."""
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.lockout_clear(
            actor=request.user, username=data["username"], address=data["address"] or ""
        )
        messages.success(request, _("Unlocked. 已解除锁定。"))
        return redirect("accounts:lockouts")
    return render(request, "accounts/lockouts.html", {"locks": services.lockouts(), "form": form})

"""Every login, logout and failed login is an audit event (connected in AuditConfig.ready)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent
from .services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def on_login(sender, request, user, **kwargs) -> None:
    details = getattr(request, "login_details", None) or {"method": "password"}
    audit_record("auth.login.succeeded", actor=user, obj=user, data=details, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record("auth.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or "")[:150]
    audit_record(
        "auth.login.failed",
        actor=username,  # not an account (it may not exist): kept as actor_name only
        entity="accounts.user",
        result=AuditEvent.Result.REFUSED,
        reason="用户名或密码错误 / wrong username or password",
        data={"username": username},
        request=request,
    )

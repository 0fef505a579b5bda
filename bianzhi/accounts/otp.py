"""The TOTP second factor (django-otp): enrolment with a QR code, one-time recovery codes, and the
code step of the login that follows a correct password."""

import math
import secrets
import time
from binascii import unhexlify

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bianzhi.audit.services import audit_record
from bianzhi.core.errors import InvalidInput

from .models import User

PENDING = "_bz_otp_pending"
ENROLL_KEY = "_bz_otp_key"
RECOVERY_NAME = "recovery"


def has_device(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def new_key() -> str:
    """A fresh 160-bit TOTP secret, hex as django-otp stores it."""
    return secrets.token_hex(20)


def provisioning(user: User, key: str) -> tuple[str, str]:
    """The otpauth:// URI for an authenticator app and the same as a QR code (SVG data URI)."""
    uri = TOTPDevice(user=user, key=key, name="default").config_url
    return uri, segno.make(uri, error="m").svg_data_uri(scale=4)


def code_matches_key(key: str, code: str) -> bool:
    totp = TOTP(unhexlify(key.encode()), step=30, digits=6)
    return code.isdigit() and totp.verify(int(code), tolerance=1)


@transaction.atomic
def otp_enroll(*, user: User, key: str, code: str) -> list[str]:
    """Confirm a new TOTP device by a code it produced; replaces any earlier devices and returns
    fresh recovery codes (shown once)."""
    if not code_matches_key(key, code.strip()):
        raise InvalidInput(
            "动态口令不正确，请按手机上的当前口令重试",
            "the code is wrong; enter the current one",
            field="code",
            code="otp_invalid",
        )
    _remove_devices(user)
    TOTPDevice.objects.create(user=user, key=key, name="default", confirmed=True)
    codes = _recovery_codes(user)
    audit_record("auth.otp.enrolled", actor=user, obj=user)
    return codes


def _remove_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@transaction.atomic
def otp_recovery_regenerate(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working. Needs a confirmed TOTP device."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise InvalidInput(
            "请先绑定动态口令", "set up TOTP first", field="code", code="otp_not_enrolled"
        )
    codes = _recovery_codes(user)
    audit_record("auth.otp.recovery_regenerated", actor=user, obj=user)
    return codes


@transaction.atomic
def otp_reset(*, user: User, password: str) -> None:
    """Remove one's own TOTP device and recovery codes, confirmed by the password."""
    if not user.check_password(password):
        raise InvalidInput(
            "密码不正确", "the password is wrong", field="password", code="password_wrong"
        )
    _remove_devices(user)
    audit_record("auth.otp.reset", actor=user, obj=user)


def otp_wait_seconds(user: User) -> int:
    """Seconds until django-otp lets the user's devices check a code again after wrong codes
    (its throttle doubles the wait with each failure); 0 when a code may be tried now."""
    now, wait = timezone.now(), 0
    for device in devices_for_user(user, confirmed=True):
        allowed, details = device.verify_is_allowed()
        until = (details or {}).get("locked_until")
        if not allowed and until is not None:
            wait = max(wait, math.ceil((until - now).total_seconds()))
    return wait


def otp_match(user: User, code: str):
    """The device (TOTP or a recovery code, used up) that accepts the code, or None."""
    code = code.strip().replace(" ", "")
    if not code:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(code):
                return device
    return None


def pending_begin(request, user: User, next_url: str) -> None:
    """After a correct password: remember who is half-way through the login (not logged in)."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": time.time(),
    }


def pending_user(request) -> tuple[User | None, dict]:
    """The user of a pending login still inside its time limit, and the pending data."""
    data = request.session.get(PENDING)
    if not data or time.time() - data["at"] > settings.OTP_PENDING_SECONDS:
        return None, {}
    user = User.objects.filter(pk=data["user"], is_active=True).first()
    return user, data


def pending_end(request) -> None:
    request.session.pop(PENDING, None)


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()

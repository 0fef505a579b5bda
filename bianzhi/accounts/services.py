"""Writes to accounts: password changes, unlocking, issuing and revoking scoped API tokens."""

import datetime
import secrets

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from bianzhi.audit.services import audit_record
from bianzhi.core.errors import InvalidInput
from bianzhi.core.journal import journal_record

from .models import ApiToken, User, hash_token

TOKEN_TOUCH = datetime.timedelta(minutes=1)


@transaction.atomic
def password_change(*, user: User, new_password: str) -> None:
    """Set the user's own new password under the policy (raises ValidationError naming each
    broken rule); clears the forced change. History and the date are kept by the post_save
    receiver in passwords.py."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save()
    audit_record("auth.password.changed", actor=user, obj=user)


# --- lockout (django-axes) ---


def _recent_attempts():
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def lockouts() -> dict[str, list[dict]]:
    """Locked accounts and addresses now: {"usernames": [...], "addresses": [...]}, each with
    its failure count and last attempt."""
    limit = settings.AXES_FAILURE_LIMIT
    result = {}
    for key, field in (("usernames", "username"), ("addresses", "ip_address")):
        rows = (
            _recent_attempts()
            .exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
            .order_by(field)
        )
        result[key] = [
            {"value": r[field], "failures": r["failures"], "last": r["last"]} for r in rows
        ]
    return result


@transaction.atomic
def lockout_clear(*, actor, username: str = "", address: str = "") -> int:
    """Unlock an account or an address (security administrator); audited `auth.unlocked`."""
    if not username and not address:
        raise InvalidInput(
            "请指定账号或地址", "name an account or an address", field="username", code="invalid"
        )
    count = axes_reset(username=username or None, ip=address or None)
    audit_record(
        "auth.unlocked",
        actor=actor,
        entity="accounts.user" if username else "address",
        entity_id=username or address,
        data={"username": username, "address": address, "attempts": count},
    )
    return count


def on_locked_out(sender, request, username=None, ip_address=None, **_kwargs) -> None:
    """axes user_locked_out: audit `auth.locked` (refused) naming the account and address."""
    audit_record(
        "auth.locked",
        actor=username or "",
        entity="accounts.user",
        entity_id=username or "",
        result="refused",
        reason=f"{settings.AXES_FAILURE_LIMIT} failures",
        data={"username": username, "address": ip_address},
        request=request,
    )


# --- API tokens ---


def scopes_check(scopes: list[str]) -> list[str]:
    """At least one known scope (see settings.API_TOKEN_SCOPES), or "*" given explicitly."""
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s != "*" and s not in settings.API_TOKEN_SCOPES]
    if not scopes or unknown:
        raise InvalidInput(
            f"令牌须至少有一个有效范围（可选：{', '.join(settings.API_TOKEN_SCOPES)} 或 *）",
            f"a token needs at least one valid scope (one of {', '.join(settings.API_TOKEN_SCOPES)}"
            " or *)",
            field="scopes",
            code="invalid_scope",
            details={"unknown": unknown},
        )
    return scopes


@transaction.atomic
def api_token_issue(
    *, actor, user: User, name: str, scopes: list[str], days: int = 90
) -> tuple[ApiToken, str]:
    """Issue a scoped token; the raw key is returned once and never stored."""
    scopes = scopes_check(scopes)
    raw = "bz_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[3:9],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + datetime.timedelta(days=days),
        scopes=scopes,
    )
    journal_record(
        obj=token,
        action="accounts.token.issued",
        actor=actor,
        after={"user": user.username, "name": name, "days": days, "scopes": scopes},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    """Revoke a token at once."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    journal_record(obj=token, action="accounts.token.revoked", actor=actor)


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The usable token for a raw key (its active user loaded), or None; notes its use at most
    once a minute."""
    token = (
        ApiToken.objects.select_related("user", "user__node")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_user(raw: str) -> User | None:
    """The active user behind a raw token, or None."""
    token = api_token_authenticate(raw)
    return token.user if token else None

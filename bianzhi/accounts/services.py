"""Writes to accounts: issuing and revoking API tokens."""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from bianzhi.core.journal import journal_record

from .models import ApiToken, User, hash_token


@transaction.atomic
def api_token_issue(*, actor, user: User, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """Issue a token; the raw key is returned once and never stored."""
    raw = "bz_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[3:9],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    journal_record(
        obj=token,
        action="accounts.token.issued",
        actor=actor,
        after={"user": user.username, "name": name, "days": days},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    """Revoke a token at once."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    journal_record(obj=token, action="accounts.token.revoked", actor=actor)


def api_token_user(raw: str) -> User | None:
    """The active user behind a raw token, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__node")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    return token.user

"""Accounts bound to a node, with roles as groups, and hashed API tokens for other systems."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bianzhi.core.classification import Classification


class User(AbstractUser):
    node = models.ForeignKey(
        "core.Node",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("node"),
    )
    org = models.ForeignKey(
        "orgs.Org",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("own body"),
        help_text=_("For a body's own account (单位账号): the body it acts for."),
    )
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    clearance = models.PositiveSmallIntegerField(
        _("clearance"), choices=Classification.choices, default=Classification.INTERNAL
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        permissions = [
            ("manage_account", _("Can create, deactivate and reset accounts (系统管理员)")),
            ("manage_roles", _("Can assign roles, scopes and clearances (安全保密管理员)")),
            ("unlock_account", _("Can unlock locked accounts")),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    # --- security: three administrators (ADR 0009): in production a superuser flag grants
    # nothing beyond the account's roles (三员分立); the flag is also refused on save. ---
    def has_perm(self, perm, obj=None) -> bool:
        from django.conf import settings

        if self.is_superuser and settings.PRODUCTION:
            from .administration import granted_permissions

            return self.is_active and perm in granted_permissions(self)
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        from django.conf import settings

        if self.is_superuser and settings.PRODUCTION:
            from .administration import granted_permissions

            prefix = f"{app_label}."
            return self.is_active and any(p.startswith(prefix) for p in granted_permissions(self))
        return super().has_module_perms(app_label)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for another system's account; only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class PasswordHistory(models.Model):
    """A former password hash, so that the last few cannot be reused."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("user")
    )
    password = models.CharField(_("password hash"), max_length=256)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("former password")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class CertificateBinding(models.Model):
    """A client certificate subject (电子身份认证) mapped to the account it signs in as."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("user")
    )
    subject = models.CharField(_("certificate subject"), max_length=400, unique=True)
    issuer = models.CharField(_("issuer"), max_length=400, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate binding")

    def __str__(self) -> str:
        return self.subject


class UserSession(models.Model):
    """A live login session, so that an account can be limited to one and logged out
    everywhere, and idle and absolute lifetimes can be enforced."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="live_sessions", verbose_name=_("user")
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen at"), auto_now_add=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("login session")

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"

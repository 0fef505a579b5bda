"""A request for an institution's own account (单位账号申请), made on the public signup page and
decided by the registration authority. A request never makes an account by itself: approval
does, with the password the applicant chose (kept as a hash only)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bianzhi.core.crypto import EncryptedTextField


class AccountRequestState(models.TextChoices):
    PENDING = "pending", _("Pending (待审核)")
    APPROVED = "approved", _("Approved (已通过)")
    REJECTED = "rejected", _("Rejected (未通过)")


class AccountRequest(models.Model):
    """One applicant's request for an account bound to a registered institution."""

    institution = models.ForeignKey(
        "registration.Institution",
        on_delete=models.PROTECT,
        related_name="account_requests",
        verbose_name=_("institution"),
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=AccountRequestState.choices,
        default=AccountRequestState.PENDING,
        db_index=True,
    )
    applicant_name = models.CharField(_("applicant's name"), max_length=60)
    phone = EncryptedTextField(_("phone"))  # SM4 at rest, as a person's phone is
    email = models.EmailField(_("e-mail"), blank=True)
    username = models.CharField(_("requested username"), max_length=150)
    password = models.CharField(_("password hash"), max_length=256)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_request",
        verbose_name=_("account created"),
    )

    class Meta:
        verbose_name = _("institution account request")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["institution", "state"], name="account_request_inst_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.get_state_display()})"

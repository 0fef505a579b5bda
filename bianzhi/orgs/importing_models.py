"""An import of bodies from a spreadsheet, run in the background; re-exported by orgs.models."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One uploaded file and the outcome of importing it: all of its rows, or none of them."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        VALIDATING = "validating", _("validating")
        IMPORTING = "importing", _("importing")
        FAILED = "failed", _("failed")
        SUCCEEDED = "succeeded", _("succeeded")

    RUNNING = (Status.QUEUED, Status.VALIDATING, Status.IMPORTING)

    uid = models.UUIDField(_("global id"), default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    region_code = models.CharField(
        _("region code"), max_length=6, help_text=_("The importing node's region (scope).")
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/", max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("bodies created"), default=0)
    created_ids = models.JSONField(_("ids of the bodies created"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region_code", "created_at"], name="importjob_scope_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

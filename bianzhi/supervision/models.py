"""Supervision of registered public institutions (事业单位监督管理): random inspections drawn
from a recorded seed (双随机), their results, and penalties (警告, 暂扣证书, 撤销登记) with their
decision documents. All writes go through supervision.services."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionDraw(models.Model):
    """One 双随机 draw: the institutions and inspectors considered (sorted ids) and the seed,
    so that anyone can draw again and get the same picks."""

    registrar = models.ForeignKey(
        "core.Node",
        on_delete=models.PROTECT,
        related_name="inspection_draws",
        verbose_name=_("registration authority (登记管理机关)"),
    )
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    # A 64-bit unsigned integer does not fit a signed bigint column: kept as its decimal text.
    seed = models.CharField(_("random seed"), max_length=20)
    institution_count = models.PositiveIntegerField(_("institutions drawn"))
    inspectors_per_institution = models.PositiveIntegerField(_("inspectors per institution"))
    pool = models.JSONField(_("institutions considered (ids)"), default=list)
    inspector_pool = models.JSONField(_("inspectors considered (user ids)"), default=list)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection draw (双随机抽查)")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class InspectionState(models.TextChoices):
    PLANNED = "planned", _("Planned (待检查)")
    DONE = "done", _("Done (已检查)")


class InspectionResult(models.TextChoices):
    PASS = "pass", _("Passed (合格)")
    RECTIFY = "rectify", _("Rectify within a time limit (限期整改)")
    FAIL = "fail", _("Failed (不合格)")


class Inspection(models.Model):
    """An inspection of one institution by its inspectors, drawn or planned by hand."""

    draw = models.ForeignKey(
        InspectionDraw,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("draw"),
    )
    institution = models.ForeignKey(
        "registration.Institution",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("institution"),
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="inspections", verbose_name=_("inspectors")
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=InspectionState.choices,
        default=InspectionState.PLANNED,
        db_index=True,
    )
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    result = models.CharField(
        _("result"), max_length=16, choices=InspectionResult.choices, blank=True
    )
    rectify_by = models.DateField(_("rectify by (整改期限)"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection (检查)")
        ordering = ["-id"]
        permissions = [
            ("manage_inspection", "Can draw inspections and record their results"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.state}"


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning (警告)")
    SUSPEND = "suspend", _("Certificate suspended (暂扣证书)")
    REVOKE = "revoke", _("Registration revoked (撤销登记)")


class Penalty(models.Model):
    """An administrative penalty on a registered institution, decided by a numbered document."""

    institution = models.ForeignKey(
        "registration.Institution",
        on_delete=models.PROTECT,
        related_name="penalties",
        verbose_name=_("institution"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PenaltyKind.choices)
    reason = models.TextField(_("reason"))
    decided_on = models.DateField(_("decided on"))
    suspend_until = models.DateField(_("suspended until"), null=True, blank=True)
    document = models.ForeignKey(
        "core.Document",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decision document (处罚决定书)"),
    )
    certificate = models.ForeignKey(
        "registration.Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate suspended"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
        verbose_name=_("inspection"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("penalty (行政处罚)")
        verbose_name_plural = _("penalties")
        ordering = ["-decided_on", "-id"]
        permissions = [
            ("decide_penalty", "Can impose and lift penalties"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.kind} {self.decided_on}"

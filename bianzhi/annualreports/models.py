"""Annual reports of registered public institutions (事业单位年度报告): one per institution and
year, drafted and submitted by the institution's own account between 1 January and 31 March,
reviewed by its registration authority, returned for correction or published; the trail of
each report, and the reminders sent before the deadline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnualReportState(models.TextChoices):
    DRAFT = "draft", _("Draft (草稿)")
    SUBMITTED = "submitted", _("Submitted (已报送)")
    RETURNED = "returned", _("Returned for correction (退回修改)")
    PUBLISHED = "published", _("Published (已公示)")


class AnnualReport(models.Model):
    """The report of one institution on one year. `submitted_at`/`submitted_on` and `late` are
    those of the first submission, the one the deadline counts; resubmissions after a return
    are in the trail."""

    institution = models.ForeignKey(
        "registration.Institution",
        on_delete=models.PROTECT,
        related_name="annual_reports",
        verbose_name=_("institution"),
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=AnnualReportState.choices,
        default=AnnualReportState.DRAFT,
        db_index=True,
    )
    content = models.JSONField(_("content"), default=dict)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    late = models.BooleanField(_("submitted after 31 March (逾期报送)"), default=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    remarks = models.TextField(_("registrar's remarks"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("annual report (年度报告)")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "year"], name="annualreport_institution_year_unique"
            )
        ]
        permissions = [
            ("submit_annualreport", "Can draft and submit its own institution's annual report"),
            ("review_annualreport", "Can return or publish annual reports"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.year}"


class AnnualReportEvent(models.Model):
    """One step of a report's trail."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    state_before = models.CharField(_("state before"), max_length=16, blank=True)
    state_after = models.CharField(_("state after"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annual report event")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"


class ReminderKind(models.TextChoices):
    DAYS_30 = "d30", _("30 days before the deadline")
    DAYS_10 = "d10", _("10 days before the deadline")
    DAYS_3 = "d3", _("3 days before the deadline")


class Reminder(models.Model):
    """A reminder sent to an institution's accounts about the report on `year`, once per kind."""

    institution = models.ForeignKey(
        "registration.Institution",
        on_delete=models.CASCADE,
        related_name="annual_report_reminders",
        verbose_name=_("institution"),
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    kind = models.CharField(_("kind"), max_length=8, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annual report reminder (年报提醒)")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "year", "kind"], name="annualreport_reminder_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.year} {self.kind}"

"""The quota ledger (编制) and leader posts (领导职数): counter rows that control every way in,
locked while checked, and dated ledgers of every change that answer 'as of date D'."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bianzhi.core.models import Document, GlobalModel


class ControlMode(models.TextChoices):
    BLOCK = "block", _("block")
    WARN = "warn", _("warn and record an override")


class StaffingPolicy(models.Model):
    """How strictly a body's quotas are enforced; bodies without a row use the defaults."""

    org = models.OneToOneField(
        "orgs.Org", on_delete=models.CASCADE, related_name="staffing_policy", verbose_name=_("body")
    )
    mode = models.CharField(
        _("control mode"), max_length=8, choices=ControlMode.choices, default=ControlMode.BLOCK
    )
    overflow_posts = models.PositiveIntegerField(_("overflow tolerance (posts)"), default=0)
    overflow_percent = models.PositiveSmallIntegerField(_("overflow tolerance (%)"), default=0)
    enforce_parent_sum = models.BooleanField(
        _("parent quota must cover internal bodies"), default=True
    )

    class Meta:
        verbose_name = _("staffing policy")

    def __str__(self) -> str:
        return f"{self.org_id} {self.mode}"


class Quota(GlobalModel):
    """Approved posts of one establishment type for one body, with live counters. All writes go
    through staffing.services under select_for_update on this row."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="quotas", verbose_name=_("body")
    )
    est_type = models.CharField(_("establishment type"), max_length=20)
    civil_servant_managed = models.BooleanField(
        _("managed as civil servants (参公)"), default=False
    )
    approved = models.PositiveIntegerField(_("approved"), default=0)
    occupied = models.PositiveIntegerField(_("occupied"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)
    frozen = models.BooleanField(_("frozen"), default=False)

    class Meta:
        verbose_name = _("quota")
        permissions = [
            ("manage_quota", _("Can change quotas, leader posts and reservations")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "est_type"], name="quota_org_type_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.est_type} {self.approved}"

    @property
    def vacancy(self) -> int:
        """Approved − occupied − reserved (negative when over quota)."""
        return self.approved - self.occupied - self.reserved


class QuotaChange(models.Model):
    """One dated change of approved posts, citing its document; the sum up to a date is the
    approved count on that date."""

    class Kind(models.TextChoices):
        SET = "set", _("set (核定)")
        RAISE = "raise", _("raise (调增)")
        CUT = "cut", _("cut (核减)")
        TRANSFER_IN = "transfer_in", _("transferred in (划入)")
        TRANSFER_OUT = "transfer_out", _("transferred out (划出)")
        WITHDRAW = "withdraw", _("withdrawn to the pool (收回)")
        LEND = "lend", _("lent from the pool (周转池借出)")
        RECOVER = "recover", _("recovered by the pool (周转池收回)")
        FREEZE = "freeze", _("frozen (冻结)")
        UNFREEZE = "unfreeze", _("unfrozen (解冻)")

    quota = models.ForeignKey(
        Quota, on_delete=models.PROTECT, related_name="changes", verbose_name=_("quota")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    delta = models.IntegerField(_("change"))
    approved_after = models.PositiveIntegerField(_("approved after"))
    effective_date = models.DateField(_("effective date"))
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    counterpart = models.ForeignKey(
        Quota,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counterpart"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quota change")
        ordering = ["quota_id", "effective_date", "id"]
        indexes = [models.Index(fields=["quota", "effective_date"], name="quotachange_date_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d}"


class QuotaPool(models.Model):
    """A region's revolving pool of posts (编制周转池) of one type, lent to bodies and recovered."""

    region_code = models.CharField(_("region code"), max_length=6)
    est_type = models.CharField(_("establishment type"), max_length=20)
    available = models.PositiveIntegerField(_("available"), default=0)
    lent = models.PositiveIntegerField(_("lent"), default=0)

    class Meta:
        verbose_name = _("quota pool")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "est_type"], name="pool_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code}:{self.est_type} {self.available}"


class LeaderPost(GlobalModel):
    """Approved leader positions of one title in a body or internal body (领导职数)."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="leader_posts", verbose_name=_("body")
    )
    title = models.CharField(_("post title"), max_length=60)
    level = models.CharField(_("principal or deputy"), max_length=12)
    rank = models.CharField(_("rank band"), max_length=32, blank=True)
    approved = models.PositiveIntegerField(_("approved"))
    filled = models.PositiveIntegerField(_("filled"), default=0)
    valid_from = models.DateField(_("valid from"))
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )

    class Meta:
        verbose_name = _("leader post")
        constraints = [
            models.UniqueConstraint(fields=["org", "title"], name="leaderpost_org_title_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.filled}/{self.approved}"


class Reservation(GlobalModel):
    """Posts reserved for a recruitment plan (用编计划); reserved posts count as taken until
    used, cancelled or expired."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        USED = "used", _("used")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    quota = models.ForeignKey(
        Quota, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("quota")
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    count = models.PositiveIntegerField(_("posts reserved"))
    remaining = models.PositiveIntegerField(_("posts remaining"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reservation")
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__lte=F("count")), name="reservation_remaining_le_count"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.remaining}/{self.count}"

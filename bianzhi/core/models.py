"""Base data shared by every module: regions, code sets, nodes, documents and the journal."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .classification import Classification


def this_node_code() -> str:
    return settings.NODE_CODE


class GlobalModel(models.Model):
    """A record that can travel between installations: a UUID plus the node that created it."""

    uid = models.UUIDField(_("global id"), default=uuid.uuid4, unique=True, editable=False)
    origin_node = models.CharField(
        _("origin node"), max_length=12, default=this_node_code, editable=False
    )

    class Meta:
        abstract = True


class DatasetVersion(models.Model):
    """One loaded version of a reference data set (regions, a code set), with its source."""

    dataset = models.CharField(_("data set"), max_length=40)
    version = models.CharField(_("version"), max_length=40)
    source = models.TextField(_("source"))
    published_on = models.DateField(_("published on"))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("data set version")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "version"], name="dataset_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.version}"


class Region(models.Model):
    """An administrative division (GB/T 2260) under one name for one period; codes are reused
    across periods, so a code may have several rows and abolished codes keep theirs."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        PREFECTURE = 2, _("prefecture")
        COUNTY = 3, _("county")

    code = models.CharField(_("division code"), max_length=6, db_index=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent_code = models.CharField(_("parent code"), max_length=6, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    dataset = models.ForeignKey(
        DatasetVersion, on_delete=models.PROTECT, verbose_name=_("data set version")
    )

    class Meta:
        verbose_name = _("administrative division")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="region_code_period_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class Code(models.Model):
    """One entry of a code set (body category, rank, institution class, funding form)."""

    codeset = models.CharField(_("code set"), max_length=40)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120)
    parent = models.CharField(_("parent code"), max_length=40, blank=True)
    sort = models.PositiveIntegerField(_("sort order"), default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    dataset = models.ForeignKey(
        DatasetVersion, on_delete=models.PROTECT, verbose_name=_("data set version")
    )

    class Meta:
        verbose_name = _("code")
        ordering = ["codeset", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["codeset", "code"], name="code_unique_in_set")
        ]

    def __str__(self) -> str:
        return f"{self.codeset}:{self.code} {self.name}"


class Node(models.Model):
    """An organisation that holds accounts: a region's 编办 (or the centre)."""

    code = models.CharField(_("node code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=120)
    region_code = models.CharField(
        _("region code"),
        max_length=6,
        help_text=_("The node sees bodies of this region and its subregions; 000000 is national."),
    )
    doc_prefix = models.CharField(
        _("document number prefix"),
        max_length=20,
        blank=True,
        help_text=_("发文字号代字, e.g. 苏编办; blank means the node's name followed by 发."),
    )

    class Meta:
        verbose_name = _("node")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Document(GlobalModel):
    """A document (文件) that decides a change: issuing body, number (文号), date, title, file."""

    issuer = models.CharField(_("issuing body"), max_length=120)
    number = models.CharField(_("document number"), max_length=80, blank=True)
    issued_on = models.DateField(_("date of issue"))
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to="documents/%Y/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Classification.choices, default=Classification.UNCLASSIFIED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"],
                name="document_number_unique",
                condition=~models.Q(number=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.title}"


class JournalEntry(models.Model):
    """One change to one entity, appended in the transaction that made it (principle 4)."""

    seq = models.BigAutoField(_("sequence"), primary_key=True)
    uid = models.UUIDField(_("global id"), default=uuid.uuid4, unique=True, editable=False)
    entity = models.CharField(_("entity"), max_length=40)
    entity_id = models.BigIntegerField(_("entity id"))
    entity_uid = models.UUIDField(_("entity global id"), null=True)
    action = models.CharField(_("action"), max_length=60)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
        verbose_name=_("document"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    origin_node = models.CharField(_("origin node"), max_length=12, default=this_node_code)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["entity", "entity_id", "seq"], name="journal_entity_idx"),
            models.Index(fields=["action", "seq"], name="journal_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.entity}:{self.entity_id}"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a holiday (放假) or an adjusted working weekend
    day (调休上班), loaded per year from the State Council notice (see core/calendar.py)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday (放假)")
        WORKDAY = "workday", _("adjusted working day (调休上班)")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=40)
    dataset = models.ForeignKey(
        DatasetVersion,
        on_delete=models.PROTECT,
        related_name="calendar_days",
        verbose_name=_("data set version"),
    )

    class Meta:
        verbose_name = _("calendar day")
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]), name="calendarday_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.name}"


class DocumentCounter(models.Model):
    """The last document number (发文字号) a node issued in a year; taken under a row lock in the
    issuing transaction, so numbers are gap-free (see core/numbering.py)."""

    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="document_counters", verbose_name=_("node")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        constraints = [
            models.UniqueConstraint(
                fields=["node", "year"], name="documentcounter_node_year_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.node} {self.year}: {self.last}"

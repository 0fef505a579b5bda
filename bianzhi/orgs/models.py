"""The registry of public bodies (机构库): bodies, their dated versions, names, aliases, links
between predecessors and successors, and 三定 provisions."""

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext_lazy as _

from bianzhi.core.classification import Classification
from bianzhi.core.models import Document, GlobalModel


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    ABOLISHED = "abolished", _("abolished")
    MERGED = "merged", _("merged into another body")
    SPLIT = "split", _("split into other bodies")


class OrgFields(models.Model):
    """The fields of a body that change over time, shared by the body and its versions."""

    name = models.CharField(_("standard name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    region_code = models.CharField(_("region code"), max_length=6)
    category = models.CharField(_("category"), max_length=32)
    subcategory = models.CharField(_("sub-category"), max_length=32, blank=True)
    rank = models.CharField(_("rank"), max_length=32, blank=True)
    pi_class = models.CharField(_("public institution class"), max_length=32, blank=True)
    funding_form = models.CharField(_("funding form"), max_length=32, blank=True)

    class Meta:
        abstract = True


class Org(OrgFields, GlobalModel):
    """A public body as it stands now (the latest version); history lives in OrgVersion."""

    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent body"),
    )
    supervisor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised",
        verbose_name=_("supervising body"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    established_on = models.DateField(_("established on"))
    abolished_on = models.DateField(_("abolished on"), null=True, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"),
        choices=Classification.choices,
        default=Classification.UNCLASSIFIED,
        db_default=Classification.UNCLASSIFIED,  # bulk loads in SQL need not name it
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        permissions = [
            ("manage_org", _("Can establish, change and abolish bodies")),
            ("import_org", _("Can import bodies from files")),
            ("export_org", _("Can export bodies")),
        ]
        indexes = [
            models.Index(fields=["region_code", "name"], name="org_region_name_idx"),
            models.Index(fields=["name", "id"], name="org_name_id_idx"),
            models.Index(fields=["category"], name="org_category_idx"),
            models.Index(fields=["status"], name="org_status_idx"),
            # The GB 11714 organisation code (positions 9–17) is unique nationwide, whatever
            # the region: the credit code allocator looks it up.
            models.Index(Substr("credit_code", 9, 9), name="org_organisation_code_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(abolished_on__isnull=True)
                | Q(abolished_on__gte=models.F("established_on")),
                name="org_abolished_after_established",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="org_not_own_parent"),
            models.UniqueConstraint(
                "region_code",
                "name",
                Coalesce("parent", Value(0)),
                condition=Q(status="active"),
                name="org_active_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE


class OrgVersion(OrgFields):
    """A body's state over [valid_from, valid_to): answers 'as of date D' for tree and fields."""

    org = models.ForeignKey(
        Org, on_delete=models.CASCADE, related_name="versions", verbose_name=_("body")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    parent = models.ForeignKey(
        Org,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("parent body"),
    )
    supervisor = models.ForeignKey(
        Org,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervising body"),
    )
    status = models.CharField(_("status"), max_length=16, choices=OrgStatus.choices)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )

    class Meta:
        verbose_name = _("body version")
        ordering = ["org_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "valid_from"], name="orgversion_org_from_unique"
            ),
            models.UniqueConstraint(
                fields=["org"],
                condition=Q(valid_to__isnull=True),
                name="orgversion_one_open_per_org",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="orgversion_period_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["parent", "valid_from"], name="orgversion_parent_idx"),
            models.Index(fields=["region_code", "valid_from"], name="orgversion_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.valid_from}, {self.valid_to or '…'})"


class OrgName(models.Model):
    """Search index of every name a body has borne: standard, short, alias and former names,
    each with its period and pinyin, so that old names keep finding the body."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("standard name")
        SHORT = "short", _("short name")
        ALIAS = "alias", _("additional name (加挂牌子)")

    org = models.ForeignKey(
        Org, on_delete=models.CASCADE, related_name="names", verbose_name=_("body")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    pinyin = models.CharField(_("pinyin"), max_length=800)
    initials = models.CharField(_("pinyin initials"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("body name")
        indexes = [
            models.Index(fields=["name"], name="orgname_name_idx"),
            models.Index(fields=["initials"], name="orgname_initials_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class OrgAlias(models.Model):
    """An additional official name carried by a body (加挂牌子), with its own dates."""

    org = models.ForeignKey(
        Org, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("body")
    )
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    end_document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ending document"),
    )

    class Meta:
        verbose_name = _("additional name")
        ordering = ["valid_from", "id"]

    def __str__(self) -> str:
        return self.name


class OrgLink(models.Model):
    """A predecessor → successor link left by a merge or a split."""

    class Kind(models.TextChoices):
        MERGED = "merged", _("merged into")
        ABSORBED = "absorbed", _("absorbed by")
        SPLIT = "split", _("split into")

    predecessor = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="successor_links", verbose_name=_("predecessor")
    )
    successor = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="predecessor_links", verbose_name=_("successor")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_date = models.DateField(_("effective date"))
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )

    class Meta:
        verbose_name = _("succession link")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="orglink_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id}"


class Provision(models.Model):
    """A 三定 provision: the document fixing a body's functions, internal bodies and staffing.
    Quotas and leader posts attach to it in the staffing module."""

    org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="provisions", verbose_name=_("body")
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    summary = models.TextField(_("main responsibilities"), blank=True)

    class Meta:
        verbose_name = _("three-fix provision (三定规定)")
        ordering = ["org_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["org", "valid_from"], name="provision_org_from_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.org} 三定 {self.valid_from}"


class ProvisionFunction(models.Model):
    """One function (职能) listed in a provision."""

    provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, related_name="functions", verbose_name=_("provision")
    )
    seq = models.PositiveSmallIntegerField(_("item"))
    text = models.TextField(_("function"))

    class Meta:
        verbose_name = _("function")
        ordering = ["provision_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["provision", "seq"], name="function_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.text[:30]}"


from .importing_models import ImportJob  # noqa: E402,F401

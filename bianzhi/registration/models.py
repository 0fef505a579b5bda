"""Public institution registration (事业单位登记, ADR 0012): the registered institution and the
dated history of its registered items, applications and their trail, certificates, credit
code blocks, and public notices.

A registered institution is a body of the registry (`orgs.Org`, category 事业单位); the
registration adds the items the registration rules publish (住所, 宗旨和业务范围, 法定代表人,
经费来源, 开办资金, 举办单位) and its certificates."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bianzhi.core.models import GlobalModel

# The registered items, in the order of the certificate and the rules (登记事项).
REGISTERED_ITEMS = (
    "name",
    "address",
    "purpose",
    "legal_rep",
    "funding_source",
    "capital",
    "sponsor",
)


class FundingSource(models.TextChoices):
    """经费来源 as registered (事业单位登记管理暂行条例实施细则)."""

    FULL = "full", _("Full budget allocation (财政补助·全额)")
    PARTIAL = "partial", _("Partial budget allocation (财政补助·差额)")
    SELF = "self", _("Self-financing (非财政补助·自收自支)")


class RegisteredFields(models.Model):
    """The seven registered items (登记事项)."""

    name = models.CharField(_("name (名称)"), max_length=200)
    address = models.CharField(_("address (住所)"), max_length=200)
    purpose = models.TextField(_("purpose and scope of business (宗旨和业务范围)"))
    legal_rep = models.CharField(_("legal representative (法定代表人)"), max_length=50)
    funding_source = models.CharField(
        _("source of funds (经费来源)"), max_length=16, choices=FundingSource.choices
    )
    capital = models.DecimalField(
        _("starting capital, 10,000 yuan (开办资金，万元)"), max_digits=14, decimal_places=2
    )
    sponsor = models.CharField(_("sponsoring body (举办单位)"), max_length=200)

    class Meta:
        abstract = True


class InstitutionStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered (已登记)")
    CANCELLED = "cancelled", _("Cancelled (已注销)")
    REVOKED = "revoked", _("Registration revoked (已撤销登记)")


class Institution(RegisteredFields, GlobalModel):
    """A registered public institution: the current registered items (the history is in
    `ItemsVersion`), its credit code and registration authority."""

    org = models.OneToOneField(
        "orgs.Org",
        on_delete=models.PROTECT,
        related_name="registration",
        verbose_name=_("body in the registry"),
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    registrar = models.ForeignKey(
        "core.Node",
        on_delete=models.PROTECT,
        related_name="institutions",
        verbose_name=_("registration authority (登记管理机关)"),
    )
    region_code = models.CharField(_("region code"), max_length=6, db_index=True)
    sponsor_org = models.ForeignKey(
        "orgs.Org",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sponsored_institutions",
        verbose_name=_("sponsoring body in the registry"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InstitutionStatus.choices,
        default=InstitutionStatus.REGISTERED,
        db_index=True,
    )
    registered_on = models.DateField(_("registered on"))
    ended_on = models.DateField(_("cancelled or revoked on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registered institution")
        ordering = ["credit_code"]
        permissions = [
            ("export_institution", "Can export the register"),
        ]
        indexes = [models.Index(fields=["name"], name="institution_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"

    def items(self) -> dict:
        """The registered items now, as plain values (capital as a string)."""
        return {
            field: (str(getattr(self, field)) if field == "capital" else getattr(self, field))
            for field in REGISTERED_ITEMS
        }


class ItemsVersion(RegisteredFields):
    """The registered items over one period, opened by the application that changed them."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="versions")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    application = models.ForeignKey(
        "Application", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("registered items version")
        ordering = ["institution", "valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.valid_from}"


class ApplicationKind(models.TextChoices):
    ESTABLISH = "establish", _("Establishment registration (设立登记)")
    CHANGE = "change", _("Change registration (变更登记)")
    CANCEL = "cancel", _("Cancellation registration (注销登记)")
    REPLACE = "replace", _("Certificate replacement (证书补领/换领)")


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft (草稿)")
    SUBMITTED = "submitted", _("Applied (申请)")
    RETURNED = "returned", _("Returned for correction (补正)")
    ACCEPTED = "accepted", _("Accepted, under examination (受理·审查中)")
    REFUSED = "refused", _("Not accepted (不予受理)")
    REVIEWED = "reviewed", _("Examined (审查完毕)")
    APPROVED = "approved", _("Approved (核准)")
    REJECTED = "rejected", _("Rejected (驳回)")
    CERTIFIED = "certified", _("Certificate issued (发证)")
    PUBLISHED = "published", _("Published (公告)")
    WITHDRAWN = "withdrawn", _("Withdrawn (撤回)")


class Application(GlobalModel):
    """An application for registration, from draft to notice; scoped by its region.

    `data` holds what is applied for: the proposed registered items (设立, and the changed
    ones for 变更), the liquidation and the cancellation notice (注销), or the reason and
    copy (证书补领/换领)."""

    number = models.CharField(_("application number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ApplicationKind.choices)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("institution"),
    )
    org = models.ForeignKey(
        "orgs.Org",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registration_applications",
        verbose_name=_("body set up by an establishment decision"),
    )
    matter = models.ForeignKey(
        "matters.Matter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registration_applications",
        verbose_name=_("establishment decision (matter)"),
    )
    registrar = models.ForeignKey(
        "core.Node",
        on_delete=models.PROTECT,
        related_name="registration_applications",
        verbose_name=_("registration authority"),
    )
    region_code = models.CharField(_("region code"), max_length=6, db_index=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registration_applications",
        verbose_name=_("applicant"),
    )
    data = models.JSONField(_("application data"), default=dict)
    event_date = models.DateField(
        _("date of the decision to change (变更决定日期)"), null=True, blank=True
    )
    move_date = models.DateField(_("date of the move (迁入新住所日期)"), null=True, blank=True)
    flags = models.JSONField(_("rule flags"), default=list)
    remarks = models.TextField(_("registrar's remarks"), blank=True)
    opinion = models.CharField(_("examination opinion"), max_length=16, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    accept_due_on = models.DateField(_("acceptance due on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    due_on = models.DateField(_("decision due on"), null=True, blank=True, db_index=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("examined by"),
    )
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision = models.ForeignKey(
        "core.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registration decision"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registration application")
        ordering = ["-id"]
        permissions = [
            ("apply_application", "Can apply for registration for its own institution"),
            ("handle_application", "Can accept, examine and certify registrations"),
            ("approve_application", "Can approve or reject registrations"),
        ]

    def __str__(self) -> str:
        return self.number


class ApplicationEvent(models.Model):
    """One step of an application's trail."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    state_before = models.CharField(_("state before"), max_length=16, blank=True)
    state_after = models.CharField(_("state after"), max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("application event")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


class ApplicationAttachment(models.Model):
    """A required or supporting file of an application, by kind (materials list)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("material"), max_length=32)
    name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to="registration/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("application attachment")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid (有效)")
    REPLACED = "replaced", _("Replaced, void (已换发·作废)")
    SUSPENDED = "suspended", _("Suspended (暂扣)")
    REVOKED = "revoked", _("Revoked (已吊销)")
    CANCELLED = "cancelled", _("Taken back on cancellation (已注销收缴)")


class Certificate(models.Model):
    """A 事业单位法人证书 (正本 and 副本 share the number). A number is never reused: a
    replacement gets a new number and the old one becomes void."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    token = models.CharField(_("verification token"), max_length=32, unique=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
        db_index=True,
    )
    items = models.JSONField(_("registered items as printed"), default=dict)
    issued_on = models.DateField(_("issued on"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    status_reason = models.CharField(_("reason for the status"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("legal person certificate (事业单位法人证书)")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number


class CodeBlock(models.Model):
    """A block of GB 11714 organisation codes a registration authority may assign: the
    8-character body is `prefix` + the counter, zero-padded (the check character follows)."""

    registrar = models.ForeignKey("core.Node", on_delete=models.PROTECT, related_name="code_blocks")
    prefix = models.CharField(_("code prefix"), max_length=6, unique=True)
    next_value = models.PositiveIntegerField(_("next value"), default=1)
    last_value = models.PositiveIntegerField(_("last value"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation code block")
        ordering = ["registrar", "prefix"]

    def __str__(self) -> str:
        return f"{self.prefix} {self.next_value}-{self.last_value}"


class IssuedCode(models.Model):
    """Every credit code ever assigned, so that none is assigned twice."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    org_code = models.CharField(_("organisation code"), max_length=9, unique=True)
    block = models.ForeignKey(
        CodeBlock, on_delete=models.PROTECT, null=True, blank=True, related_name="issued"
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("issued credit code")

    def __str__(self) -> str:
        return self.credit_code


class Counter(models.Model):
    """A per-node sequence (application numbers per year, certificate numbers), taken inside
    the transaction that uses it, so numbers have no gap and no duplicate."""

    node = models.ForeignKey("core.Node", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField(default=0)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "kind", "year"], name="registration_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} {self.last}"


class NoticeKind(models.TextChoices):
    ESTABLISH = "establish", _("Establishment (设立登记公告)")
    CHANGE = "change", _("Change (变更登记公告)")
    CANCEL = "cancel", _("Cancellation (注销登记公告)")
    REPLACE = "replace", _("Certificate voided (证书作废公告)")
    REVOKE = "revoke", _("Registration revoked (撤销登记公告)")


class Notice(models.Model):
    """A public notice (公告), written from public fields only when the step is taken."""

    number = models.CharField(_("notice number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="notices")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    registrar = models.ForeignKey("core.Node", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("region code"), max_length=6, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    body = models.JSONField(_("published content"), default=dict)
    published_at = models.DateTimeField(_("published at"), db_index=True)

    class Meta:
        verbose_name = _("registration notice (公告)")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


from .models_accounts import AccountRequest  # noqa: E402,F401

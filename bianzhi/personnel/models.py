"""The real-name register (实名制): persons, and their assignments to posts (占编)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bianzhi.core.classification import Classification
from bianzhi.core.crypto import EncryptedTextField
from bianzhi.core.models import Document, GlobalModel


class Person(GlobalModel):
    """A person on the register, identified nationwide by the resident ID (GB 11643)."""

    resident_id = models.CharField(_("resident ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(
        _("gender"), max_length=1, choices=[("M", _("male")), ("F", _("female"))]
    )
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    political_status = models.CharField(_("political status"), max_length=30, blank=True)
    education = models.CharField(_("education"), max_length=30, blank=True)
    retirement_category = models.CharField(_("statutory retirement category"), max_length=12)
    retires_on = models.DateField(
        _("statutory retirement month"),
        db_index=True,
        help_text=_("First day of the month of statutory retirement."),
    )
    # Contact details are sealed with SM4 at rest and shown only on the audited full record.
    phone = EncryptedTextField(_("phone"), blank=True, default="", db_default="")
    home_address = EncryptedTextField(_("home address"), blank=True, default="", db_default="")
    classification = models.PositiveSmallIntegerField(
        _("classification"),
        choices=Classification.choices,
        default=Classification.UNCLASSIFIED,
        db_default=Classification.UNCLASSIFIED,  # bulk loads in SQL need not name it
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        permissions = [
            ("view_person_full", _("Can open a person's full record")),
            ("manage_person", _("Can onboard, transfer, appoint and exit persons")),
            ("import_person", _("Can import persons and assignments from files")),
        ]
        indexes = [models.Index(fields=["name", "birth_date"], name="person_name_birth_idx")]

    def __str__(self) -> str:
        return self.name


class Assignment(GlobalModel):
    """A person occupying one post of one establishment type in one body, from start to end.
    At most one open assignment per person nationwide (一人一编), enforced by the database."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("person")
    )
    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="assignments", verbose_name=_("body")
    )
    quota = models.ForeignKey(
        "staffing.Quota",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("quota"),
    )
    est_type = models.CharField(_("establishment type"), max_length=20)
    leader_post = models.ForeignKey(
        "staffing.LeaderPost",
        on_delete=models.PROTECT,
        db_index=False,  # partial index below: few assignments hold a leader post
        null=True,
        blank=True,
        related_name="holders",
        verbose_name=_("leader post"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    entry_way = models.CharField(_("way of entry"), max_length=20)
    exit_way = models.CharField(_("way of exit"), max_length=20, blank=True)
    entry_document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("entry document")
    )
    exit_document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        db_index=False,  # partial index below
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exit document"),
    )
    reservation = models.ForeignKey(
        "staffing.Reservation",
        on_delete=models.PROTECT,
        db_index=False,  # partial index below
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reservation used"),
    )
    override_by = models.CharField(_("override approved by"), max_length=60, blank=True)
    override_document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        db_index=False,  # partial index below
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("override document"),
    )

    class Meta:
        verbose_name = _("assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(end_date__isnull=True), name="one_person_one_post"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_period_valid",
            ),
        ]
        # The rarely-set references get partial indexes: a bulk load of plain entries (import,
        # demo) then maintains none of them, and lookups by them stay indexed.
        indexes = [
            models.Index(fields=["org", "end_date"], name="assignment_org_open_idx"),
            *(
                models.Index(
                    fields=[field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"assignment_{short}_idx",
                )
                for field, short in (
                    ("leader_post", "leader"),
                    ("exit_document", "exitdoc"),
                    ("reservation", "reserv"),
                    ("override_document", "ovrdoc"),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.org_id}"


class LeaderTenure(models.Model):
    """A person holding a leader post for a period (appointed / relieved)."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="tenures", verbose_name=_("assignment")
    )
    leader_post = models.ForeignKey(
        "staffing.LeaderPost",
        on_delete=models.PROTECT,
        related_name="tenures",
        verbose_name=_("leader post"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
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
        verbose_name = _("leader tenure")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(end_date__isnull=True),
                name="one_open_tenure_per_assignment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.leader_post_id}"


from django.conf import settings  # noqa: E402  (appended with the import job below)


class PersonImportJob(GlobalModel):
    """One uploaded file of people and their posts, and the outcome of importing it: every row
    or none. Apart from orgs.ImportJob because the progress (rows checked, rows loaded) and the
    outcome (counts, not a list of ids: a file may bring a million people) differ."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        VALIDATING = "validating", _("validating")
        LOADING = "loading", _("loading")
        FAILED = "failed", _("failed")
        SUCCEEDED = "succeeded", _("succeeded")

    RUNNING = (Status.QUEUED, Status.VALIDATING, Status.LOADING)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    region_code = models.CharField(
        _("region code"), max_length=6, help_text=_("The importing node's region (scope).")
    )
    file = models.FileField(_("file"), upload_to="imports/persons/%Y/", max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(
        _("rows"), default=0, help_text=_("Estimated from the line count until every row is read.")
    )
    validated_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    loaded_rows = models.PositiveIntegerField(_("rows loaded"), default=0)
    persons_created = models.PositiveIntegerField(_("persons created"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors listed"), default=list, blank=True)
    summary = models.JSONField(_("posts taken per body and type"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("person import job")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "created_at"], name="personimportjob_scope_idx")
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

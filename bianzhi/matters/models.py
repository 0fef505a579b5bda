"""Establishment matters (机构编制事项): an application, its change set, its review trail, the
decision document and the execution that applies it to the registry and the ledger.

All writes go through matters.services; the states and who may move a matter between them are
declared in matters.workflow."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bianzhi.core.classification import Classification
from bianzhi.core.models import Document, GlobalModel


class MatterType(models.TextChoices):
    ESTABLISH = "establish", _("set up a body (机构设立)")
    ABOLISH = "abolish", _("abolish a body (机构撤销)")
    MERGE = "merge", _("merge bodies (机构合并)")
    SPLIT = "split", _("split a body (机构分设)")
    RENAME = "rename", _("rename a body (机构更名)")
    CHANGE_RANK = "change_rank", _("change rank (调整规格)")
    CHANGE_SUPERVISOR = "change_supervisor", _("change supervising body (调整主管部门)")
    CHANGE_FUNCTIONS = "change_functions", _("change functions (职能调整)")
    PROVISION = "provision", _("三定 provision (制定或修订三定规定)")
    QUOTA_SET = "quota_set", _("set quota (核定编制)")
    QUOTA_RAISE = "quota_raise", _("raise quota (调增编制)")
    QUOTA_CUT = "quota_cut", _("cut quota (核减编制)")
    QUOTA_TRANSFER = "quota_transfer", _("move quota (划转编制)")
    LEADER_POSTS = "leader_posts", _("leader posts (核定领导职数)")
    RECRUIT = "recruit", _("permission to recruit (用编审核)")
    OTHER = "other", _("other matter (其他事项)")


class MatterState(models.TextChoices):
    DRAFT = "draft", _("draft (起草)")
    SUBMITTED = "submitted", _("submitted (报送)")
    REFUSED = "refused", _("not accepted (不予受理)")
    REVIEWING = "reviewing", _("under review (审核)")
    RETURNED = "returned", _("returned for more information (补正)")
    DELIBERATING = "deliberating", _("before the committee (审议)")
    APPROVED = "approved", _("approved (批准)")
    REJECTED = "rejected", _("not approved (不批准)")
    ISSUED = "issued", _("decision issued (发文)")
    EXECUTED = "executed", _("executed (执行)")
    FILED = "filed", _("filed with the higher level (备案)")
    WITHDRAWN = "withdrawn", _("withdrawn (撤回)")


class ReviewRoute(models.Model):
    """The review steps (审核环节) of a matter type at one node, or the default for every node
    (node empty) or every type (matter_type empty); the most specific route applies."""

    node = models.ForeignKey(
        "core.Node",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_routes",
        verbose_name=_("node"),
    )
    matter_type = models.CharField(
        _("matter type"), max_length=20, choices=MatterType.choices, blank=True
    )
    steps = models.JSONField(
        _("review steps"),
        help_text=_("Role names in order, e.g. clerk, division_head, leader."),
    )
    major = models.BooleanField(
        _("major matter (decided by the committee)"),
        default=False,
        help_text=_("Major matters go before the committee (编委) or the directors' meeting."),
    )
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"), default=20)

    class Meta:
        verbose_name = _("review route")
        constraints = [
            # one route per node and type, and one default per type (node empty)
            models.UniqueConstraint(
                fields=["node", "matter_type"],
                name="reviewroute_node_type_unique",
                condition=models.Q(node__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["matter_type"],
                name="reviewroute_default_type_unique",
                condition=models.Q(node__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node_id or '*'}:{self.matter_type or '*'} {'→'.join(self.steps)}"


class Matter(GlobalModel):
    """One establishment matter, from draft to filing; scoped by the applicant body's region."""

    ref = models.CharField(_("matter number"), max_length=32, unique=True)
    matter_type = models.CharField(_("matter type"), max_length=20, choices=MatterType.choices)
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reasons and basis (申请理由)"), blank=True)
    applicant = models.ForeignKey(
        "orgs.Org",
        on_delete=models.PROTECT,
        related_name="matters",
        verbose_name=_("applicant body"),
    )
    region_code = models.CharField(_("region code"), max_length=6, db_index=True)
    node = models.ForeignKey(
        "core.Node",
        on_delete=models.PROTECT,
        related_name="matters",
        verbose_name=_("handling office"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=MatterState.choices, default=MatterState.DRAFT
    )
    steps = models.JSONField(_("review steps"), default=list)
    step = models.PositiveSmallIntegerField(_("current review step"), default=0)
    major = models.BooleanField(_("major matter"), default=False)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"), default=20)
    returned_at_step = models.SmallIntegerField(
        _("returned at step"), null=True, blank=True, help_text=_("-1: at acceptance")
    )
    days_left_when_returned = models.SmallIntegerField(
        _("working days left when returned"), null=True, blank=True
    )
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Classification.choices, default=Classification.UNCLASSIFIED
    )
    decision_text = models.TextField(_("decision text"), blank=True)
    meeting_kind = models.CharField(_("meeting"), max_length=20, blank=True)
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    meeting_minutes = models.TextField(_("meeting record"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matters",
        verbose_name=_("decision document"),
    )
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    execution_report = models.JSONField(_("last execution report"), null=True, blank=True)
    filed_with = models.ForeignKey(
        "core.Node",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filings",
        verbose_name=_("filed with"),
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filing_acknowledged_at = models.DateTimeField(
        _("filing acknowledged at"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("establishment matter")
        ordering = ["-id"]
        permissions = [
            ("apply_matter", _("Can draft and submit matters for the own body")),
            ("handle_matter", _("Can accept, review, issue and execute matters (经办)")),
            ("review_matter", _("Can review matters as division head (处室审核)")),
            ("decide_matter", _("Can approve or reject matters (领导审批)")),
        ]
        indexes = [
            models.Index(fields=["state", "region_code"], name="matter_state_region_idx"),
            models.Index(fields=["applicant", "-id"], name="matter_applicant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def current_role(self) -> str | None:
        """The role that acts at the current review step."""
        if self.state == MatterState.REVIEWING and self.step < len(self.steps):
            return self.steps[self.step]
        return None

    @property
    def at_last_step(self) -> bool:
        return self.state == MatterState.REVIEWING and self.step == len(self.steps) - 1


class ChangeItem(models.Model):
    """One proposed change of a matter's change set: an operation with its parameters, the
    state it expects (recorded at approval) and what execution did."""

    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="items", verbose_name=_("matter")
    )
    seq = models.PositiveSmallIntegerField(_("order"))
    op = models.CharField(_("operation"), max_length=32)
    org = models.ForeignKey(
        "orgs.Org",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("body"),
    )
    params = models.JSONField(_("parameters"), default=dict)
    expected = models.JSONField(_("expected state"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposed change")
        ordering = ["matter_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "seq"], name="changeitem_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}#{self.seq} {self.op}"


class MatterEvent(models.Model):
    """One step of the trail: who moved the matter from which state to which, when, and why."""

    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="events", verbose_name=_("matter")
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from state"), max_length=16, blank=True)
    to_state = models.CharField(_("to state"), max_length=16)
    step = models.SmallIntegerField(_("review step"), null=True, blank=True)
    role = models.CharField(_("acting role"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("matter event")
        ordering = ["matter_id", "id"]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.action} {self.from_state}→{self.to_state}"


class MatterComment(models.Model):
    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="comments", verbose_name=_("matter")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(pgettext_lazy("matter", "comment"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("matter comment")
        ordering = ["matter_id", "id"]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.author_id}"


class MatterAttachment(models.Model):
    """A file attached to a matter (申请材料), stored with its hash, size and type."""

    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("matter")
    )
    name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to="matters/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("matter attachment")
        ordering = ["matter_id", "id"]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """A message to one user about a matter (shown in the app; also mailed when the user has
    an address)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    matter = models.ForeignKey(
        Matter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("matter"),
    )
    # A message about something other than a matter (a registration, an annual report) links
    # to its page instead.
    url = models.CharField(_("link"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=20)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="notification_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action}"

"""The append-only, hash-chained audit of everything done on this node (GB/T 22239 level 3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One audited action: who, from where, what, on which object, with what result.

    Rows are written inside the transaction of the action they record, unsealed (no chain
    position, empty hashes). The sealer (audit/chain.py) later gives each committed row its
    `chain_seq` and hash = SM3(prev_hash ‖ canonical JSON of the row), in its own short
    transaction. The database refuses every other UPDATE, and every DELETE except the archive's
    (docs/adr/0006-tamper-evident-audit.md)."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("success")
        REFUSED = "refused", _("refused")

    seq = models.BigAutoField(_("sequence"), primary_key=True)
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    node = models.CharField(_("node"), max_length=12, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    entity = models.CharField(_("entity"), max_length=60, blank=True)
    entity_id = models.CharField(_("entity id"), max_length=64, blank=True)
    result = models.CharField(
        _("result"), max_length=10, choices=Result.choices, default=Result.SUCCESS
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    data = models.JSONField(_("data"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)
    # Position in the chain, given at sealing: commit order may differ from `seq` order.
    chain_seq = models.BigIntegerField(_("chain position"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-seq"]
        permissions = [("export_auditevent", _("Can export audit events"))]
        indexes = [
            models.Index(fields=["entity", "entity_id"], name="audit_entity_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
            models.Index(
                fields=["seq"],
                condition=models.Q(chain_seq__isnull=True),
                name="audit_unsealed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.result}"


class AuditCheckpoint(models.Model):
    """The chain head at a moment, signed with this node's key, so that a rewrite of the whole
    chain from some row onwards is still detected."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    last_seq = models.BigIntegerField(_("last chain position"))  # AuditEvent.chain_seq
    head_hash = models.CharField(_("head hash"), max_length=64)
    signature = models.TextField(_("signature"))
    key_id = models.CharField(_("key id"), max_length=64)

    class Meta:
        verbose_name = _("audit checkpoint")
        ordering = ["-last_seq"]

    def __str__(self) -> str:
        return f"checkpoint @{self.last_seq}"


class AuditChainHead(models.Model):
    """The one row the sealer locks: the last chain position and hash. A cache of the chain's
    end (verification never trusts it); locking it serialises sealers, never business work."""

    chain_seq = models.BigIntegerField(_("last chain position"), default=0)
    hash = models.CharField(_("head hash"), max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head @{self.chain_seq}"


class AuditArchive(models.Model):
    """A signed, compressed file of sealed audit rows moved out of the database after the
    retention period; `bianzhi audit verify --archive FILE` checks it offline."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    before = models.DateField(_("events before"))
    path = models.CharField(_("file"), max_length=500)
    first_chain_seq = models.BigIntegerField(_("first chain position"))
    last_chain_seq = models.BigIntegerField(_("last chain position"), unique=True)
    first_prev_hash = models.CharField(_("previous hash of the first row"), max_length=64)
    last_hash = models.CharField(_("hash of the last row"), max_length=64)
    row_count = models.BigIntegerField(_("rows"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    manifest = models.JSONField(_("manifest"))
    signature = models.TextField(_("signature"))
    key_id = models.CharField(_("key id"), max_length=64)

    class Meta:
        verbose_name = _("audit archive")
        ordering = ["-last_chain_seq"]

    def __str__(self) -> str:
        return f"archive {self.first_chain_seq}–{self.last_chain_seq}"


class SecurityAlert(models.Model):
    """An alert raised by a monitoring rule for the security administrator to acknowledge."""

    rule = models.CharField(_("rule"), max_length=60, db_index=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True, db_index=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject account"),
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=300)
    details = models.JSONField(_("details"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    class Meta:
        verbose_name = _("security alert")
        ordering = ["-raised_at"]
        permissions = [("acknowledge_securityalert", _("Can acknowledge security alerts"))]

    def __str__(self) -> str:
        return f"{self.rule}: {self.summary}"

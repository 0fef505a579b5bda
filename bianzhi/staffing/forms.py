"""Forms of the quota ledger, leader posts and reservations: each calls one staffing service."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bianzhi.core import reference
from bianzhi.core.errors import DomainError
from bianzhi.orgs.forms import ChangeForm, OrgField

from . import services
from .control import ControlRefused
from .models import Reservation

LEGAL_FIELDS = (
    "document_issuer",
    "document_number",
    "document_title",
    "document_date",
    "document_file",
    "effective_date",
)


def code_choices(codeset: str, blank: bool = False) -> list[tuple[str, str]]:
    options = reference.code_choices(codeset, get_language() or "zh-hans")
    return ([("", "—")] if blank else []) + options


class StaffingForm(ChangeForm):
    """A change form that keeps a control refusal apart, to show it as one clear block, and
    groups its fields into sections for the shared template."""

    refusal: ControlRefused | None = None
    override_prefix = "override_"
    SECTIONS: tuple = ()  # (legend, field names) shown first; the rest fall under "Change"

    def add_domain_error(self, exc: DomainError) -> None:
        if isinstance(exc, ControlRefused):
            self.refusal = exc
            self.add_error(None, f"{exc.message_zh} ({exc.message_en})")
            return
        super().add_domain_error(exc)

    def sections(self) -> list[tuple[str, list]]:
        named = [
            (legend, [self[n] for n in names if n in self.fields])
            for legend, names in self.SECTIONS
        ]
        taken = {bound.name for _legend, fields in named for bound in fields}
        main, override, legal = [], [], []
        for bound in self:
            if bound.name in taken:
                continue
            if bound.name in LEGAL_FIELDS:
                legal.append(bound)
            elif bound.name.startswith(self.override_prefix):
                override.append(bound)
            else:
                main.append(bound)
        groups = [*named, (_("Change"), main), (_("Override (warn mode)"), override)]
        groups.append((_("Legal basis"), legal))
        return [(legend, fields) for legend, fields in groups if fields]


class QuotaChangeForm(StaffingForm):
    """Set, raise, cut, transfer, freeze, unfreeze, withdraw, lend or recover posts of a type."""

    title = _("Quota change")
    KINDS = [
        ("set", _("Set approved posts (核定)")),
        ("raise", _("Raise (调增)")),
        ("cut", _("Cut (核减)")),
        ("transfer", _("Transfer to another body (划转)")),
        ("freeze", _("Freeze (冻结)")),
        ("unfreeze", _("Unfreeze (解冻)")),
        ("withdraw", _("Withdraw to the pool (收回)")),
        ("lend", _("Lend from the pool (周转池借出)")),
        ("recover", _("Recover to the pool (周转池收回)")),
    ]
    NO_COUNT = frozenset({"freeze", "unfreeze"})

    kind = forms.ChoiceField(label=_("Kind of change"), choices=KINDS)
    est_type = forms.ChoiceField(label=_("Establishment type"))
    count = forms.IntegerField(
        label=_("Number of posts"),
        min_value=0,
        required=False,
        help_text=_("For “set”, the new approved number; otherwise the number changed."),
    )
    target = OrgField(
        label=_("Receiving body"),
        required=False,
        help_text=_("Only for a transfer. Body id, credit code or exact name; type to search."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["est_type"].choices = code_choices("establishment_type")

    def clean(self):
        data = super().clean()
        kind, count = data.get("kind"), data.get("count")
        if kind and kind not in self.NO_COUNT:
            if count is None:
                self.add_error("count", _("Enter the number of posts."))
            elif count < 1 and kind != "set":
                self.add_error("count", _("The number must be at least 1."))
        if kind == "transfer" and not data.get("target") and "target" not in self.errors:
            self.add_error("target", _("Choose the receiving body."))
        return data

    def perform(self):
        data = self.cleaned_data
        kwargs = {"est_type": data["est_type"], **self.change_kwargs()}
        run = getattr(self, f"_do_{data['kind']}")
        run(data.get("count") or 0, kwargs)
        return self.org

    def _do_set(self, n, kw):
        services.quota_set(org=self.org, approved=n, **kw)

    def _do_raise(self, n, kw):
        services.quota_adjust(org=self.org, delta=n, **kw)

    def _do_cut(self, n, kw):
        services.quota_adjust(org=self.org, delta=-n, **kw)

    def _do_transfer(self, n, kw):
        services.quota_transfer(source=self.org, target=self.cleaned_data["target"], count=n, **kw)

    def _do_freeze(self, n, kw):
        services.quota_freeze(org=self.org, frozen=True, **kw)

    def _do_unfreeze(self, n, kw):
        services.quota_freeze(org=self.org, frozen=False, **kw)

    def _do_withdraw(self, n, kw):
        services.pool_withdraw(org=self.org, count=n, **kw)

    def _do_lend(self, n, kw):
        services.pool_lend(org=self.org, count=n, **kw)

    def _do_recover(self, n, kw):
        services.pool_recover(org=self.org, count=n, **kw)


class LeaderPostForm(StaffingForm):
    """Set the approved number of one leader post (领导职数) of the body."""

    title = _("Leader posts")
    post_title = forms.CharField(
        label=_("Post title"), max_length=60, help_text=_("e.g. 局长, 副局长")
    )
    level = forms.ChoiceField(label=_("Principal or deputy"))
    rank = forms.ChoiceField(label=_("Rank band"), required=False)
    approved = forms.IntegerField(label=_("Approved positions"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = code_choices("leader_level")
        self.fields["rank"].choices = code_choices("rank", blank=True)

    def perform(self):
        data = self.cleaned_data
        return services.leader_post_set(
            org=self.org,
            title=data["post_title"],
            level=data["level"],
            rank=data["rank"],
            approved=data["approved"],
            **self.change_kwargs(),
        )


class ReservationForm(StaffingForm):
    """Reserve vacant posts for a recruitment plan (用编计划)."""

    title = _("Recruitment plan")
    effective_date = None
    est_type = forms.ChoiceField(label=_("Establishment type"))
    count = forms.IntegerField(label=_("Posts reserved"), min_value=1)
    purpose = forms.CharField(
        label=_("Purpose"), max_length=200, help_text=_("e.g. 2026年度公务员考录")
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["est_type"].choices = code_choices("establishment_type")

    def perform(self):
        data = self.cleaned_data
        return services.reservation_create(
            actor=self.user,
            org=self.org,
            est_type=data["est_type"],
            count=data["count"],
            purpose=data["purpose"],
            expires_on=data["expires_on"],
            document=self.document(),
        )


class ReservationCancelForm(StaffingForm):
    """Cancel a reservation; its remaining posts become vacant again."""

    title = _("Cancel a recruitment plan")
    effective_date = None

    def __init__(self, *args, reservation: Reservation, **kwargs):
        super().__init__(*args, **kwargs)
        self.reservation = reservation

    def perform(self):
        return services.reservation_cancel(
            actor=self.user, reservation=self.reservation, document=self.document()
        )

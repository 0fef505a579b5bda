"""Forms of the matter pages: each parses input and hands it to one matters service; a domain
error goes back onto the form under the field it names."""

import re

from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bianzhi.accounts.roles import role_label
from bianzhi.core import reference
from bianzhi.core.classification import Classification, effective_clearance
from bianzhi.core.errors import DomainError
from bianzhi.core.scope import scope_queryset
from bianzhi.orgs.models import Org, OrgStatus

from .changes import ops
from .models import MatterType
from .workflow import MEETINGS, STEP_ROLES, Action

DATE = {"type": "date"}


def code_choices(codeset: str, blank: bool = True) -> list[tuple[str, str]]:
    options = reference.code_choices(codeset, get_language() or "zh-hans")
    return ([("", "—")] if blank else []) + options


def categories(*, top: bool) -> list[tuple[str, str]]:
    """Top-level categories of bodies (top) or their sub-categories."""
    tops = {code for code, row in reference.codes("org_category").items() if not row[2]}
    return [c for c in code_choices("org_category", blank=False) if (c[0] in tops) == top]


def field_of(error_field: str | None) -> str | None:
    """The form field behind a service's field name: ``params.new.name`` → ``new_name``,
    ``params.into[1].name`` → ``into``, ``params.source_ids[0]`` → ``source_ids``."""
    if not error_field:
        return None
    name = error_field.removeprefix("params.")
    name = re.split(r"\[", name, maxsplit=1)[0]
    return name.replace(".", "_")


class DomainErrorForm(forms.Form):
    def add_domain_error(self, exc: DomainError) -> None:
        name = field_of(exc.field)
        target = name if name in self.fields else None
        self.add_error(target, f"{exc.message_zh} ({exc.message_en})")


class BodyField(forms.CharField):
    """A body by id (checked by the service: scope, active), or by exact current name or
    credit code among the active bodies in the user's scope."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _("Body id, credit code or exact name; type to search."))
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)
        self.user = None
        self.widget.attrs.update({"data-org-picker": "1", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if value.isdigit():
            return int(value)
        qs = scope_queryset(self.user, Org.objects.filter(status=OrgStatus.ACTIVE))
        found = list(qs.filter(Q(credit_code=value.upper()) | Q(name=value))[:2])
        if len(found) != 1:
            message = (
                _("No active body in your scope matches “%(v)s”.")
                if not found
                else _("Several bodies match “%(v)s”; use the id.")
            )
            raise forms.ValidationError(message, params={"v": value})
        return found[0].pk


class MatterCreateForm(DomainErrorForm):
    """Type, body, title and reasons of a new draft; a body's own account drafts for its own
    body only, a clerk for any body in scope."""

    matter_type = forms.ChoiceField(label=_("Matter type"), choices=MatterType.choices)
    applicant = BodyField(label=_("Applicant body"))
    title = forms.CharField(label=_("Title"), max_length=200)
    reason = forms.CharField(
        label=_("Reasons and basis"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"),
        coerce=int,
        required=False,
        empty_value=Classification.UNCLASSIFIED,
        initial=Classification.UNCLASSIFIED,
    )

    def __init__(self, *args, user, own_body: Org | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.own_body = user, own_body
        self.fields["applicant"].user = user
        ceiling = effective_clearance(user)  # nobody labels above their own clearance
        self.fields["classification"].choices = [
            (value, label) for value, label in Classification.choices if value <= ceiling
        ]
        if own_body is not None:
            del self.fields["applicant"]

    def add_domain_error(self, exc: DomainError) -> None:
        if exc.field == "type":
            self.add_error("matter_type", f"{exc.message_zh} ({exc.message_en})")
            return
        super().add_domain_error(exc)

    def applicant_body(self) -> Org | None:
        """The chosen body, or an error on the field when it is not one the user may see."""
        if self.own_body is not None:
            return self.own_body
        pk = self.cleaned_data["applicant"]
        qs = scope_queryset(self.user, Org.objects.all())
        body = qs.filter(pk=pk).first()
        if body is None:
            self.add_error("applicant", _("No body with id %(id)s in your scope.") % {"id": pk})
        return body


class MatterEditForm(DomainErrorForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    reason = forms.CharField(
        label=_("Reasons and basis"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CommentForm(DomainErrorForm):
    text = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def add_domain_error(self, exc: DomainError) -> None:
        target = "text" if exc.field == "comment" else None
        self.add_error(target, f"{exc.message_zh} ({exc.message_en})")


class AttachmentForm(DomainErrorForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, OFD, Word, Excel, images; the size limit is set by the administrator."),
    )


# --- the action forms ----------------------------------------------------------------------


class ActionForm(DomainErrorForm):
    """One action of the state machine: a comment (required where the action needs one) and
    the fields the action asks for in the matter's present state."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, action: Action, matter, **kwargs):
        kwargs.setdefault("prefix", action.name)
        super().__init__(*args, **kwargs)
        self.act = action
        self.fields["comment"].required = action.needs_comment
        for name in action.fields:
            if self._wanted(name, matter):
                self.fields[name] = self._field(name, matter)

    @staticmethod
    def _wanted(name: str, matter) -> bool:
        # A meeting decides only a major matter before the committee (审议).
        if name.startswith("meeting_"):
            return matter.state == "deliberating"
        return True

    @staticmethod
    def _field(name: str, matter) -> forms.Field:
        if name == "decision_text":
            return forms.CharField(
                label=_("Decision text (批复意见)"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Added to the decision after the approved changes."),
            )
        if name == "meeting_kind":
            choices = [("", "—"), *((k, str(v)) for k, v in MEETINGS.items())]
            return forms.ChoiceField(label=_("Deciding meeting"), choices=choices)
        if name in ("meeting_date", "effective_date"):
            label = _("Meeting date") if name == "meeting_date" else _("Effective date")
            return forms.DateField(
                label=label,
                required=name == "meeting_date",
                widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            )
        if name == "meeting_minutes":
            return forms.CharField(
                label=_("Meeting record"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        labels = {
            "signer": (_("Signed by (签发人)"), ""),
            "recipients": (_("Main recipient (主送)"), matter.applicant.name),
            "copies_to": (_("Copies to (抄送)"), ""),
        }
        label, placeholder = labels[name]
        return forms.CharField(
            label=label,
            required=False,
            max_length=300,
            widget=forms.TextInput(attrs={"placeholder": placeholder}),
        )

    def data_for_service(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "comment" and value not in (None, "")
        }


# --- the change-item forms -------------------------------------------------------------------


class ItemForm(DomainErrorForm):
    """One proposed change: its body (an existing one, or one an earlier item sets up) and
    the parameters of its op. Subclasses list their parameters; `params()` builds the dict
    the service checks."""

    op = ""
    title = ""
    PARAMS: tuple[str, ...] = ()

    org = BodyField(label=_("Body"), required=False)
    org_ref = forms.TypedChoiceField(
        label=_("…or a body set up by an earlier item"),
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args, user, matter, refs: list[tuple[int, str]], **kwargs):
        kwargs.setdefault("prefix", self.op.replace(".", "-"))
        super().__init__(*args, **kwargs)
        self.user, self.matter = user, matter
        suggest = user.has_perm("orgs.view_org")  # the suggestions come from the registry
        for field in self.fields.values():
            if isinstance(field, BodyField):
                field.user = user
                if not suggest:
                    field.widget.attrs.pop("data-org-picker", None)
        rule = ops.ORG_RULE[self.op]
        if rule == ops.ORG_NONE:
            del self.fields["org"], self.fields["org_ref"]
        else:
            self.fields["org"].required = False  # the service says which of org/org_ref
            self.initial.setdefault("org", matter.applicant_id if rule == ops.ORG_REQUIRED else "")
            if refs:
                self.fields["org_ref"].choices = [("", "—"), *refs]
            else:
                del self.fields["org_ref"]
        if "est_type" in self.fields:
            self.fields["est_type"].choices = code_choices("establishment_type")

    def body(self):
        return self.cleaned_data.get("org")

    def params(self) -> dict:
        data = self.cleaned_data
        params = {name: data[name] for name in self.PARAMS if data.get(name) not in (None, "")}
        if data.get("org_ref"):
            params["org_ref"] = data["org_ref"]
        return params


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _ids(value: str) -> list:
    """Body ids separated by commas, spaces or lines (the service checks each)."""
    parts = [p for p in re.split(r"[\s,，、;；]+", value or "") if p]
    return [int(p) if p.isdigit() else p for p in parts]


class SpecFields(forms.Form):
    """What a new body needs (orgs.validation.OrgSpec)."""

    name = forms.CharField(label=_("Standard name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    category = forms.ChoiceField(label=_("Category"))
    subcategory = forms.ChoiceField(label=_("Sub-category"), required=False)
    region_code = forms.CharField(label=_("Region code"), max_length=6, min_length=6)
    rank = forms.ChoiceField(label=_("Rank"), required=False)
    pi_class = forms.ChoiceField(label=_("Public institution class"), required=False)
    funding_form = forms.ChoiceField(label=_("Funding form"), required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False
    )
    parent_id = BodyField(label=_("Parent body"), required=False)
    supervisor_id = BodyField(label=_("Supervising body"), required=False)

    def set_spec_choices(self) -> None:
        self.fields["category"].choices = categories(top=True)
        self.fields["subcategory"].choices = [("", "—"), *categories(top=False)]
        self.fields["rank"].choices = code_choices("rank")
        self.fields["pi_class"].choices = code_choices("pi_class")
        self.fields["funding_form"].choices = code_choices("funding_form")
        self.initial.setdefault("region_code", self.matter.region_code)


class EstablishItemForm(SpecFields, ItemForm):
    op, title = ops.ESTABLISH, _("Set up a body")
    PARAMS = (
        "name",
        "short_name",
        "category",
        "subcategory",
        "region_code",
        "rank",
        "pi_class",
        "funding_form",
        "credit_code",
        "parent_id",
        "supervisor_id",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_spec_choices()


class AbolishItemForm(ItemForm):
    op, title = ops.ABOLISH, _("Abolish a body")


class MergeItemForm(ItemForm):
    op, title = ops.MERGE, _("Merge bodies")
    source_ids = forms.CharField(
        label=_("Bodies merged"),
        help_text=_("Ids separated by commas or spaces."),
    )
    new_name = forms.CharField(
        label=_("Name of a new body"),
        max_length=200,
        required=False,
        help_text=_("Leave the body above empty and name the new body here to merge into one."),
    )
    new_category = forms.ChoiceField(label=_("Category of the new body"), required=False)
    new_region_code = forms.CharField(
        label=_("Region code of the new body"), max_length=6, required=False
    )
    new_rank = forms.ChoiceField(label=_("Rank of the new body"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].label = _("Absorbing body")
        self.fields["new_category"].choices = [("", "—"), *categories(top=True)]
        self.fields["new_rank"].choices = code_choices("rank")
        self.initial.setdefault("new_region_code", self.matter.region_code)

    def params(self) -> dict:
        data = self.cleaned_data
        params = super().params() | {"source_ids": _ids(data["source_ids"])}
        if data.get("new_name"):
            params["new"] = {
                "name": data["new_name"],
                "category": data.get("new_category", ""),
                "region_code": data.get("new_region_code", ""),
                "rank": data.get("new_rank", ""),
            }
        return params


class SplitItemForm(ItemForm):
    op, title = ops.SPLIT, _("Split a body")
    into = forms.CharField(
        label=_("Names of the new bodies"),
        help_text=_("One per line; each takes the category, region and rank below."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ChoiceField(label=_("Category"))
    region_code = forms.CharField(label=_("Region code"), max_length=6, min_length=6)
    rank = forms.ChoiceField(label=_("Rank"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories(top=True)
        self.fields["rank"].choices = code_choices("rank")
        self.initial.setdefault("region_code", self.matter.region_code)

    def params(self) -> dict:
        data = self.cleaned_data
        common = {key: data.get(key, "") for key in ("category", "region_code", "rank")}
        into = [{"name": name, **common} for name in _lines(data["into"])]
        return {"into": into} | ({"org_ref": data["org_ref"]} if data.get("org_ref") else {})


class RenameItemForm(ItemForm):
    op, title = ops.RENAME, _("Rename a body")
    PARAMS = ("name", "short_name")
    name = forms.CharField(label=_("New standard name"), max_length=200)
    short_name = forms.CharField(label=_("New short name"), max_length=100, required=False)


class RankItemForm(ItemForm):
    op, title = ops.CHANGE_RANK, _("Change rank")
    PARAMS = ("rank",)
    rank = forms.ChoiceField(label=_("New rank"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rank"].choices = code_choices("rank", blank=False)


class SupervisorItemForm(ItemForm):
    op, title = ops.CHANGE_SUPERVISOR, _("Change supervising body")
    supervisor_id = BodyField(
        label=_("New supervising body"),
        required=False,
        help_text=_("Leave empty to remove the supervising body."),
    )

    def params(self) -> dict:
        return super().params() | {"supervisor_id": self.cleaned_data.get("supervisor_id")}


class ProvisionItemForm(ItemForm):
    op, title = ops.PROVISION, _("Three-fix provision (三定规定)")
    summary = forms.CharField(
        label=_("Main responsibilities"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    functions = forms.CharField(
        label=_("Functions"),
        help_text=_("One function per line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    internal_bodies = forms.CharField(
        label=_("Internal bodies"),
        required=False,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def params(self) -> dict:
        data = self.cleaned_data
        return super().params() | {
            "summary": data.get("summary", ""),
            "functions": _lines(data["functions"]),
            "internal_bodies": _lines(data.get("internal_bodies", "")),
        }


class QuotaSetItemForm(ItemForm):
    op, title = ops.QUOTA_SET, _("Set approved posts (核定编制)")
    PARAMS = ("est_type", "approved")
    est_type = forms.ChoiceField(label=_("Establishment type"))
    approved = forms.IntegerField(label=_("Approved posts"), min_value=0)


class QuotaRaiseItemForm(ItemForm):
    op, title = ops.QUOTA_RAISE, _("Raise posts (调增编制)")
    PARAMS = ("est_type", "count")
    est_type = forms.ChoiceField(label=_("Establishment type"))
    count = forms.IntegerField(label=_("Number of posts"), min_value=1)


class QuotaCutItemForm(QuotaRaiseItemForm):
    op, title = ops.QUOTA_CUT, _("Cut posts (核减编制)")


class QuotaTransferItemForm(ItemForm):
    op, title = ops.QUOTA_TRANSFER, _("Move posts to another body (划转编制)")
    PARAMS = ("est_type", "count", "target_id")
    est_type = forms.ChoiceField(label=_("Establishment type"))
    count = forms.IntegerField(label=_("Number of posts"), min_value=1)
    target_id = BodyField(label=_("Receiving body"))


class LeaderPostItemForm(ItemForm):
    op, title = ops.LEADER_POST_SET, _("Leader posts (领导职数)")
    PARAMS = ("title", "level", "rank", "approved")
    approved = forms.IntegerField(label=_("Approved number"), min_value=0)
    level = forms.ChoiceField(label=_("Principal or deputy"))
    rank = forms.ChoiceField(label=_("Rank"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "title" is the post's name (局长); the form's own `title` is its heading.
        self.fields["title"] = forms.CharField(label=_("Post"), max_length=60)
        self.order_fields(["org", "org_ref", "title", "level", "rank", "approved"])
        self.fields["level"].choices = code_choices("leader_level", blank=False)
        self.fields["rank"].choices = code_choices("rank")


class ReservationItemForm(ItemForm):
    op, title = ops.RESERVATION_CREATE, _("Permission to recruit (用编)")
    PARAMS = ("est_type", "count", "purpose", "expires_on")
    est_type = forms.ChoiceField(label=_("Establishment type"))
    count = forms.IntegerField(label=_("Number of posts"), min_value=1)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)
    expires_on = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )

    def params(self) -> dict:
        params = super().params()
        params["expires_on"] = self.cleaned_data["expires_on"].isoformat()
        return params


ITEM_FORMS: dict[str, type[ItemForm]] = {
    form.op: form
    for form in (
        EstablishItemForm,
        AbolishItemForm,
        MergeItemForm,
        SplitItemForm,
        RenameItemForm,
        RankItemForm,
        SupervisorItemForm,
        ProvisionItemForm,
        QuotaSetItemForm,
        QuotaRaiseItemForm,
        QuotaCutItemForm,
        QuotaTransferItemForm,
        LeaderPostItemForm,
        ReservationItemForm,
    )
}


class RouteForm(DomainErrorForm):
    """An office's own review route for one matter type: up to five steps in order."""

    matter_type = forms.ChoiceField(choices=MatterType.choices, widget=forms.HiddenInput)
    major = forms.BooleanField(label=_("Major matter (decided by the committee)"), required=False)
    time_limit_days = forms.IntegerField(
        label=_("Time limit (working days)"), min_value=1, max_value=365
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(role, role_label(role)) for role in STEP_ROLES]
        for n in range(1, 6):
            self.fields[f"step{n}"] = forms.ChoiceField(
                label=_("Step %(n)s") % {"n": n}, choices=choices, required=False
            )

    def steps(self) -> list[str]:
        return [self.cleaned_data[f"step{n}"] for n in range(1, 6)]

    def step_fields(self) -> list:
        return [self[f"step{n}"] for n in range(1, 6)]

"""Forms of the staff UI: each lifecycle form parses input and calls one service."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bianzhi.core import reference
from bianzhi.core.documents import document_register
from bianzhi.core.errors import DomainError
from bianzhi.core.scope import scope_queryset

from . import services
from .models import Org, OrgStatus
from .validation import OrgSpec


def _choices(codeset: str, blank: bool = True) -> list[tuple[str, str]]:
    options = reference.code_choices(codeset, get_language() or "zh-hans")
    return ([("", "—")] if blank else []) + options


class DomainErrorMixin:
    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, f"{exc.message_zh} ({exc.message_en})")


class OrgField(forms.CharField):
    """A body chosen by id, credit code or exact current name, within the user's scope."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _("Body id, credit code or exact name; type to search."))
        super().__init__(*args, **kwargs)
        self.user = None
        self.widget.attrs.update({"data-org-picker": "1", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        qs = scope_queryset(self.user, Org.objects.filter(status=OrgStatus.ACTIVE))
        lookup = Q(credit_code=value.upper()) | Q(name=value)
        if value.isdigit():
            lookup |= Q(pk=int(value))
        found = list(qs.filter(lookup)[:2])
        if not found:
            raise forms.ValidationError(
                _("No active body in your scope matches “%(v)s”."), params={"v": value}
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several bodies match “%(v)s”; use the id."), params={"v": value}
            )
        return found[0]


class ChangeForm(DomainErrorMixin, forms.Form):
    """The document (文件) every change cites, and the date it takes effect."""

    document_issuer = forms.CharField(label=_("Issuing body"), max_length=120)
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=80,
        required=False,
        help_text=_("e.g. 某编办〔2026〕12号"),
    )
    document_title = forms.CharField(label=_("Document title"), max_length=300)
    document_date = forms.DateField(
        label=_("Date of issue"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    document_file = forms.FileField(label=_("Document file"), required=False)
    effective_date = forms.DateField(
        label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, user=None, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.org = user, org
        for field in self.fields.values():
            if isinstance(field, OrgField):
                field.user = user
        if user is not None and getattr(user, "node", None) and not self.is_bound:
            self.initial.setdefault("document_issuer", user.node.name)
            self.initial.setdefault("effective_date", timezone.localdate())
            self.initial.setdefault("document_date", timezone.localdate())

    def document(self):
        data = self.cleaned_data
        return document_register(
            actor=self.user,
            issuer=data["document_issuer"],
            number=data["document_number"],
            issued_on=data["document_date"],
            title=data["document_title"],
            file=data.get("document_file"),
        )

    def change_kwargs(self) -> dict:
        return {
            "actor": self.user,
            "document": self.document(),
            "effective_date": self.cleaned_data["effective_date"],
        }


class OrgFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Standard name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    region_code = forms.CharField(label=_("Region code"), max_length=6, min_length=6)
    category = forms.ChoiceField(label=_("Category"))
    subcategory = forms.ChoiceField(label=_("Sub-category"), required=False)
    rank = forms.ChoiceField(label=_("Rank"), required=False)
    pi_class = forms.ChoiceField(label=_("Public institution class"), required=False)
    funding_form = forms.ChoiceField(label=_("Funding form"), required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False
    )
    parent = OrgField(label=_("Parent body"), required=False)
    supervisor = OrgField(label=_("Supervising body"), required=False)

    def _set_choices(self) -> None:
        categories = _choices("org_category", blank=False)
        top = {
            code for code, (_n, _e, parent) in reference.codes("org_category").items() if not parent
        }
        self.fields["category"].choices = [c for c in categories if c[0] in top]
        self.fields["subcategory"].choices = [("", "—")] + [
            c for c in categories if c[0] not in top
        ]
        self.fields["rank"].choices = _choices("rank")
        self.fields["pi_class"].choices = _choices("pi_class")
        self.fields["funding_form"].choices = _choices("funding_form")

    def spec(self) -> OrgSpec:
        data = self.cleaned_data
        return OrgSpec(
            name=data["name"],
            short_name=data["short_name"],
            region_code=data["region_code"],
            category=data["category"],
            subcategory=data["subcategory"],
            rank=data["rank"],
            pi_class=data["pi_class"],
            funding_form=data["funding_form"],
            credit_code=data["credit_code"] or None,
            parent=data["parent"],
            supervisor=data["supervisor"],
        )


class EstablishForm(OrgFieldsMixin, ChangeForm):
    title = _("Establish a body")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_choices()
        if self.user is not None and self.user.node and not self.is_bound:
            self.initial.setdefault("region_code", self.user.node.region_code)

    def perform(self):
        return services.org_establish(spec=self.spec(), **self.change_kwargs())


class RenameForm(ChangeForm):
    title = _("Rename")
    name = forms.CharField(label=_("New standard name"), max_length=200)
    short_name = forms.CharField(label=_("New short name"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.org is not None and not self.is_bound:
            self.initial.update(name=self.org.name, short_name=self.org.short_name)

    def perform(self):
        return services.org_rename(
            org=self.org,
            name=self.cleaned_data["name"],
            short_name=self.cleaned_data["short_name"],
            **self.change_kwargs(),
        )


class RankForm(ChangeForm):
    title = _("Change rank")
    rank = forms.ChoiceField(label=_("New rank"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rank"].choices = _choices("rank", blank=False)

    def perform(self):
        return services.org_change_rank(
            org=self.org, rank=self.cleaned_data["rank"], **self.change_kwargs()
        )


class SupervisorForm(ChangeForm):
    title = _("Change supervising body")
    supervisor = OrgField(label=_("New supervising body"), required=False)

    def perform(self):
        return services.org_change_supervisor(
            org=self.org, supervisor=self.cleaned_data["supervisor"], **self.change_kwargs()
        )


class ParentForm(ChangeForm):
    title = _("Change parent body")
    parent = OrgField(label=_("New parent body"), required=False)

    def perform(self):
        return services.org_change_parent(
            org=self.org, parent=self.cleaned_data["parent"], **self.change_kwargs()
        )


class MergeForm(ChangeForm):
    title = _("Merge")
    others = forms.CharField(
        label=_("Bodies merged with this one"),
        help_text=_("Ids or exact names, one per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    new_name = forms.CharField(
        label=_("Name of the new body"),
        max_length=200,
        required=False,
        help_text=_("Leave empty when this body absorbs the others."),
    )

    def clean_others(self):
        picker = OrgField()
        picker.user = self.user
        return [
            picker.clean(line.strip())
            for line in self.cleaned_data["others"].splitlines()
            if line.strip()
        ]

    def perform(self):
        others, new_name = self.cleaned_data["others"], self.cleaned_data["new_name"]
        if not new_name:
            return services.org_merge(
                sources=[self.org, *others], into=self.org, **self.change_kwargs()
            )
        spec = OrgSpec.like(self.org, new_name)
        return services.org_merge(sources=[self.org, *others], new=spec, **self.change_kwargs())


class SplitForm(ChangeForm):
    title = _("Split")
    names = forms.CharField(
        label=_("Names of the new bodies"),
        help_text=_("One per line; each takes this body's category and rank."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def perform(self):
        org = self.org
        specs = [
            OrgSpec.like(org, line.strip())
            for line in self.cleaned_data["names"].splitlines()
            if line.strip()
        ]
        return services.org_split(org=org, into=specs, **self.change_kwargs())[0]


class AbolishForm(ChangeForm):
    title = _("Abolish")
    confirm = forms.BooleanField(label=_("I confirm that this body is abolished"))

    def perform(self):
        return services.org_abolish(org=self.org, **self.change_kwargs())


class AliasForm(ChangeForm):
    title = _("Add an additional name (加挂牌子)")
    name = forms.CharField(label=_("Additional name"), max_length=200)

    def perform(self):
        services.alias_add(org=self.org, name=self.cleaned_data["name"], **self.change_kwargs())
        return self.org


class ProvisionForm(ChangeForm):
    title = _("Adopt a three-fix provision (三定规定)")
    summary = forms.CharField(
        label=_("Main responsibilities"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    functions = forms.CharField(
        label=_("Functions"),
        help_text=_("One function per line."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    internal_bodies = forms.CharField(
        label=_("Internal bodies"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. Bodies not listed are abolished; new ones are set up."),
    )

    def perform(self):
        data = self.cleaned_data
        services.provision_set(
            org=self.org,
            functions=data["functions"].splitlines(),
            internal_bodies=data["internal_bodies"].splitlines(),
            summary=data["summary"],
            **self.change_kwargs(),
        )
        return self.org


CHANGE_FORMS = {
    "rename": RenameForm,
    "rank": RankForm,
    "supervisor": SupervisorForm,
    "parent": ParentForm,
    "merge": MergeForm,
    "split": SplitForm,
    "abolish": AbolishForm,
    "alias": AliasForm,
    "provision": ProvisionForm,
}

"""Forms of the registration pages: the content of an application by kind (saved as a draft
even with problems, which `rules.check_application` lists beside the fields), materials, the
workflow actions, and the body a registrar files for. A domain error goes back onto the form
under the field it names."""

import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bianzhi.core import reference
from bianzhi.core.errors import DomainError
from bianzhi.core.scope import scope_queryset
from bianzhi.orgs.models import Org

from . import rules
from .models import REGISTERED_ITEMS, ApplicationKind, FundingSource, Institution
from .workflow import Action

DATE = {"type": "date"}
TEXT_LIMIT = 2000  # the rules give the precise limit of each item; this only stops floods
ITEM_LABELS = {
    "name": _("Name (名称)"),
    "address": _("Address (住所)"),
    "purpose": _("Purpose and scope of business (宗旨和业务范围)"),
    "legal_rep": _("Legal representative (法定代表人)"),
    "funding_source": _("Source of funds (经费来源)"),
    "capital": _("Starting capital, 10,000 yuan (开办资金，万元)"),
    "sponsor": _("Sponsoring body (举办单位)"),
}


def form_field(problem_field: str | None) -> str | None:
    """The form field behind a rule's or a service's field: ``items.name`` → ``name``,
    ``changes.capital`` → ``new_capital``; materials and the whole change set have none."""
    if not problem_field or problem_field.startswith("materials.") or problem_field == "changes":
        return None
    head, _dot, rest = problem_field.partition(".")
    if head == "items" and rest:
        return rest
    if head == "changes" and rest:
        return f"new_{rest}"
    return problem_field


class DomainErrorForm(forms.Form):
    def add_domain_error(self, exc: DomainError) -> None:
        name = form_field(exc.field)
        target = name if name in self.fields else None
        self.add_error(target, f"{exc.message_zh} ({exc.message_en})")


def item_display(item: str, value) -> str:
    """A registered item's value as read: the source of funds by its label, not its code."""
    if item == "funding_source" and value in FundingSource.values:
        return str(FundingSource(value).label)
    return "" if value is None else str(value)


def _item_field(item: str) -> forms.Field:
    label = ITEM_LABELS[item]
    if item == "funding_source":
        choices = [("", "—"), *FundingSource.choices]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    if item == "purpose":
        return forms.CharField(
            label=label,
            required=False,
            max_length=TEXT_LIMIT,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    if item == "capital":
        return forms.CharField(
            label=label,
            required=False,
            max_length=20,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        )
    return forms.CharField(label=label, required=False, max_length=TEXT_LIMIT)


def _iso(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


class ContentForm(DomainErrorForm):
    """The content of one kind of application; `values()` gives what the services take."""

    def __init__(self, *args, institution: Institution | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution

    def values(self) -> tuple[dict, datetime.date | None, datetime.date | None]:
        """(data, event_date, move_date) of a valid form."""
        raise NotImplementedError

    @classmethod
    def initial_from(cls, app) -> dict:
        raise NotImplementedError


class EstablishForm(ContentForm):
    kind = ApplicationKind.ESTABLISH

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in REGISTERED_ITEMS:
            self.fields[item] = _item_field(item)
        language = get_language() or "zh-hans"
        self.fields["pi_class"] = forms.ChoiceField(
            label=_("Class of public institution (事业单位类别)"),
            choices=[("", "—"), *reference.code_choices("pi_class", language)],
            required=False,
        )
        self.fields["approval_number"] = forms.CharField(
            label=_("Number of the approval to set up (批准设立文号)"),
            required=False,
            max_length=100,
            help_text=_("Needed only when the body is not yet in the registry."),
        )

    def values(self):
        data = self.cleaned_data
        items = {item: data[item] for item in REGISTERED_ITEMS}
        extra = {"pi_class": data["pi_class"], "approval_number": data["approval_number"]}
        return {"items": items, **extra}, None, None

    @classmethod
    def initial_from(cls, app) -> dict:
        items = app.data.get("items") or {}
        return {
            **{item: items.get(item, "") for item in REGISTERED_ITEMS},
            "pi_class": app.data.get("pi_class", ""),
            "approval_number": app.data.get("approval_number", ""),
        }


class ChangeForm(ContentForm):
    """Tick the items to change and give their new values."""

    kind = ApplicationKind.CHANGE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.institution.items() if self.institution else {}
        for item in REGISTERED_ITEMS:
            self.fields[f"change_{item}"] = forms.BooleanField(
                label=_("Change %(item)s") % {"item": ITEM_LABELS[item]}, required=False
            )
            field = _item_field(item)
            field.label = _("New %(item)s") % {"item": ITEM_LABELS[item]}
            field.current = item_display(item, current.get(item, ""))
            self.fields[f"new_{item}"] = field
        self.fields["event_date"] = forms.DateField(
            label=_("Date of the decision to change (变更决定日期)"),
            required=False,
            widget=forms.DateInput(attrs=DATE),
        )
        self.fields["move_date"] = forms.DateField(
            label=_("Date of the move to the new address (迁入新住所日期)"),
            required=False,
            widget=forms.DateInput(attrs=DATE),
            help_text=_("Only when the address changes."),
        )

    def item_rows(self) -> list[tuple]:
        """(item, tick box, current value, new value field) for the template."""
        return [
            (item, self[f"change_{item}"], self.fields[f"new_{item}"].current, self[f"new_{item}"])
            for item in REGISTERED_ITEMS
        ]

    def values(self):
        data = self.cleaned_data
        changes = {item: data[f"new_{item}"] for item in REGISTERED_ITEMS if data[f"change_{item}"]}
        return {"changes": changes}, data["event_date"], data["move_date"]

    @classmethod
    def initial_from(cls, app) -> dict:
        changes = app.data.get("changes") or {}
        initial = {"event_date": app.event_date, "move_date": app.move_date}
        for item, value in changes.items():
            initial[f"change_{item}"] = True
            initial[f"new_{item}"] = value
        return initial


CANCEL_TEXT = {
    "liquidator": _("Liquidator (清算组织)"),
    "asset_disposal": _("Disposal of remaining assets (剩余财产处置情况)"),
    "notice_media": _("Where the cancellation notice was published (注销公告刊登媒体)"),
}
CANCEL_DATES = {
    "liquidation_completed_on": _("Liquidation completed on (清算完成日期)"),
    "notice_date": _("Date of the cancellation notice (注销公告日期)"),
}


class CancelForm(ContentForm):
    kind = ApplicationKind.CANCEL

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in CANCEL_TEXT.items():
            widget = forms.Textarea(attrs={"rows": 3}) if name == "asset_disposal" else None
            self.fields[name] = forms.CharField(
                label=label, required=False, max_length=TEXT_LIMIT, widget=widget
            )
        for name, label in CANCEL_DATES.items():
            self.fields[name] = forms.DateField(
                label=label, required=False, widget=forms.DateInput(attrs=DATE)
            )

    def values(self):
        data = self.cleaned_data
        values = {name: data[name] for name in CANCEL_TEXT}
        values |= {name: _iso(data[name]) for name in CANCEL_DATES}
        return values, None, None

    @classmethod
    def initial_from(cls, app) -> dict:
        return {name: app.data.get(name, "") for name in (*CANCEL_TEXT, *CANCEL_DATES)}


class ReplaceForm(ContentForm):
    kind = ApplicationKind.REPLACE

    reason = forms.ChoiceField(
        label=_("Reason (补领或换领)"),
        choices=[
            ("", "—"),
            ("lost", _("Lost: issue a new one (补领·遗失)")),
            ("damaged", _("Damaged: exchange it (换领·损坏)")),
        ],
        required=False,
    )
    statement = forms.CharField(
        label=_("Statement (情况说明)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def values(self):
        data = self.cleaned_data
        return {"reason": data["reason"], "statement": data["statement"]}, None, None

    @classmethod
    def initial_from(cls, app) -> dict:
        return {"reason": app.data.get("reason", ""), "statement": app.data.get("statement", "")}


CONTENT_FORMS: dict[str, type[ContentForm]] = {
    form.kind: form for form in (EstablishForm, ChangeForm, CancelForm, ReplaceForm)
}


def content_form(kind: str, data=None, *, app=None, institution=None, initial=None):
    """The content form of `kind`, bound to POST data or filled from the application."""
    form_class = CONTENT_FORMS[kind]
    if data is None and app is not None:
        initial = form_class.initial_from(app)
    return form_class(data, institution=institution, initial=initial)


class AttachmentForm(DomainErrorForm):
    kind = forms.ChoiceField(label=_("Material"), choices=list(rules.MATERIALS.items()))
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, OFD, Word, Excel, WPS, JPEG or PNG; 20 MB at most."),
    )


OPINIONS = [
    ("", "—"),
    ("approve", _("Approve (拟核准)")),
    ("reject", _("Reject (拟驳回)")),
]


class ActionForm(DomainErrorForm):
    """One workflow action: a comment (required where the action needs one), and the
    examination's opinion."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, action: Action, **kwargs):
        kwargs.setdefault("prefix", action.name)
        super().__init__(*args, **kwargs)
        self.act = action
        self.fields["comment"].required = action.needs_comment
        if action.name == "examine":
            self.fields["opinion"] = forms.ChoiceField(
                label=_("Opinion (审查意见)"), choices=OPINIONS, required=True
            )

    def opinion(self) -> str:
        return self.cleaned_data.get("opinion", "")


class SubjectForm(DomainErrorForm):
    """The body a registrar files for: a registered institution by credit code, or for an
    establishment the body in the registry (id or credit code; empty for a body still to be
    set up by the approval given in the content)."""

    subject = forms.CharField(
        label=_("Institution or body (credit code or id)"),
        required=False,
        max_length=200,
        help_text=_("Leave empty for a body not yet in the registry (give the approval number)."),
    )

    def __init__(self, *args, user, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.kind = user, kind
        if kind != ApplicationKind.ESTABLISH:
            self.fields["subject"].required = True
            self.fields["subject"].label = _("Registered institution (credit code)")
            self.fields["subject"].help_text = ""

    def clean_subject(self):
        value = self.cleaned_data["subject"].strip().upper()
        if not value:
            return None
        if self.kind != ApplicationKind.ESTABLISH:
            found = scope_queryset(self.user, Institution.objects.all())
            found = found.filter(credit_code=value).first()
        else:
            lookup = Q(credit_code=value) | (
                Q(pk=int(value)) if value.isdigit() and len(value) < 12 else Q()
            )
            found = scope_queryset(self.user, Org.objects.all()).filter(lookup).first()
        if found is None:
            raise forms.ValidationError(
                _("Nothing in your scope matches “%(v)s” (不在管辖范围内或不存在)."),
                params={"v": value},
            )
        return found

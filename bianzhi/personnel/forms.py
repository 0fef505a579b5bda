"""Forms of the real-name register: each parses input and calls one personnel service."""

import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bianzhi.core.documents import document_register
from bianzhi.orgs.forms import DomainErrorMixin, OrgField
from bianzhi.staffing.control import policy_for
from bianzhi.staffing.forms import StaffingForm, code_choices
from bianzhi.staffing.models import ControlMode, LeaderPost, Reservation, StaffingPolicy

from . import services
from .models import Assignment, Person

RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=60, required=False)
    cadre = forms.BooleanField(
        label=_("Cadre"),
        required=False,
        initial=True,
        help_text=_("For women: cadres retire from 55, workers from 50 (before the raise)."),
    )
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    political_status = forms.CharField(label=_("Political status"), max_length=30, required=False)
    education = forms.CharField(label=_("Education"), max_length=30, required=False)
    phone = forms.CharField(label=_("Phone (电话)"), max_length=30, required=False)
    home_address = forms.CharField(
        label=_("Home address (家庭住址)"), max_length=200, required=False
    )

    def register(self, actor) -> Person:
        data = self.cleaned_data
        return services.person_register(
            actor=actor,
            resident_id=data["resident_id"],
            name=data["name"],
            cadre=data["cadre"],
            ethnicity=data["ethnicity"],
            political_status=data["political_status"],
            education=data["education"],
            phone=data.get("phone", ""),
            home_address=data.get("home_address", ""),
        )


class PersonForm(DomainErrorMixin, PersonFieldsMixin):
    """Put a person on the register (gender and birth date come from the resident ID)."""

    title = _("Register a person")
    field_order = ["resident_id", "name"]
    resident_id = forms.CharField(label=_("Resident ID number"), max_length=18)
    refusal = None

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["name"].required = True

    def sections(self):
        return [(_("Person"), list(self))]

    def perform(self) -> Person:
        return self.register(self.user)


class OverrideMixin(forms.Form):
    """Entry beyond the quota when the body's policy is warn: who approved it, and the document."""

    override_by = forms.CharField(label=_("Approved by"), max_length=60, required=False)
    override_issuer = forms.CharField(label=_("Issuing body"), max_length=120, required=False)
    override_number = forms.CharField(label=_("Document number"), max_length=80, required=False)
    override_title = forms.CharField(label=_("Document title"), max_length=300, required=False)
    override_date = forms.DateField(label=_("Date of issue"), required=False, widget=DATE_WIDGET)

    OVERRIDE_FIELDS = (
        "override_by",
        "override_issuer",
        "override_number",
        "override_title",
        "override_date",
    )

    def drop_override(self) -> None:
        for name in self.OVERRIDE_FIELDS:
            self.fields.pop(name, None)

    def clean_override(self, data: dict) -> None:
        if not data.get("override_by"):
            return
        for name in ("override_issuer", "override_title", "override_date"):
            if not data.get(name) and name in self.fields:
                self.add_error(name, _("Required for an override."))

    def override_kwargs(self) -> dict:
        data = self.cleaned_data
        if not data.get("override_by"):
            return {}
        document = document_register(
            actor=self.user,
            issuer=data["override_issuer"],
            number=data["override_number"],
            issued_on=data["override_date"],
            title=data["override_title"],
        )
        return {"override_by": data["override_by"], "override_document": document}


class OnboardForm(OverrideMixin, PersonFieldsMixin, StaffingForm):
    """Take a person onto a post of this body (入编): an existing person found by resident ID, or
    a new one registered in the same step (the name is then required)."""

    title = _("Onboard a person")
    field_order = ["resident_id", "name", "cadre", "est_type", "entry_way", "reservation"]
    SECTIONS = (
        (
            _("Person"),
            ("resident_id", "name", "cadre", "ethnicity", "political_status", "education"),
        ),
        (_("Post"), ("est_type", "entry_way", "reservation", "effective_date")),
    )
    resident_id = forms.CharField(
        label=_("Resident ID number"),
        max_length=18,
        help_text=_("A person already on the register, or a new one."),
    )
    est_type = forms.ChoiceField(label=_("Establishment type"))
    entry_way = forms.ChoiceField(label=_("Way of entry"))
    reservation = forms.ModelChoiceField(
        label=_("Recruitment plan used"),
        queryset=Reservation.objects.none(),
        required=False,
        empty_label=_("None"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _("Only for a person not yet on the register.")
        self.fields["est_type"].choices = code_choices("establishment_type")
        self.fields["entry_way"].choices = code_choices("entry_way")
        self.fields["effective_date"].label = _("Date of entry")
        self.fields["reservation"].queryset = Reservation.objects.filter(
            quota__org=self.org, status=Reservation.Status.ACTIVE
        ).select_related("quota")
        self.fields["reservation"].label_from_instance = _plan_label
        if policy_for(self.org).mode != ControlMode.WARN:
            self.drop_override()

    def clean_resident_id(self) -> str:
        value = self.cleaned_data["resident_id"].strip().upper()
        if not RESIDENT_ID.match(value):
            raise forms.ValidationError(_("A resident ID number is 17 digits and a digit or X."))
        return value

    def clean(self):
        data = super().clean()
        self.person = Person.objects.filter(resident_id=data.get("resident_id")).first()
        if self.person is None and "resident_id" in data and not data.get("name", "").strip():
            self.add_error("name", _("Not on the register yet: enter the name to register."))
        self.clean_override(data)
        return data

    def perform(self) -> Assignment:
        person = self.person or self.register(self.user)
        data = self.cleaned_data
        return services.assignment_onboard(
            actor=self.user,
            person=person,
            org=self.org,
            est_type=data["est_type"],
            start_date=data["effective_date"],
            entry_way=data["entry_way"],
            document=self.document(),
            reservation=data["reservation"],
            **self.override_kwargs(),
        )


def _plan_label(plan: Reservation) -> str:
    return f"{plan.purpose} · {plan.quota.est_type} · {plan.remaining}/{plan.count}"


class AssignmentForm(StaffingForm):
    """A change to a person's open assignment; `self.assignment` is set by the view."""

    def __init__(self, *args, assignment: Assignment, **kwargs):
        super().__init__(*args, org=assignment.org, **kwargs)
        self.assignment = assignment


class TransferForm(AssignmentForm):
    title = _("Transfer (调动)")
    to_org = OrgField(label=_("Receiving body"))
    est_type = forms.ChoiceField(
        label=_("Establishment type there"),
        required=False,
        help_text=_("Leave empty to keep the current type."),
    )
    entry_way = forms.ChoiceField(label=_("Way of entry"), initial="transfer_in")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["est_type"].choices = code_choices("establishment_type", blank=True)
        self.fields["entry_way"].choices = code_choices("entry_way")
        self.fields["effective_date"].label = _("Date of transfer")

    def perform(self) -> Assignment:
        data = self.cleaned_data
        return services.assignment_transfer(
            actor=self.user,
            assignment=self.assignment,
            to_org=data["to_org"],
            date=data["effective_date"],
            document=self.document(),
            est_type=data["est_type"] or None,
            entry_way=data["entry_way"],
        )


class ExitForm(AssignmentForm):
    title = _("Exit (出编)")
    exit_way = forms.ChoiceField(label=_("Way of exit"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exit_way"].choices = code_choices("exit_way")
        self.fields["effective_date"].label = _("Date of exit")

    def perform(self) -> Assignment:
        return services.assignment_exit(
            actor=self.user,
            assignment=self.assignment,
            end_date=self.cleaned_data["effective_date"],
            exit_way=self.cleaned_data["exit_way"],
            document=self.document(),
        )


class AppointForm(OverrideMixin, AssignmentForm):
    title = _("Appoint to a leader post")
    field_order = ["leader_post"]
    leader_post = forms.ModelChoiceField(
        label=_("Leader post"), queryset=LeaderPost.objects.none(), empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        own = _own_or_internal(self.assignment.org)
        posts = LeaderPost.objects.filter(own).select_related("org")
        self.fields["leader_post"].queryset = posts.order_by("org_id", "level", "title")
        self.fields["leader_post"].label_from_instance = _post_label
        self.fields["effective_date"].label = _("Date of appointment")
        if not StaffingPolicy.objects.filter(own, mode=ControlMode.WARN).exists():
            self.drop_override()

    def clean(self):
        data = super().clean()
        self.clean_override(data)
        return data

    def perform(self) -> Assignment:
        return services.leader_appoint(
            actor=self.user,
            assignment=self.assignment,
            leader_post=self.cleaned_data["leader_post"],
            date=self.cleaned_data["effective_date"],
            document=self.document(),
            **self.override_kwargs(),
        )


def _own_or_internal(org) -> Q:
    """The body itself or one of its internal bodies (their leader posts are appointable)."""
    return Q(org=org) | Q(org__parent=org, org__category="internal")


def _post_label(post: LeaderPost) -> str:
    return f"{post.org.name} · {post.title} ({post.filled}/{post.approved})"


class RelieveForm(AssignmentForm):
    title = _("Relieve of the leader post (免职)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].label = _("Date relieved")

    def perform(self) -> Assignment:
        return services.leader_relieve(
            actor=self.user,
            assignment=self.assignment,
            date=self.cleaned_data["effective_date"],
            document=self.document(),
        )

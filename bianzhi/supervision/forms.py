"""Forms of the supervision pages; the services check the rules and name the field at fault."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bianzhi.core.errors import DomainError

from .models import InspectionResult, PenaltyKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceForm(forms.Form):
    def add_domain_error(self, exc: DomainError) -> None:
        target = exc.field if exc.field in self.fields else None
        self.add_error(target, f"{exc.message_zh} ({exc.message_en})")


class DrawForm(ServiceForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    institution_count = forms.IntegerField(
        label=_("Institutions to draw"), min_value=1, max_value=100000
    )
    inspectors_per_institution = forms.IntegerField(
        label=_("Inspectors per institution"), min_value=1, max_value=100
    )
    seed = forms.CharField(
        label=_("Random seed"),
        max_length=20,
        required=False,
        help_text=_("Leave blank for a new random seed; give a recorded seed to draw again."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class InspectionRecordForm(ServiceForm):
    inspected_on = forms.DateField(label=_("Inspected on"), widget=DATE)
    findings = forms.CharField(
        label=_("Findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    result = forms.ChoiceField(label=_("Result"), choices=InspectionResult.choices)
    rectify_by = forms.DateField(
        label=_("Rectify by"),
        widget=DATE,
        required=False,
        help_text=_("Only for a result of rectification within a time limit (限期整改)."),
    )


class PenaltyForm(ServiceForm):
    institution = forms.CharField(
        label=_("Institution"),
        max_length=18,
        help_text=_("Institution id or unified social credit code."),
    )
    kind = forms.ChoiceField(label=_("Kind of penalty"), choices=PenaltyKind.choices)
    reason = forms.CharField(
        label=_("Facts and reasons"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    suspend_until = forms.DateField(
        label=_("Suspended until"),
        widget=DATE,
        required=False,
        help_text=_("Only for a suspension of the certificate (暂扣证书)."),
    )
    inspection = forms.IntegerField(
        label=_("Inspection (id)"),
        required=False,
        min_value=1,
        help_text=_("The inspection that found the facts, if any."),
    )


class LiftForm(ServiceForm):
    on = forms.DateField(label=_("Lifted on"), widget=DATE)

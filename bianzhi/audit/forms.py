"""The auditor's search form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .queries import EventFilter


class EventSearchForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    actor = forms.CharField(label=_("Account"), required=False, max_length=150)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=80,
        help_text=_("Prefix, e.g. personnel.person or auth.login"),
    )
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("All")), *AuditEvent.Result.choices],
    )
    entity = forms.CharField(label=_("Object type"), required=False, max_length=60)
    entity_id = forms.CharField(label=_("Object ID"), required=False, max_length=64)
    address = forms.GenericIPAddressField(label=_("Address"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(
                _("“From” must not be after “To” (起始日期不能晚于截止日期).")
            )
        return data

    def to_filter(self) -> EventFilter | None:
        """The filter, or None when the form has errors (the page then lists nothing)."""
        if not self.is_valid():
            return None
        return EventFilter(**{k: v for k, v in self.cleaned_data.items() if v})

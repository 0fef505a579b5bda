"""Forms of the security administration pages; each error names the field and the rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bianzhi.core.classification import Classification
from bianzhi.core.models import Node

from .roles import ROLES


class AccountCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("Username (用户名)"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={
            "invalid": _(
                "用户名只能包含字母、数字和 @/./+/-/_ / letters, digits and @/./+/-/_ only"
            )
        },
    )
    full_name = forms.CharField(label=_("Full name (姓名)"), max_length=60, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role (角色)"), choices=[])
    op = forms.ChoiceField(choices=[("grant", _("Grant")), ("revoke", _("Revoke"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(name, label) for name, (label, _p) in ROLES.items()]


class ClearanceForm(forms.Form):
    clearance = forms.TypedChoiceField(
        label=_("Clearance (密级)"), choices=Classification.choices, coerce=int
    )


class ScopeForm(forms.Form):
    node = forms.ModelChoiceField(
        label=_("Node (所属编办)"),
        queryset=Node.objects.order_by("code"),
        required=False,
        empty_label=_("none — sees nothing (无)"),
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note (处置说明)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写处置说明 / a note is required")},
    )

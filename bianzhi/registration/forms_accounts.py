"""Forms of institution accounts: the registrar's new account, decisions on requests, and the
public signup. Each error names the field and the rule; the services check again."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from bianzhi.core.errors import DomainError
from bianzhi.core.identifiers import IdentifierError, validate_credit_code

from .accounts import USERNAME_RE

USERNAME_HELP = _("3-150 letters, digits or @ . + - _")
USERNAME_INVALID = (
    "用户名应为 3-150 个字母、数字或 @/./+/-/_ / "
    "the username needs 3-150 letters, digits or @/./+/-/_"
)


class ServiceForm(forms.Form):
    def add_domain_error(self, exc: DomainError) -> None:
        """A service's refusal on the field it names, or above the form."""
        target = exc.field if exc.field in self.fields else None
        self.add_error(target, f"{exc.message_zh} / {exc.message_en}")


class UnitAccountForm(ServiceForm):
    username = forms.RegexField(
        label=_("Username (用户名)"),
        regex=USERNAME_RE,
        max_length=150,
        help_text=USERNAME_HELP,
        error_messages={"invalid": USERNAME_INVALID},
    )
    full_name = forms.CharField(label=_("Account holder's name (姓名)"), max_length=60)
    email = forms.EmailField(label=_("E-mail (电子邮箱)"), required=False)


class RejectForm(ServiceForm):
    remarks = forms.CharField(
        label=_("Reason told to the applicant (驳回理由)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("驳回时请写明理由 / a rejection needs remarks")},
    )


class ApproveForm(ServiceForm):
    remarks = forms.CharField(
        label=_("Remarks (备注)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignupForm(ServiceForm):
    credit_code = forms.CharField(
        label=_("Unified social credit code (统一社会信用代码)"), max_length=30
    )
    institution_name = forms.CharField(
        label=_("Institution name as registered (单位名称)"), max_length=200
    )
    legal_rep = forms.CharField(
        label=_("Legal representative as registered (法定代表人)"), max_length=50
    )
    applicant_name = forms.CharField(label=_("Your name (申请人姓名)"), max_length=60)
    phone = forms.CharField(label=_("Your phone (联系电话)"), max_length=30)
    email = forms.EmailField(
        label=_("Your e-mail (电子邮箱)"),
        required=False,
        help_text=_("The decision is sent here."),
    )
    username = forms.RegexField(
        label=_("Desired username (用户名)"),
        regex=USERNAME_RE,
        max_length=150,
        help_text=USERNAME_HELP,
        error_messages={"invalid": USERNAME_INVALID},
    )
    password = forms.CharField(
        label=_("Password (密码)"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again (确认密码)"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rules = password_validation.password_validators_help_texts()
        self.fields["password"].help_text = " · ".join(rules)

    def clean_credit_code(self) -> str:
        try:
            return validate_credit_code(self.cleaned_data["credit_code"]).number
        except IdentifierError as exc:
            raise forms.ValidationError(str(exc), code=exc.code) from None

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error(
                "password2", _("两次输入的密码不一致 / the two passwords are not the same")
            )
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "credit_code": data["credit_code"],
            "name": data["institution_name"],
            "legal_rep": data["legal_rep"],
            "applicant_name": data["applicant_name"],
            "phone": data["phone"],
            "email": data["email"],
            "username": data["username"],
            "password": data["password"],
        }

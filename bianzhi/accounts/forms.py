"""Forms of the login steps and the account page; the policy itself lives in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A 6-digit TOTP code, or a recovery code."""

    code = forms.CharField(
        label=_("TOTP code or recovery code (动态口令或恢复码)"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                "当前密码不正确 / the current password is wrong", code="password_wrong"
            )
        return password

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error(
                "new_password2",
                forms.ValidationError(
                    "两次输入的新密码不一致 / the two new passwords differ", code="mismatch"
                ),
            )
        return data


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class UnlockForm(forms.Form):
    username = forms.CharField(required=False, max_length=150)
    address = forms.GenericIPAddressField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("username") and not data.get("address"):
            raise forms.ValidationError(
                "请指定账号或地址 / name an account or an address", code="required"
            )
        return data

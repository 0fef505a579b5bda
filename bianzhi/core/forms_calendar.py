"""Forms of the calendar page: a year's JSON file, one day set or removed."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay

MAX_FILE_BYTES = 256 * 1024  # a year's schedule is about 2 KB


class ScheduleUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Schedule file"),
        help_text=_(
            "JSON in UTF-8 laid out like core/data/holidays/2026.json: year, title and number "
            "of the State Council notice, published_on, and the holidays with their adjusted "
            "working days."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self) -> dict:
        """The parsed JSON object; encoding and syntax errors name the file field."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError("文件超过 256 KB / the file is larger than 256 KB")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "文件不是 UTF-8 编码 / the file is not UTF-8 encoded"
            ) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 / "
                f"not valid JSON: line {exc.lineno}, column {exc.colno} ({exc.msg})"
            ) from exc
        if not isinstance(data, dict):
            raise forms.ValidationError("内容须为 JSON 对象 / the content must be a JSON object")
        return data


class DaySetForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=40, help_text=_("e.g. 春节"))


class DayRemoveForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))

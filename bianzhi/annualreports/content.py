"""The content of an annual report (年度报告内容) and its rules: the sections, how a form's or
an API's values become the stored content, and the list of what is wrong with it. A draft is
kept with its errors; submission refuses the first one."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

TEXT_LIMIT = 5000
MONEY_LIMIT = Decimal("999999999999.99")  # 万元: 14 digits, 2 decimals, as the capital


@dataclass(frozen=True)
class Field:
    path: str  # "section.name"
    kind: str  # text, money, bool
    label: object
    required: bool = False
    negative_ok: bool = False

    @property
    def section(self) -> str:
        return self.path.split(".")[0]

    @property
    def name(self) -> str:
        return self.path.split(".")[1]


SECTIONS = {
    "activities": _("Activities (开展业务活动情况)"),
    "assets": _("Assets, 10,000 yuan (资产损益情况，万元)"),
    "results": _("Results (业务活动成效)"),
    "compliance": _("Compliance with change registration (变更登记执行情况)"),
    "performance": _("Performance (绩效情况)"),
    "awards": _("Awards (受奖励情况)"),
    "lawsuits": _("Lawsuits (涉及诉讼情况)"),
    "complaints": _("Complaints (社会投诉情况)"),
    "donations": _("Donations and grants (接受捐赠资助及使用情况)"),
}

FIELDS = (
    Field("activities.text", "text", _("Activities carried out"), required=True),
    Field("assets.total_assets", "money", _("Total assets (资产合计)"), required=True),
    Field("assets.total_liabilities", "money", _("Total liabilities (负债合计)"), required=True),
    Field(
        "assets.net_assets_opening",
        "money",
        _("Net assets at the start of the year (年初净资产)"),
        required=True,
        negative_ok=True,
    ),
    Field(
        "assets.net_assets_closing",
        "money",
        _("Net assets at the end of the year (年末净资产)"),
        required=True,
        negative_ok=True,
    ),
    Field("assets.revenue", "money", _("Revenue (收入合计)"), required=True),
    Field("assets.expenditure", "money", _("Expenditure (支出合计)"), required=True),
    Field("results.text", "text", _("Results of the activities"), required=True),
    Field(
        "compliance.changes_registered",
        "bool",
        _("Every change of registered items was registered in time"),
        required=True,
    ),
    Field("compliance.text", "text", _("Explanation (required if not)")),
    Field("performance.text", "text", _("Performance"), required=True),
    Field("awards.text", "text", _("Awards received")),
    Field("lawsuits.text", "text", _("Lawsuits the institution was party to")),
    Field("complaints.text", "text", _("Complaints received and how they were handled")),
    Field("donations.amount", "money", _("Donations and grants received (万元)")),
    Field("donations.text", "text", _("Donors and use of the donations")),
)
FIELD_BY_PATH = {f.path: f for f in FIELDS}


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def _bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in {"yes", "true", "1", "on"}:
        return True
    if text in {"no", "false", "0"}:
        return False
    return None


def normalize(values) -> dict:
    """Stored content from a flat mapping (form: {"assets.revenue": "12.5"}) or nested sections
    (API: {"assets": {"revenue": "12.5"}}). Money is kept as the text typed, so that a draft
    with a wrong figure comes back as it was written; known keys only."""
    content: dict[str, dict] = {}
    for field in FIELDS:
        raw = _raw(values, field)
        value = _bool(raw) if field.kind == "bool" else _text(raw)
        content.setdefault(field.section, {})[field.name] = value
    return content


def _raw(values, field: Field):
    if not hasattr(values, "get"):
        return None
    if field.path in values:
        return values.get(field.path)
    section = values.get(field.section)
    return section.get(field.name) if isinstance(section, dict) else None


def value_of(content: dict, path: str):
    section, _dot, name = path.partition(".")
    block = content.get(section) if isinstance(content, dict) else None
    return block.get(name) if isinstance(block, dict) else None


def money(content: dict, path: str) -> Decimal | None:
    """A figure of the content as a Decimal, None when it is empty or not a number."""
    text = _text(value_of(content, path)).replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _error(path: str, zh: str, en: str) -> dict:
    return {"field": path, "message": zh, "message_en": en}


def _label_zh(field: Field) -> str:
    """The Chinese term in the field's label (the part in brackets), else the path."""
    text = str(field.label)
    if "(" in text and text.endswith(")"):
        return text[text.rindex("(") + 1 : -1]
    return field.path


def _check_money(field: Field, content: dict) -> dict | None:
    text = _text(value_of(content, field.path))
    name = _label_zh(field)
    if not text:
        if field.required:
            return _error(field.path, f"请填写{name}", f"{field.path} is required")
        return None
    value = money(content, field.path)
    if value is None:
        return _error(field.path, f"{name}须为数字", f"{field.path} must be a number")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        return _error(
            field.path,
            f"{name}最多保留两位小数（万元）",
            f"{field.path} has at most 2 decimals (10,000 yuan)",
        )
    if value < 0 and not field.negative_ok:
        return _error(field.path, f"{name}不能为负数", f"{field.path} cannot be negative")
    if abs(value) > MONEY_LIMIT:
        return _error(field.path, f"{name}超出范围", f"{field.path} is too large")
    return None


def _check_text(field: Field, content: dict) -> dict | None:
    text = _text(value_of(content, field.path))
    if field.required and not text:
        return _error(field.path, f"请填写{_label_zh(field)}", f"{field.path} is required")
    if len(text) > TEXT_LIMIT:
        return _error(
            field.path,
            f"不能超过 {TEXT_LIMIT} 字",
            f"{field.path} is longer than {TEXT_LIMIT} characters",
        )
    return None


def _check_field(field: Field, content: dict) -> dict | None:
    if field.kind == "money":
        return _check_money(field, content)
    if field.kind == "bool":
        if value_of(content, field.path) is None:
            return _error(
                field.path,
                "请说明是否按规定办理变更登记",
                "say whether the changes were registered",
            )
        return None
    return _check_text(field, content)


def _check_balance(content: dict) -> dict | None:
    """Net assets at the end of the year = total assets − total liabilities."""
    assets = money(content, "assets.total_assets")
    liabilities = money(content, "assets.total_liabilities")
    net = money(content, "assets.net_assets_closing")
    if None in (assets, liabilities, net) or net == assets - liabilities:  # type: ignore[operator]
        return None
    return _error(
        "assets.net_assets_closing",
        f"年末净资产应等于资产合计减负债合计（{assets - liabilities}）",  # type: ignore[operator]
        f"net assets must equal total assets minus total liabilities ({assets - liabilities})",  # type: ignore[operator]
    )


def validate(content: dict) -> list[dict]:
    """Everything wrong with the content, in the order of the form: `{field, message,
    message_en}`. Rules: required sections, figures in 万元 with 2 decimals, ≥ 0 but for net
    assets, the balance, and an explanation when a change was not registered."""
    errors = [e for f in FIELDS if (e := _check_field(f, content))]
    flagged = {e["field"] for e in errors}
    balance_fields = {
        "assets.total_assets",
        "assets.total_liabilities",
        "assets.net_assets_closing",
    }
    balance = _check_balance(content) if not balance_fields & flagged else None
    if balance:
        errors.append(balance)
    if value_of(content, "compliance.changes_registered") is False and not _text(
        value_of(content, "compliance.text")
    ):
        errors.append(
            _error(
                "compliance.text",
                "未按规定办理变更登记的，须说明情况",
                "explain why the changes were not registered",
            )
        )
    return sorted(errors, key=lambda e: list(FIELD_BY_PATH).index(e["field"]))

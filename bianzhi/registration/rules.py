"""What an application must contain, checked as it is filled: the items of each kind, the
required materials, and the change-registration time limits (DOMAIN.md, "Public institution
registration").

`check_application` returns every problem as `{field, message, message_en}` so a draft can be
saved and shown with its errors; submission refuses while any remain."""

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from bianzhi.core import calendar

from .models import REGISTERED_ITEMS, Application, ApplicationKind, FundingSource

CHANGE_LIMIT_DAYS = 30  # apply within 30 working days of the decision to change
CAPITAL_THRESHOLD = Decimal("0.20")  # 开办资金 changes over ±20% need a change registration
ACCEPT_DAYS = 5  # the registrar accepts, refuses or returns within 5 working days
DECISION_DAYS = 20  # and decides within 20 working days of acceptance

ITEM_LIMITS = {"name": 200, "address": 200, "purpose": 2000, "legal_rep": 50, "sponsor": 200}
ITEM_LABELS = {
    "name": ("名称", "name"),
    "address": ("住所", "address"),
    "purpose": ("宗旨和业务范围", "purpose and scope of business"),
    "legal_rep": ("法定代表人", "legal representative"),
    "funding_source": ("经费来源", "source of funds"),
    "capital": ("开办资金", "starting capital"),
    "sponsor": ("举办单位", "sponsoring body"),
}

# Materials (申请材料) by kind; some only when an item changes.
MATERIALS = {
    "application_form": _("Registration application form (登记申请书)"),
    "approval": _("Approval of the establishment decision (机构编制批准文件)"),
    "address_proof": _("Proof of address (住所证明)"),
    "capital_proof": _("Proof of starting capital (开办资金证明)"),
    "legal_rep": _(
        "Legal representative's appointment and identity (法定代表人任职文件及身份证明)"
    ),
    "change_decision": _("Sponsor's decision to change (举办单位同意变更的文件)"),
    "cancel_decision": _("Decision to cancel or dissolve (撤销或解散的决定)"),
    "liquidation_report": _("Liquidation report (清算报告)"),
    "loss_statement": _("Statement of loss published (遗失声明)"),
}
CHANGE_MATERIALS = {
    "address": "address_proof",
    "capital": "capital_proof",
    "legal_rep": "legal_rep",
}
REPLACE_REASONS = {"lost": ("补领（遗失）", "lost"), "damaged": ("换领（损坏）", "damaged")}


def required_materials(application: Application) -> list[str]:
    kind = application.kind
    if kind == ApplicationKind.ESTABLISH:
        return ["application_form", "approval", "address_proof", "capital_proof", "legal_rep"]
    if kind == ApplicationKind.CHANGE:
        changes = application.data.get("changes") or {}
        extra = [CHANGE_MATERIALS.get(item) for item in REGISTERED_ITEMS if item in changes]
        return ["application_form", "change_decision", *[m for m in extra if m]]
    if kind == ApplicationKind.CANCEL:
        return ["application_form", "cancel_decision", "liquidation_report"]
    if application.data.get("reason") == "lost":
        return ["application_form", "loss_statement"]
    return ["application_form"]


def _error(field: str, zh: str, en: str) -> dict:
    return {"field": field, "message": zh, "message_en": en}


def parse_capital(value) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e12"):
        return None
    return amount.quantize(Decimal("0.01"))


def check_item(field: str, value, prefix: str) -> dict | None:
    """One registered item's value; None when it is fine."""
    zh, en = ITEM_LABELS[field]
    name = f"{prefix}{field}"
    if value in (None, ""):
        return _error(name, f"{zh}不能为空", f"{en} is required")
    if field == "funding_source":
        if value not in FundingSource.values:
            return _error(name, f"{zh}应为规定的经费来源之一", f"{en} must be one of the listed")
        return None
    if field == "capital":
        if parse_capital(value) is None:
            return _error(name, f"{zh}应为大于0的金额（万元，两位小数）", f"{en} must be > 0")
        return None
    text = str(value).strip()
    if not text:
        return _error(name, f"{zh}不能为空", f"{en} is required")
    if len(text) > ITEM_LIMITS[field]:
        limit = ITEM_LIMITS[field]
        return _error(name, f"{zh}不能超过{limit}个字", f"{en} is at most {limit} characters")
    if field == "legal_rep" and len(text) < 2:
        return _error(name, f"{zh}应填写姓名", f"{en} must be a person's name")
    return None


def _check_establish(app: Application) -> list[dict]:
    items = app.data.get("items") or {}
    errors = [e for f in REGISTERED_ITEMS if (e := check_item(f, items.get(f), "items."))]
    if app.org_id is None and not str(app.data.get("approval_number", "")).strip():
        errors.append(
            _error(
                "approval_number",
                "应选择已由机构编制决定设立的单位，或填写批准设立的文号",
                "choose the body set up by an establishment decision, or give the approval's "
                "document number",
            )
        )
    if app.org_id is not None and items.get("name") and items["name"] != app.org.name:
        errors.append(
            _error(
                "items.name",
                f"登记名称应与机构编制决定的名称“{app.org.name}”一致",
                "the registered name must equal the name the establishment decision gave",
            )
        )
    return errors


def _check_change(app: Application, today: datetime.date) -> list[dict]:
    changes = app.data.get("changes") or {}
    errors = []
    if not changes:
        errors.append(_error("changes", "至少变更一项登记事项", "change at least one item"))
    current = app.institution.items() if app.institution_id else {}
    # In the order of the items, not of the stored keys (jsonb reorders them).
    ordered = [f for f in REGISTERED_ITEMS if f in changes] + sorted(
        set(changes) - set(REGISTERED_ITEMS)
    )
    for field in ordered:
        value = changes[field]
        if field not in REGISTERED_ITEMS:
            errors.append(_error(f"changes.{field}", "不是登记事项", "not a registered item"))
        elif error := check_item(field, value, "changes."):
            errors.append(error)
        elif str(value) == str(current.get(field)) or (
            field == "capital" and parse_capital(value) == parse_capital(current.get(field))
        ):
            zh, en = ITEM_LABELS[field]
            errors.append(_error(f"changes.{field}", f"{zh}与现登记事项相同", f"{en} is unchanged"))
    if app.event_date is None:
        errors.append(
            _error("event_date", "应填写变更决定的日期", "the date of the decision is required")
        )
    elif app.event_date > today:
        errors.append(_error("event_date", "变更决定日期不能晚于今天", "cannot be in the future"))
    if "address" in changes and app.move_date is None:
        errors.append(
            _error("move_date", "变更住所应填写迁入新住所的日期", "give the date of the move")
        )
    return errors


def _check_cancel(app: Application) -> list[dict]:
    data = app.data
    errors = []
    for field, zh, en in (
        ("liquidator", "清算组织", "liquidator"),
        ("asset_disposal", "剩余财产处置情况", "disposal of remaining assets"),
        ("notice_media", "注销公告的刊登媒体", "where the cancellation notice was published"),
    ):
        if not str(data.get(field, "")).strip():
            errors.append(_error(field, f"应填写{zh}", f"{en} is required"))
    for field, zh, en in (
        ("liquidation_completed_on", "清算完成日期", "date the liquidation was completed"),
        ("notice_date", "注销公告日期", "date of the cancellation notice"),
    ):
        try:
            datetime.date.fromisoformat(str(data.get(field, "")))
        except ValueError:
            errors.append(_error(field, f"应填写{zh}（年-月-日）", f"{en} is required"))
    return errors


def _check_replace(app: Application) -> list[dict]:
    if app.data.get("reason") not in REPLACE_REASONS:
        return [_error("reason", "应选择补领或换领", "choose lost (补领) or damaged (换领)")]
    return []


def check_application(app: Application, today: datetime.date) -> list[dict]:
    """Every problem of the application as it stands, materials included."""
    if app.kind == ApplicationKind.ESTABLISH:
        errors = _check_establish(app)
    elif app.kind == ApplicationKind.CHANGE:
        errors = _check_change(app, today)
    elif app.kind == ApplicationKind.CANCEL:
        errors = _check_cancel(app)
    else:
        errors = _check_replace(app)
    attached = set(app.attachments.values_list("kind", flat=True)) if app.pk else set()
    for kind in required_materials(app):
        if kind not in attached:
            errors.append(
                _error(
                    f"materials.{kind}",
                    f"缺少申请材料：{MATERIALS[kind]}",
                    f"missing material: {kind}",
                )
            )
    return errors


def change_flags(app: Application, on: datetime.date) -> list[str]:
    """The change-registration rules an application trips, as of submission on `on`:
    `late` (more than 30 working days after the decision), `moved_before_registration`
    (住所 already moved), `capital_over_20` (开办资金 moves more than ±20%)."""
    if app.kind != ApplicationKind.CHANGE:
        return []
    flags = []
    changes = app.data.get("changes") or {}
    if app.event_date and calendar.working_days_between(app.event_date, on) > CHANGE_LIMIT_DAYS:
        flags.append("late")
    if "address" in changes and app.move_date and app.move_date <= on:
        flags.append("moved_before_registration")
    if "capital" in changes and app.institution_id:
        old = app.institution.capital
        new = parse_capital(changes["capital"])
        if new is not None and old and abs(new - old) / old > CAPITAL_THRESHOLD:
            flags.append("capital_over_20")
    return flags


FLAG_LABELS = {
    "late": _("Applied more than 30 working days after the decision (逾期申请变更登记)"),
    "moved_before_registration": _("Moved before registering the new address (先迁址后登记)"),
    "capital_over_20": _("Starting capital changes by more than 20% (开办资金变动超过20%)"),
    "accept_overdue": _("Acceptance overdue (受理超期)"),
    "decision_overdue": _("Decision overdue (审查超期)"),
}

"""The penalty decision (行政处罚决定书) of the registration authority, in the GB/T 9704 layout."""

import datetime

from django.core.files.base import ContentFile

from bianzhi.core.models import Node
from bianzhi.core.officialdoc import OfficialDocument, chinese_date, render_pdf
from bianzhi.registration.models import Institution

from .models import PenaltyKind

# 关于给予…警告/暂扣证书/撤销登记的处罚决定
KIND_TERMS = {
    PenaltyKind.WARNING: "警告",
    PenaltyKind.SUSPEND: "暂扣证书",
    PenaltyKind.REVOKE: "撤销登记",
}
BASIS = "根据《事业单位登记管理暂行条例》及其实施细则的有关规定"
APPEAL = (
    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
    "或者自收到本决定书之日起六个月内依法提起行政诉讼。"
)


def decision_title(institution: Institution, kind: str) -> str:
    return f"关于给予{institution.name}{KIND_TERMS[kind]}的处罚决定"


def _measure(institution: Institution, kind: str, decided_on, suspend_until) -> str:
    if kind == PenaltyKind.WARNING:
        return f"{BASIS}，决定给予你单位警告。请你单位认真整改，严格遵守事业单位登记管理规定。"
    if kind == PenaltyKind.SUSPEND:
        return (
            f"{BASIS}，决定暂扣你单位《事业单位法人证书》，暂扣期限自{chinese_date(decided_on)}"
            f"起至{chinese_date(suspend_until)}止。暂扣期间，你单位应当停止以事业单位法人名义"
            "开展活动，并按要求完成整改。"
        )
    return (
        f"{BASIS}，决定撤销你单位的事业单位登记，收缴《事业单位法人证书》正本、副本"
        "和单位印章，并予以公告。"
    )


def decision_body(
    institution: Institution,
    kind: str,
    reason: str,
    decided_on: datetime.date,
    suspend_until: datetime.date | None,
) -> list[str]:
    """The paragraphs: the facts found, the measure, the remedies."""
    facts = reason.strip().rstrip("。")
    return [
        f"经查，{facts}。",
        _measure(institution, kind, decided_on, suspend_until),
        APPEAL,
    ]


def penalty_decision(
    *,
    node: Node,
    number: str,
    institution: Institution,
    kind: str,
    reason: str,
    decided_on: datetime.date,
    suspend_until: datetime.date | None,
) -> OfficialDocument:
    return OfficialDocument(
        issuer=node.name,
        number=number,
        title=decision_title(institution, kind),
        body=decision_body(institution, kind, reason, decided_on, suspend_until),
        recipients=f"{institution.name}（统一社会信用代码：{institution.credit_code}）：",
        signature=node.name,
        date=decided_on,
        printed_by=node.name,
        printed_on=decided_on,
    )


def render(official: OfficialDocument, *, name: str) -> ContentFile:
    return ContentFile(render_pdf(official), name=name)

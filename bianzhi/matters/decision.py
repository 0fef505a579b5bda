"""The decision document (批复) of an approved matter: its 文号 from the office's gap-free
counter, its text from the change set, rendered in the GB/T 9704 layout and registered as the
document every executed change cites."""

import datetime
import re

from django.core.files.base import ContentFile
from django.utils import timezone, translation

from bianzhi.core.documents import document_register
from bianzhi.core.errors import InvalidInput
from bianzhi.core.models import Document
from bianzhi.core.numbering import document_number_take
from bianzhi.core.officialdoc import OfficialDocument, render_pdf

from . import changes
from .models import Matter

ORDINALS = "一二三四五六七八九十"
# "关于调增行政编制的请示（二）" → "调增行政编制（二）": the subject, for the reply's title.
REQUEST_TITLE = re.compile(r"^(?:关于)?(?P<subject>.+?)的?(?:请示|申请|报告)(?P<tail>（[^）]*）)?$")


def _ordinal(n: int) -> str:
    if n <= 10:
        return ORDINALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{ORDINALS[tens - 1] if tens > 1 else ''}十{ORDINALS[ones - 1] if ones else ''}"


def _cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def decision_body(matter: Matter, effective_date: datetime.date) -> list[str]:
    """The paragraphs of the 批复: receipt, one numbered paragraph per change, the decision's own
    text, and the effective date."""
    with translation.override("zh-hans"):
        lines = changes.describe_items(list(matter.items.select_related("org")))
    body = [f"你单位《{matter.title}》收悉。经研究，现批复如下："]
    text = matter.decision_text.strip()
    if lines:
        points = lines + ([text.rstrip("。")] if text else [])
        body += [f"{_ordinal(n)}、{point}。" for n, point in enumerate(points, start=1)]
    elif text:
        body.append(text)
    body.append(f"本批复自{_cn_date(effective_date)}起执行。")
    body.append("此复。")
    return body


def decision_title(request_title: str) -> str:
    """关于…的批复, after the subject of the request (关于…的请示)."""
    found = REQUEST_TITLE.match(request_title.strip())
    subject = (
        f"{found['subject']}{found['tail'] or ''}" if found else request_title.strip()
    ).removeprefix("关于")
    return f"关于{subject}的批复"


def _effective_date(data: dict, today: datetime.date) -> datetime.date:
    day = data.get("effective_date") or today
    if not isinstance(day, datetime.date):
        raise InvalidInput("生效日期无效", "the effective date is invalid", field="effective_date")
    if day < today - datetime.timedelta(days=366):
        raise InvalidInput(
            "生效日期不能早于发文日期一年以上",
            "the effective date cannot be more than a year before the date of issue",
            field="effective_date",
        )
    return day


def decision_issue(matter: Matter, *, actor, data: dict) -> Document:
    """Number, render and register the decision; runs inside the issuing transaction, so a
    failed issue gives its number back (the counter is gap-free)."""
    today = timezone.localdate()
    effective = _effective_date(data, today)
    node = matter.node
    _seq, number = document_number_take(node=node, year=today.year)
    title = decision_title(matter.title)
    official = OfficialDocument(
        issuer=node.name,
        number=number,
        title=title,
        body=decision_body(matter, effective),
        recipients=f"{(data.get('recipients') or matter.applicant.name).strip()}：",
        signature=node.name,
        date=today,
        signer=(data.get("signer") or "").strip(),
        copies_to=(data.get("copies_to") or "").strip(),
        printed_by=node.name,
        printed_on=today,
        classification="",
    )
    pdf = render_pdf(official)
    document = document_register(
        actor=actor,
        issuer=node.name,
        number=number,
        issued_on=today,
        title=title,
        file=ContentFile(pdf, name=f"{matter.ref}.pdf"),
        classification=matter.classification,
    )
    matter.effective_date = effective
    return document

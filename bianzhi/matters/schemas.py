"""API schemas of establishment matters: the list and its filters, a new matter with its change
set, one matter with its preview, actions and trail, transitions, and the documents."""

import datetime
from typing import Any

from ninja import Field, Schema

from .models import MatterState, MatterType

MAX_ID = 2**53  # ids beyond any database's reach are refused at the door
TYPES = ", ".join(MatterType.values)
STATES = ", ".join(MatterState.values)


class MatterFilterIn(Schema):
    type: str = Field("", max_length=20, description=f"matter type: {TYPES}")
    state: str = Field("", max_length=16, description=f"state: {STATES}")
    applicant: int | None = Field(None, ge=1, le=MAX_ID, description="applicant body id")
    overdue: bool = Field(False, description="only matters past their due date")
    q: str = Field("", max_length=100, description="title or matter number contains")


class ItemIn(Schema):
    op: str = Field(..., max_length=32, examples=["quota.raise"])
    org: int | None = Field(
        None, ge=1, le=MAX_ID, description="the body the change applies to (id)"
    )
    params: dict[str, Any] = Field(
        default_factory=dict, examples=[{"est_type": "admin", "count": 5}]
    )


class MatterIn(Schema):
    type: str = Field(..., max_length=20, description=f"matter type: {TYPES}")
    applicant: int = Field(..., ge=1, le=MAX_ID, description="applicant body id")
    title: str = Field(..., max_length=200, examples=["关于调增行政编制的请示"])
    reason: str = Field("", max_length=5000, description="申请理由 reasons and basis")
    classification: int = Field(0, ge=0, le=3, description="密级 0–3")
    items: list[ItemIn] = Field(default_factory=list, max_length=100)


class TransitionData(Schema):
    """What an action asks for (see the action's `fields`)."""

    decision_text: str | None = Field(None, max_length=5000, description="approve: 批复意见")
    meeting_kind: str | None = Field(None, max_length=20, description="committee or directors")
    meeting_date: datetime.date | None = None
    meeting_minutes: str | None = Field(None, max_length=5000)
    effective_date: datetime.date | None = Field(None, description="issue: 生效日期")
    signer: str | None = Field(None, max_length=300, description="issue: 签发人")
    recipients: str | None = Field(None, max_length=300, description="issue: 主送机关")
    copies_to: str | None = Field(None, max_length=300, description="issue: 抄送机关")


class TransitionIn(Schema):
    action: str = Field(..., max_length=20, examples=["submit"])
    comment: str = Field("", max_length=2000)
    data: TransitionData = Field(default_factory=TransitionData)


class DeadlineOut(Schema):
    due_on: datetime.date | None
    days_left: int | None = Field(..., description="working days; negative when overdue")
    overdue: bool
    due_soon: bool


class MatterOut(Schema):
    id: int
    uid: str
    ref: str
    type: str
    type_label: str
    title: str
    applicant_id: int
    applicant_name: str
    region_code: str
    node: str = Field(..., description="the handling office (node code)")
    node_name: str
    state: str
    state_label: str
    steps: list[str]
    step: int
    current_role: str | None
    major: bool
    classification: int
    deadline: DeadlineOut
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    effective_date: datetime.date | None
    document_number: str | None


class MatterPage(Schema):
    items: list[MatterOut]
    next_cursor: int | None = Field(..., description="pass as `cursor` for the next page")


class ItemOut(Schema):
    seq: int
    op: str
    org_id: int | None
    params: dict[str, Any]
    description: str
    result: dict[str, Any] | None


class ActionOut(Schema):
    name: str
    label: str
    needs_comment: bool
    fields: list[str]


class EventOut(Schema):
    at: datetime.datetime
    actor: str | None
    action: str
    action_label: str
    from_state: str
    to_state: str
    step: int | None
    role: str
    comment: str
    data: dict[str, Any] | None


class FieldChangeOut(Schema):
    before: str | None
    after: str | None


class QuotaDiffOut(Schema):
    est_type: str
    approved_before: int
    approved_after: int
    occupied: int
    reserved_before: int
    reserved_after: int
    vacancy_before: int
    vacancy_after: int
    state_before: str | None = Field(..., description="over / full / vacant; null: no posts")
    state_after: str


class LeaderPostDiffOut(Schema):
    title: str
    level: str
    approved_before: int | None
    approved_after: int
    filled: int
    over_before: bool
    over_after: bool


class ProblemOut(Schema):
    seq: int
    message: str
    message_en: str


class BodyDiffOut(Schema):
    org_id: int | None
    ref: int | None = Field(..., description="the item that sets up a new body")
    name: str
    new: bool
    ended: bool
    fields: dict[str, FieldChangeOut]
    quotas: list[QuotaDiffOut]
    leader_posts: list[LeaderPostDiffOut]
    problems: list[ProblemOut]


class MatterDetailOut(MatterOut):
    reason: str
    decision_text: str
    meeting_kind: str
    meeting_date: datetime.date | None
    decided_on: datetime.date | None
    executed_at: datetime.datetime | None
    execution_report: dict[str, Any] | None
    items: list[ItemOut]
    preview: list[BodyDiffOut]
    allowed_actions: list[ActionOut]
    timeline: list[EventOut]


class DecisionDocumentOut(Schema):
    issuer: str
    number: str
    title: str
    issued_on: datetime.date
    effective_date: datetime.date | None
    sha256: str
    size: int | None
    download_url: str | None


class AttachmentOut(Schema):
    id: int
    name: str
    sha256: str
    size: int
    content_type: str
    uploaded_at: datetime.datetime
    uploaded_by: str
    download_url: str


class DocumentsOut(Schema):
    document: DecisionDocumentOut | None
    attachments: list[AttachmentOut]

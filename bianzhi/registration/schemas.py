"""API schemas of registration applications: the list and its filters, a new draft, its
update, one application with its problems, allowed actions, flags and trail, and transitions."""

import datetime
from typing import Any

from ninja import Field, Schema

from .models import ApplicationKind, ApplicationState

MAX_ID = 2**53  # ids beyond any database's reach are refused at the door
KINDS = ", ".join(ApplicationKind.values)
STATES = ", ".join(ApplicationState.values)


class ApplicationFilterIn(Schema):
    state: str = Field("", max_length=16, description=f"state: {STATES}")
    kind: str = Field("", max_length=16, description=f"kind: {KINDS}")


class ApplicationIn(Schema):
    kind: str = Field(..., max_length=16, description=f"kind: {KINDS}")
    institution: str | None = Field(
        None, max_length=18, description="the registered institution's credit code (变更/注销/补领)"
    )
    org: int | None = Field(
        None, ge=1, le=MAX_ID, description="设立: the body in the registry (id), if any"
    )
    data: dict[str, Any] = Field(
        default_factory=dict,
        description='设立 {"items": {…}, "pi_class", "approval_number"}; 变更 {"changes": '
        '{item: value}}; 注销 the liquidation fields; 补领换领 {"reason", "statement"}',
    )
    event_date: datetime.date | None = Field(None, description="变更: date of the decision")
    move_date: datetime.date | None = Field(None, description="变更 of 住所: date of the move")


class ApplicationUpdateIn(Schema):
    data: dict[str, Any] = Field(default_factory=dict)
    event_date: datetime.date | None = None
    move_date: datetime.date | None = None


class TransitionIn(Schema):
    action: str = Field(..., max_length=20, examples=["submit"])
    comment: str = Field("", max_length=2000)
    opinion: str = Field("", max_length=16, description="examine: approve or reject")


class ApplicationOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    institution: str | None = Field(..., description="credit code")
    institution_name: str | None
    org_id: int | None
    registrar: str = Field(..., description="registration authority (node code)")
    region_code: str
    submitted_on: datetime.date | None
    accept_due_on: datetime.date | None
    due_on: datetime.date | None
    decided_on: datetime.date | None
    flags: list[str]
    remarks: str


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_cursor: int | None


class ProblemOut(Schema):
    field: str
    message: str
    message_en: str


class ActionOut(Schema):
    name: str
    label: str
    needs_comment: bool


class EventOut(Schema):
    at: datetime.datetime
    actor: str | None
    action: str
    state_before: str
    state_after: str
    comment: str
    data: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    kind: str
    name: str
    size: int
    uploaded_at: datetime.datetime


class ApplicationDetailOut(ApplicationOut):
    data: dict[str, Any]
    event_date: datetime.date | None
    move_date: datetime.date | None
    opinion: str
    decision_number: str | None
    establishment_matter: str | None = Field(
        None, description="number of the executed establishment matter that set the body up"
    )
    required_materials: list[str]
    attachments: list[AttachmentOut]
    problems: list[ProblemOut]
    allowed_actions: list[ActionOut]
    trail: list[EventOut]

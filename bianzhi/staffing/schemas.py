"""API schemas of the quota ledger, leader posts, reservations and monitoring alerts."""

import datetime
from typing import Literal

from ninja import Field, Schema

from bianzhi.orgs.schemas import DocumentIn, DocumentOut

from .queries import QuotaFilter

QuotaState = Literal["over", "full", "vacant"]
ChangeKind = Literal[
    "set", "raise", "cut", "transfer", "freeze", "unfreeze", "withdraw", "lend", "recover"
]
ReservationStatus = Literal["active", "used", "cancelled", "expired"]


class QuotaFilterIn(Schema):
    region: str = Field("", description="division code; covers its subdivisions")
    est_type: str = Field("", description="code set establishment_type")
    state: QuotaState | None = Field(None, description="超编 over / 满编 full / 空编 vacant")
    as_of: datetime.date | None = Field(None, description="numbers of that date, from the ledger")

    def to_filter(self) -> QuotaFilter:
        return QuotaFilter(**self.dict(exclude_none=True))


class QuotaOut(Schema):
    id: int
    org_id: int
    org_name: str
    region_code: str
    est_type: str
    est_type_name: str
    approved: int
    occupied: int
    reserved: int | None = Field(
        ..., description="null as of a past date: the ledger does not date reservations"
    )
    vacancy: int
    state: QuotaState
    frozen: bool


class QuotaChangeIn(Schema):
    kind: ChangeKind
    org_id: int
    est_type: str = Field(..., description="code set establishment_type")
    count: int = Field(
        0, ge=0, description="posts moved (≥ 1); for set the new approved number (≥ 0)"
    )
    target_org_id: int | None = Field(None, description="receiving body (transfer only)")
    civil_servant_managed: bool | None = Field(None, description="参公 (set only)")
    document: DocumentIn
    effective_date: datetime.date = Field(..., description="生效日期 effective date")


class QuotaChangeOut(Schema):
    id: int
    org_id: int
    est_type: str
    kind: str
    kind_name: str
    delta: int
    approved_after: int
    effective_date: datetime.date
    recorded_at: datetime.datetime
    counterpart_org_id: int | None
    document: DocumentOut


class LeaderPostIn(Schema):
    org_id: int
    title: str = Field(..., max_length=60, examples=["局长"])
    level: Literal["principal", "deputy"]
    rank: str = Field("", description="code set rank")
    approved: int = Field(..., ge=0)
    document: DocumentIn
    effective_date: datetime.date


class LeaderPostOut(Schema):
    id: int
    org_id: int
    org_name: str
    title: str
    level: str
    rank: str
    approved: int
    filled: int
    over: bool
    valid_from: datetime.date


class ReservationIn(Schema):
    org_id: int
    est_type: str
    count: int = Field(..., ge=1)
    purpose: str = Field("", max_length=200)
    expires_on: datetime.date
    document: DocumentIn


class CancelIn(Schema):
    document: DocumentIn


class ReservationOut(Schema):
    id: int
    org_id: int
    org_name: str
    est_type: str
    purpose: str
    count: int
    remaining: int
    expires_on: datetime.date
    status: str
    created_at: datetime.datetime
    document: DocumentOut


class PersonSummaryOut(Schema):
    person_id: int
    name: str
    resident_id: str = Field(..., description="masked: 110101********1234")
    gender: str
    birth_date: datetime.date
    retires_on: datetime.date
    assignment_id: int
    org_id: int
    org_name: str
    est_type: str


class DuplicateOut(Schema):
    name: str
    birth_date: datetime.date
    count: int
    persons: list[PersonSummaryOut]


class AlertsOut(Schema):
    as_of: datetime.date
    over_quota: list[QuotaOut]
    over_leader_posts: list[LeaderPostOut]
    past_retirement: list[PersonSummaryOut]
    due_to_retire: list[PersonSummaryOut]
    duplicate_identities: list[DuplicateOut]

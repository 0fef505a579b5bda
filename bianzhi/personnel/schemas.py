"""API schemas of the real-name register: persons and their assignments to posts."""

import datetime
from typing import Literal

from ninja import Field, Schema

from bianzhi.orgs.schemas import DocumentIn


class PersonIn(Schema):
    resident_id: str = Field(..., description="公民身份号码 GB 11643, 18 characters")
    name: str = Field(..., max_length=60)
    cadre: bool = Field(True, description="cadre (干部) — keys the original retirement age")
    ethnicity: str = Field("", max_length=20)
    political_status: str = Field("", max_length=30)
    education: str = Field("", max_length=30)
    gender: Literal["M", "F"] | None = Field(None, description="must agree with the ID")
    birth_date: datetime.date | None = Field(None, description="must agree with the ID")
    phone: str = Field("", max_length=30, description="sealed with SM4 at rest")
    home_address: str = Field("", max_length=200, description="sealed with SM4 at rest")


class PersonOut(Schema):
    id: int
    resident_id: str = Field(..., description="masked: 110101********1234")
    name: str
    gender: str
    birth_date: datetime.date
    ethnicity: str
    political_status: str
    education: str
    retirement_category: str
    retires_on: datetime.date
    org_id: int | None = Field(None, description="body of the open post, if any")
    org_name: str | None = None


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class AssignmentOut(Schema):
    id: int
    person_id: int
    person_name: str
    resident_id: str = Field(..., description="masked")
    org_id: int
    org_name: str
    est_type: str
    leader_post_id: int | None
    leader_title: str | None
    start_date: datetime.date
    end_date: datetime.date | None
    entry_way: str
    exit_way: str
    override_by: str


class PersonDetailOut(PersonOut):
    resident_id: str = Field(..., description="the full number (the view is recorded)")
    phone: str | None = Field(None, description="omitted above the reader's clearance")
    home_address: str | None = Field(None, description="omitted above the reader's clearance")
    assignments: list[AssignmentOut]


class OverrideIn(Schema):
    override_by: str = Field("", max_length=60, description="who approved going over (warn mode)")
    override_document: DocumentIn | None = None


class OnboardIn(OverrideIn):
    person_id: int
    org_id: int
    est_type: str = Field(..., description="code set establishment_type")
    start_date: datetime.date
    entry_way: str = Field(..., description="code set entry_way")
    document: DocumentIn
    reservation_id: int | None = None


class TransferIn(OverrideIn):
    to_org_id: int
    date: datetime.date
    est_type: str | None = Field(None, description="defaults to the current type")
    entry_way: str = "transfer_in"
    document: DocumentIn
    reservation_id: int | None = None


class AppointIn(OverrideIn):
    leader_post_id: int
    date: datetime.date
    document: DocumentIn


class RelieveIn(Schema):
    date: datetime.date
    document: DocumentIn


class ExitIn(Schema):
    end_date: datetime.date
    exit_way: str = Field(..., description="code set exit_way")
    document: DocumentIn

"""API schemas of the registry."""

import datetime

from ninja import Field, Schema

from .queries import OrgFilter


class OrgFilterIn(Schema):
    q: str = Field(
        "", max_length=100, description="name, former name, alias, pinyin or credit code"
    )
    region: str = Field("", description="division code; covers its subdivisions")
    category: str = Field("", description="category or sub-category code")
    rank: str = ""
    status: str = ""
    as_of: datetime.date | None = Field(None, description="state and names of that date")

    def to_filter(self) -> OrgFilter:
        return OrgFilter(**self.dict())


class DocumentIn(Schema):
    issuer: str = Field(..., description="发文机关 issuing body", examples=["某省委编办"])
    number: str = Field("", description="文号 document number", examples=["某编办〔2026〕12号"])
    issued_on: datetime.date = Field(..., description="成文日期 date of issue")
    title: str = Field(..., description="标题 title")


class ChangeIn(Schema):
    document: DocumentIn
    effective_date: datetime.date = Field(..., description="生效日期 effective date")


class OrgSpecIn(Schema):
    name: str
    category: str = Field(..., description="code set org_category, top level")
    region_code: str = Field(..., min_length=6, max_length=6)
    short_name: str = ""
    subcategory: str = ""
    rank: str = ""
    pi_class: str = ""
    funding_form: str = ""
    credit_code: str | None = None
    parent_id: int | None = None
    supervisor_id: int | None = None


class EstablishIn(ChangeIn):
    org: OrgSpecIn


class RenameIn(ChangeIn):
    name: str
    short_name: str | None = None


class RankIn(ChangeIn):
    rank: str


class SupervisorIn(ChangeIn):
    supervisor_id: int | None


class ParentIn(ChangeIn):
    parent_id: int | None


class MergeIn(ChangeIn):
    source_ids: list[int]
    into_id: int | None = None
    new: OrgSpecIn | None = None


class SplitIn(ChangeIn):
    into: list[OrgSpecIn]


class AliasIn(ChangeIn):
    name: str


class ProvisionIn(ChangeIn):
    functions: list[str]
    internal_bodies: list[str] = []
    summary: str = ""


class OrgOut(Schema):
    id: int
    uid: str | None = None
    name: str
    short_name: str
    region_code: str
    region_name: str
    category: str
    category_name: str
    subcategory: str
    rank: str
    status: str
    credit_code: str | None
    parent_id: int | None
    matched_names: list[str] = []


class OrgPage(Schema):
    items: list[OrgOut]
    next_cursor: str | None


class AliasOut(Schema):
    name: str
    valid_from: datetime.date
    valid_to: datetime.date | None


class DocumentOut(Schema):
    issuer: str
    number: str
    issued_on: datetime.date
    title: str
    sha256: str


class OrgDetailOut(OrgOut):
    as_of: datetime.date
    supervisor_id: int | None
    pi_class: str
    funding_form: str
    established_on: datetime.date
    abolished_on: datetime.date | None
    aliases: list[AliasOut]
    functions: list[str]
    internal_bodies: list[dict]
    predecessors: list[dict]
    successors: list[dict]


class HistoryOut(Schema):
    seq: int
    action: str
    action_label: str
    effective_date: datetime.date | None
    recorded_at: datetime.datetime
    actor: str | None
    document: DocumentOut | None
    before: dict | None
    after: dict | None

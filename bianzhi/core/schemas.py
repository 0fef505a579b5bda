import datetime

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str
    valid_from: datetime.date
    valid_to: datetime.date | None

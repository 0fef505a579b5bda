"""REST routes of base data: administrative divisions."""

import datetime

from django.db.models import Q
from ninja import Query, Router

from bianzhi.core.permissions import LOGIN, api_requires

from .models import Region
from .schemas import RegionOut

router = Router(tags=["base data"])


@router.get("/regions", response=list[RegionOut], summary="Administrative divisions GB/T 2260")
@api_requires(LOGIN)
def region_list(
    request,
    parent: str = "",
    level: int | None = None,
    q: str = "",
    as_of: datetime.date | None = None,
    limit: int = Query(500, ge=1, le=5000),
):
    qs = Region.objects.all()
    if as_of:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=as_of), valid_from__lte=as_of)
    else:
        qs = qs.filter(valid_to__isnull=True)
    if parent:
        qs = qs.filter(parent_code=parent)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs.order_by("code", "valid_from")[:limit]

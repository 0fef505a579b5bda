"""Rules a body's fields must satisfy, shared by the lifecycle services and the importer."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from bianzhi.core import reference
from bianzhi.core.errors import InvalidInput
from bianzhi.core.identifiers import IdentifierError, validate_credit_code
from bianzhi.core.models import Region
from bianzhi.core.scope import region_in_scope

from .models import Org, OrgStatus

INSTITUTION = "institution"
INTERNAL = "internal"
CATEGORIES_WITH_PARENT = {INTERNAL, "dispatched"}


@dataclass
class OrgSpec:
    """The fields of a body to establish."""

    name: str
    category: str
    region_code: str
    short_name: str = ""
    subcategory: str = ""
    rank: str = ""
    pi_class: str = ""
    funding_form: str = ""
    credit_code: str | None = None
    parent: Org | None = None
    supervisor: Org | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def like(cls, org: Org, name: str) -> "OrgSpec":
        """A new body with another body's category, rank, class, region and place."""
        return cls(
            name=name,
            category=org.category,
            region_code=org.region_code,
            subcategory=org.subcategory,
            rank=org.rank,
            pi_class=org.pi_class,
            funding_form=org.funding_form,
            parent=org.parent,
            supervisor=org.supervisor,
        )


def check_name(name: str, field_name: str = "name") -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("名称不能为空", "name is required", field=field_name)
    if len(name) > 200:
        raise InvalidInput(
            "名称不能超过 200 个字符", "name is longer than 200 characters", field=field_name
        )
    return name


def check_code(codeset: str, code: str, field_name: str, *, required: bool = False) -> None:
    if not code:
        if required:
            raise InvalidInput(
                f"{field_name} 不能为空", f"{field_name} is required", field=field_name
            )
        return
    if code not in reference.codes(codeset):
        raise InvalidInput(
            f"“{code}”不是代码集 {codeset} 中的有效代码",
            f"{code!r} is not a valid code of code set {codeset}",
            field=field_name,
        )


def check_category(spec: OrgSpec) -> None:
    check_code("org_category", spec.category, "category", required=True)
    if reference.codes("org_category")[spec.category][2]:
        raise InvalidInput(
            "类别应填一级类别，细分类别填入 subcategory",
            "category must be a top-level category; put the detail in subcategory",
            field="category",
        )
    if spec.subcategory:
        check_code("org_category", spec.subcategory, "subcategory")
        if reference.codes("org_category")[spec.subcategory][2] != spec.category:
            raise InvalidInput(
                f"细分类别“{spec.subcategory}”不属于类别“{spec.category}”",
                f"sub-category {spec.subcategory!r} does not belong to {spec.category!r}",
                field="subcategory",
            )
    check_code("rank", spec.rank, "rank")
    if spec.category != INSTITUTION and (spec.pi_class or spec.funding_form):
        raise InvalidInput(
            "只有事业单位才有分类和经费形式",
            "only public institutions have a class and a funding form",
            field="pi_class" if spec.pi_class else "funding_form",
        )
    check_code("pi_class", spec.pi_class, "pi_class")
    check_code("funding_form", spec.funding_form, "funding_form")


def check_region(region_code: str, on: datetime.date) -> None:
    valid = Region.objects.filter(code=region_code, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )
    if not valid.exists():
        raise InvalidInput(
            f"行政区划代码“{region_code}”在 {on} 不存在 (GB/T 2260)",
            f"division code {region_code!r} does not exist on {on} (GB/T 2260)",
            field="region_code",
        )


def check_scope(actor, region_code: str) -> None:
    if actor is None:
        return
    if not region_in_scope(actor, region_code):
        raise InvalidInput(
            f"行政区划“{region_code}”不在您的管理范围内",
            f"region {region_code!r} is outside your scope",
            field="region_code",
            code="out_of_scope",
        )


def check_credit_code(value: str | None, exclude_pk: int | None = None) -> str | None:
    if not value:
        return None
    try:
        number = validate_credit_code(value, establishment_only=True).number
    except IdentifierError as exc:
        raise InvalidInput(
            exc.message_zh, exc.message_en, field="credit_code", code=exc.code
        ) from exc
    if Org.objects.filter(credit_code=number).exclude(pk=exclude_pk).exists():
        raise InvalidInput(
            f"统一社会信用代码 {number} 已被其他机构使用",
            f"credit code {number} is already used by another body",
            field="credit_code",
            code="duplicate",
        )
    return number


def check_active(org: Org, field_name: str = "org") -> None:
    if org.status != OrgStatus.ACTIVE:
        raise InvalidInput(
            f"“{org.name}”已撤销或合并，不能再变更",
            f"{org.name!r} is no longer active",
            field=field_name,
            code="inactive",
        )


def check_unique_name(
    name: str, region_code: str, parent: Org | None, exclude_pk: int | None = None
) -> None:
    """Two active bodies of one region under the same parent may not share a standard name."""
    clash = Org.objects.filter(
        name=name, region_code=region_code, parent=parent, status=OrgStatus.ACTIVE
    ).exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput(
            f"本行政区划内已有同名的现行机构“{name}”",
            f"an active body named {name!r} already exists in this region",
            field="name",
            code="duplicate",
        )


def check_parent(org_pk: int | None, parent: Org | None, category: str) -> None:
    if parent is None:
        if category in CATEGORIES_WITH_PARENT:
            raise InvalidInput(
                "内设机构和派出机构必须指定所属机构",
                "internal and dispatched bodies need a parent body",
                field="parent",
            )
        return
    check_active(parent, "parent")
    node, seen = parent, 0
    while node is not None and seen < 64:
        if org_pk is not None and node.pk == org_pk:
            raise InvalidInput(
                "上级机构不能是本机构或其下级机构",
                "a body cannot be placed under itself or its descendants",
                field="parent",
                code="cycle",
            )
        node, seen = node.parent, seen + 1

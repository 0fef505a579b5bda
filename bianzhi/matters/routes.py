"""Review routes (审核流程) of an office: which steps each matter type passes, whether it is a
major matter, and its time limit. Writes are journaled; a matter copies its route when drafted,
so a change applies to new matters only."""

from dataclasses import dataclass

from django.db import transaction

from bianzhi.core.errors import InvalidInput
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Node

from .models import MatterType, ReviewRoute
from .workflow import STEP_ROLES

MAX_STEPS = 5
MAX_DAYS = 365


@dataclass
class RouteRow:
    matter_type: str
    label: str
    route: ReviewRoute
    own: bool  # the office's own route, not the national default


def office_routes(node: Node) -> list[RouteRow]:
    """The route that applies to each matter type at this office (one query)."""
    routes = list(
        ReviewRoute.objects.filter(node__in=[node]) | ReviewRoute.objects.filter(node=None)
    )
    by_key = {(r.node_id, r.matter_type): r for r in routes}
    rows = []
    for value, label in MatterType.choices:
        for key in ((node.pk, value), (node.pk, ""), (None, value), (None, "")):
            if key in by_key:
                rows.append(RouteRow(value, str(label), by_key[key], own=key[0] is not None))
                break
    return rows


def _check(steps: list[str], time_limit_days: int) -> list[str]:
    steps = [s for s in steps if s]
    if not steps or len(steps) > MAX_STEPS:
        raise InvalidInput(
            f"审核环节须为 1–{MAX_STEPS} 个", f"a route has 1 to {MAX_STEPS} steps", field="steps"
        )
    unknown = [s for s in steps if s not in STEP_ROLES]
    if unknown or len(set(steps)) != len(steps):
        raise InvalidInput(
            "审核环节只能是经办人、处室负责人、分管领导，且不能重复",
            "steps are clerk, division_head and leader, each at most once",
            field="steps",
        )
    if steps[-1] != "leader":
        raise InvalidInput(
            "最后一个审核环节须为分管领导（由其作出决定）",
            "the last step is the leader's, who decides",
            field="steps",
        )
    if not 1 <= time_limit_days <= MAX_DAYS:
        raise InvalidInput(
            f"办理时限须为 1–{MAX_DAYS} 个工作日",
            f"the time limit is 1 to {MAX_DAYS} working days",
            field="time_limit_days",
        )
    return steps


def _snapshot(route: ReviewRoute | None) -> dict | None:
    if route is None:
        return None
    return {"steps": route.steps, "major": route.major, "time_limit_days": route.time_limit_days}


@transaction.atomic
def route_set(
    *, actor, matter_type: str, steps: list[str], major: bool, time_limit_days: int
) -> ReviewRoute:
    """Set the actor's office's own route for a matter type; the last step decides."""
    if matter_type not in MatterType.values:
        raise InvalidInput("事项类型无效", "unknown matter type", field="matter_type")
    if actor.node_id is None:
        raise InvalidInput(
            "您的账号不属于任何机构编制部门", "your account has no office", field="node"
        )
    steps = _check(list(steps), time_limit_days)
    route = (
        ReviewRoute.objects.select_for_update()
        .filter(node_id=actor.node_id, matter_type=matter_type)
        .first()
    )
    before = _snapshot(route)
    route = route or ReviewRoute(node_id=actor.node_id, matter_type=matter_type)
    route.steps, route.major, route.time_limit_days = steps, major, time_limit_days
    route.save()
    journal_record(
        obj=route,
        action="matters.reviewroute.set",
        actor=actor,
        before=before,
        after={"matter_type": matter_type, **_snapshot(route)},
    )
    return route


@transaction.atomic
def route_reset(*, actor, matter_type: str) -> None:
    """Drop the office's own route for a type: the national default applies again."""
    route = ReviewRoute.objects.filter(node_id=actor.node_id, matter_type=matter_type).first()
    if route is None:
        raise InvalidInput(
            "本机关没有该事项类型的专门流程",
            "your office has no route of its own for this type",
            field="matter_type",
        )
    journal_record(
        obj=route,
        action="matters.reviewroute.removed",
        actor=actor,
        before={"matter_type": matter_type, **_snapshot(route)},
    )
    route.delete()

"""What a matter's change set would do, body by body, before anything is written: registry
fields, quotas by establishment type and leader posts, before → after."""

from dataclasses import dataclass, field

from bianzhi.core import reference
from bianzhi.matters.models import Matter
from bianzhi.staffing.queries import state_of

from .simulation import Problem, SimBody, SimPost, SimQuota, Simulation


@dataclass
class FieldChange:
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class QuotaDiff:
    """One establishment type of a body: approved before → after and where that leaves it
    (超编 over / 满编 full / 空编 vacant, as staffing.queries.state_of)."""

    est_type: str
    approved_before: int
    approved_after: int
    occupied: int
    reserved_before: int
    reserved_after: int
    vacancy_before: int
    vacancy_after: int
    state_before: str | None  # None: the body had no posts of this type
    state_after: str

    @property
    def changed(self) -> bool:
        return (self.approved_before, self.reserved_before) != (
            self.approved_after,
            self.reserved_after,
        )


@dataclass
class LeaderPostDiff:
    """One leader post: approved before → after against the leaders in it (超职数 when more)."""

    title: str
    level: str
    approved_before: int | None  # None: a new post
    approved_after: int
    filled: int
    over_before: bool
    over_after: bool

    @property
    def changed(self) -> bool:
        return self.approved_before != self.approved_after


@dataclass
class BodyDiff:
    """One body the change set affects."""

    org_id: int | None  # None for a body the change set sets up
    ref: int | None  # the item that sets it up
    name: str
    new: bool
    ended: bool
    fields: dict[str, FieldChange]  # name, status, rank, supervisor (by name)
    quotas: list[QuotaDiff] = field(default_factory=list)
    leader_posts: list[LeaderPostDiff] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # what execution would refuse


def _fields(sim: Simulation, body: SimBody) -> dict[str, FieldChange]:
    before = body.before or {}
    after = body.fields()
    changes = {
        name: FieldChange(before.get(name), after[name]) for name in ("name", "status", "rank")
    }
    supervisor_before = sim.names.get(before["supervisor"]) if before.get("supervisor") else None
    changes["supervisor"] = FieldChange(
        supervisor_before, sim.name_of(after["supervisor"]) if after["supervisor"] else None
    )
    return changes


def _quota(quota: SimQuota) -> QuotaDiff:
    return QuotaDiff(
        est_type=quota.est_type,
        approved_before=quota.approved_before,
        approved_after=quota.approved,
        occupied=quota.occupied,
        reserved_before=quota.reserved_before,
        reserved_after=quota.reserved,
        vacancy_before=quota.vacancy_before,
        vacancy_after=quota.vacancy,
        state_before=(
            state_of(quota.approved_before, quota.occupied, quota.vacancy_before)
            if quota.existed
            else None
        ),
        state_after=state_of(quota.approved, quota.occupied, quota.vacancy),
    )


def _post(post: SimPost) -> LeaderPostDiff:
    return LeaderPostDiff(
        title=post.title,
        level=post.level,
        approved_before=post.approved_before,
        approved_after=post.approved,
        filled=post.filled,
        over_before=post.approved_before is not None and post.filled > post.approved_before,
        over_after=post.filled > post.approved,
    )


def _type_order() -> dict[str, int]:
    return {code: n for n, code in enumerate(reference.codes("establishment_type"))}


def diffs(sim: Simulation) -> list[BodyDiff]:
    """The affected bodies of a simulation that has run, in order of first mention."""
    order = _type_order()
    quotas: dict[str, list[SimQuota]] = {}
    for quota in sorted(sim.quotas.values(), key=lambda q: (order.get(q.est_type, 99), q.est_type)):
        quotas.setdefault(quota.key, []).append(quota)
    posts: dict[str, list[SimPost]] = {}
    for post in sorted(sim.posts.values(), key=lambda p: (p.level != "principal", p.title)):
        posts.setdefault(post.key, []).append(post)
    result = []
    for key in sim.order:
        body = sim.bodies[key]
        result.append(
            BodyDiff(
                org_id=body.org_id,
                ref=body.seq,
                name=body.name,
                new=body.new,
                ended=body.ended,
                fields=_fields(sim, body),
                quotas=[_quota(quota) for quota in quotas.get(key, ())],
                leader_posts=[_post(post) for post in posts.get(key, ())],
                problems=list(body.problems),
            )
        )
    return result


def preview(matter: Matter) -> list[BodyDiff]:
    """Play the change set on in-memory copies, in item order, and show every affected body
    before → after; writes nothing. The queries do not grow with the items or bodies."""
    items = list(matter.items.order_by("seq"))
    return diffs(Simulation(items).run())

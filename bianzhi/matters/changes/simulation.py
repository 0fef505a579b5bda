"""In-memory copies of the registry and the ledger for the bodies a change set touches, and the
change set played on them in order. Preview shows the outcome and fingerprint records what the
items rely on. Loading takes a fixed number of queries however many items and bodies there are
(one for the bodies, one for their quotas, one for their leader posts); nothing is written."""

from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from bianzhi.matters.models import ChangeItem
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.orgs.validation import INTERNAL
from bianzhi.staffing.models import LeaderPost, Quota, Reservation

from . import ops

ACTIVE = OrgStatus.ACTIVE
MISSING = "missing"  # a reference to an item that no longer sets up a body


def new_key(seq: int, part: int | str | None = None) -> str:
    """The key of a body an item sets up (a split or a provision sets up several)."""
    return f"new:{seq}" if part is None else f"new:{seq}.{part}"


@dataclass
class Problem:
    """Why an item would be refused when executed, as far as the copies can tell."""

    seq: int
    message: str
    message_en: str


@dataclass
class SimBody:
    key: str  # the body's id, or new_key(...) for one an item sets up
    org_id: int | None
    seq: int | None  # the item that sets it up
    name: str
    short_name: str = ""
    status: str = ACTIVE
    rank: str = ""
    category: str = ""
    region_code: str = ""
    parent: str | None = None
    supervisor: str | None = None
    before: dict | None = None  # registry fields before the change set; None for new bodies
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def of(cls, org: Org) -> "SimBody":
        body = cls(
            key=str(org.pk),
            org_id=org.pk,
            seq=None,
            name=org.name,
            short_name=org.short_name,
            status=org.status,
            rank=org.rank,
            category=org.category,
            region_code=org.region_code,
            parent=str(org.parent_id) if org.parent_id else None,
            supervisor=str(org.supervisor_id) if org.supervisor_id else None,
        )
        body.before = body.fields()
        return body

    def fields(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "rank": self.rank,
            "supervisor": self.supervisor,
        }

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def new(self) -> bool:
        return self.before is None

    @property
    def ended(self) -> bool:
        was_active = self.new or self.before["status"] == ACTIVE
        return was_active and self.status not in (ACTIVE, MISSING)


@dataclass
class SimQuota:
    key: str
    est_type: str
    quota_id: int | None = None
    approved_before: int = 0
    approved: int = 0
    occupied: int = 0
    reserved_before: int = 0  # active reservations not past their expiry date
    reserved: int = 0
    frozen: bool = False

    @property
    def existed(self) -> bool:
        return self.quota_id is not None

    @property
    def vacancy_before(self) -> int:
        return self.approved_before - self.occupied - self.reserved_before

    @property
    def vacancy(self) -> int:
        return self.approved - self.occupied - self.reserved


@dataclass
class SimPost:
    key: str
    title: str
    post_id: int | None = None
    level: str = ""
    rank: str = ""
    approved_before: int | None = None  # None: the post is new
    approved: int = 0
    filled: int = 0


class Simulation:
    """The change set of a matter played on copies of the bodies, quotas and leader posts."""

    def __init__(self, items: list[ChangeItem]) -> None:
        self.items = items
        self.bodies: dict[str, SimBody] = {}
        self.quotas: dict[tuple[str, str], SimQuota] = {}
        self.posts: dict[tuple[str, str], SimPost] = {}
        self.names: dict[str, str] = {}  # names before the change set, supervisors included
        self.order: list[str] = []  # bodies the items affect, in order of first mention
        self.vacancy_before: dict[int, int] = {}  # reservation item → vacancy just before it
        self._load()

    # --- loading ------------------------------------------------------------------------------

    def _load(self) -> None:
        named, ending, provided, merged = set(), set(), set(), set()
        for item in self.items:
            named |= ops.named_ids(item.org_id, item.op, item.params)
            ending |= ops.ended_ids(item.org_id, item.op, item.params)
            if item.op == ops.PROVISION and item.org_id:
                provided.add(item.org_id)
            if item.op == ops.MERGE:
                merged |= set(item.params.get("source_ids") or ())
        # Besides the bodies named: those under a body that ends or gets a new provision
        # (internal bodies end with it, others pass to a merge's successor) and the bodies a
        # merged body supervises.
        query = (
            Q(pk__in=named)
            | Q(parent_id__in=ending | provided, status=ACTIVE)
            | Q(supervisor_id__in=merged, status=ACTIVE)
        )
        for org in Org.objects.filter(query).select_related("supervisor"):
            self.bodies[str(org.pk)] = SimBody.of(org)
            self.names[str(org.pk)] = org.name
            if org.supervisor is not None:
                self.names.setdefault(str(org.supervisor_id), org.supervisor.name)
        ids = [body.org_id for body in self.bodies.values()]
        self._load_quotas(ids)
        for post in LeaderPost.objects.filter(org_id__in=ids):
            self.posts[(str(post.org_id), post.title)] = SimPost(
                key=str(post.org_id),
                title=post.title,
                post_id=post.pk,
                level=post.level,
                rank=post.rank,
                approved_before=post.approved,
                approved=post.approved,
                filled=post.filled,
            )

    def _load_quotas(self, ids: list[int]) -> None:
        # Expired reservations still counted as reserved are released lazily by the next write
        # (staffing.control.release_expired); count them as released already.
        expired = Sum(
            "reservations__remaining",
            filter=Q(
                reservations__status=Reservation.Status.ACTIVE,
                reservations__expires_on__lt=timezone.localdate(),
            ),
        )
        for quota in Quota.objects.filter(org_id__in=ids).annotate(expired=Coalesce(expired, 0)):
            reserved = quota.reserved - quota.expired
            self.quotas[(str(quota.org_id), quota.est_type)] = SimQuota(
                key=str(quota.org_id),
                est_type=quota.est_type,
                quota_id=quota.pk,
                approved_before=quota.approved,
                approved=quota.approved,
                occupied=quota.occupied,
                reserved_before=reserved,
                reserved=reserved,
                frozen=quota.frozen,
            )

    # --- helpers ------------------------------------------------------------------------------

    def name_of(self, key: str | None) -> str:
        if key is None:
            return ""
        body = self.bodies.get(key)
        return body.name if body is not None else self.names.get(key, key)

    def touch(self, body: SimBody) -> None:
        if body.key not in self.order:
            self.order.append(body.key)

    def problem(self, body: SimBody, item: ChangeItem, message: str, message_en: str) -> None:
        body.problems.append(
            Problem(item.seq, f"第 {item.seq} 项：{message}", f"item {item.seq}: {message_en}")
        )

    def get(self, key: str, item: ChangeItem) -> SimBody:
        body = self.bodies.get(key)
        if body is None:
            seq = key.removeprefix("new:")
            name = _("the body set up by item %(seq)s") % {"seq": seq}
            body = SimBody(key=key, org_id=None, seq=None, name=name, status=MISSING)
            self.bodies[key] = body
            self.problem(body, item, f"所指第 {seq} 项没有新设机构", f"item {seq} sets up no body")
        self.touch(body)
        return body

    @staticmethod
    def ref_key(params: dict, id_key: str, ref_key: str) -> str | None:
        if params.get(ref_key):
            return new_key(params[ref_key])
        return str(params[id_key]) if params.get(id_key) else None

    def body(self, item: ChangeItem) -> SimBody | None:
        if item.org_id:
            return self.get(str(item.org_id), item)
        ref = item.params.get("org_ref")
        return self.get(new_key(ref), item) if ref else None

    def active(self, body: SimBody | None, item: ChangeItem) -> bool:
        if body is None:
            return False
        if body.active:
            return True
        if body.status != MISSING:
            self.problem(
                body,
                item,
                f"“{body.name}”已撤销或合并，不能再变更",
                f"{body.name!r} is no longer active",
            )
        return False

    def quota(self, key: str, est_type: str) -> SimQuota:
        found = self.quotas.get((key, est_type))
        if found is None:
            found = SimQuota(key=key, est_type=est_type)
            self.quotas[(key, est_type)] = found
        return found

    def children(self, key: str) -> list[SimBody]:
        return [body for body in self.bodies.values() if body.parent == key and body.active]

    # --- the change set -----------------------------------------------------------------------

    def run(self) -> "Simulation":
        for item in self.items:
            step = STEPS.get(item.op)
            if step is not None:
                step(self, item)
        return self

    def new_body(self, key: str, seq: int, spec: dict, parent: str | None = None) -> SimBody:
        body = SimBody(
            key=key,
            org_id=None,
            seq=seq,
            name=spec.get("name", ""),
            short_name=spec.get("short_name", ""),
            rank=spec.get("rank", ""),
            category=spec.get("category", ""),
            region_code=spec.get("region_code", ""),
            parent=parent or self.ref_key(spec, "parent_id", "parent_ref"),
            supervisor=self.ref_key(spec, "supervisor_id", "supervisor_ref"),
        )
        self.bodies[key] = body
        self.touch(body)
        return body

    def end(self, body: SimBody, status: str, item: ChangeItem) -> None:
        """End a body and its internal bodies; other bodies under it make the service refuse."""
        for child in self.children(body.key):
            if child.category == INTERNAL:
                self.touch(child)
                self.end(child, OrgStatus.ABOLISHED, item)
            else:
                self.problem(
                    body,
                    item,
                    f"“{body.name}”下仍有下属机构“{child.name}”",
                    f"{body.name!r} still has the subordinate body {child.name!r}",
                )
        body.status = status

    def hand_over(self, source: SimBody, successor: SimBody) -> None:
        """A merged body's subordinate and supervised bodies pass to its successor."""
        for child in self.children(source.key):
            if child.category != INTERNAL:
                child.parent = successor.key
                self.touch(child)
        for ward in self.bodies.values():
            if ward.supervisor == source.key and ward.active:
                ward.supervisor = successor.key
                self.touch(ward)


def _establish(sim: Simulation, item: ChangeItem) -> None:
    sim.new_body(new_key(item.seq), item.seq, item.params)


def _abolish(sim: Simulation, item: ChangeItem) -> None:
    body = sim.body(item)
    if sim.active(body, item):
        sim.end(body, OrgStatus.ABOLISHED, item)


def _merge(sim: Simulation, item: ChangeItem) -> None:
    if item.params.get("new"):
        successor = sim.new_body(new_key(item.seq), item.seq, item.params["new"])
    else:
        successor = sim.body(item)
        if not sim.active(successor, item):
            return
    for source_id in item.params.get("source_ids") or ():
        source = sim.get(str(source_id), item)
        if sim.active(source, item):
            sim.hand_over(source, successor)
            sim.end(source, OrgStatus.MERGED, item)


def _split(sim: Simulation, item: ChangeItem) -> None:
    body = sim.body(item)
    if not sim.active(body, item):
        return
    for part, spec in enumerate(item.params.get("into") or (), start=1):
        sim.new_body(new_key(item.seq, part), item.seq, spec)
    sim.end(body, OrgStatus.SPLIT, item)


def _registry(sim: Simulation, item: ChangeItem) -> None:
    body = sim.body(item)
    if not sim.active(body, item):
        return
    params = item.params
    if item.op == ops.RENAME:
        body.name = params["name"]
        body.short_name = params.get("short_name", body.short_name)
    elif item.op == ops.CHANGE_RANK:
        body.rank = params["rank"]
    else:
        body.supervisor = sim.ref_key(params, "supervisor_id", "supervisor_ref")


def _provision(sim: Simulation, item: ChangeItem) -> None:
    """The body's internal bodies become exactly those the provision lists."""
    body = sim.body(item)
    if not sim.active(body, item):
        return
    wanted = item.params.get("internal_bodies") or []
    current = {c.name: c for c in sim.children(body.key) if c.category == INTERNAL}
    for name, child in current.items():
        if name not in wanted:
            sim.touch(child)
            sim.end(child, OrgStatus.ABOLISHED, item)
    for name in wanted:
        if name not in current:
            spec = {"name": name, "category": INTERNAL, "region_code": body.region_code}
            sim.new_body(new_key(item.seq, name), item.seq, spec, parent=body.key)


def _quota(sim: Simulation, item: ChangeItem) -> None:
    body = sim.body(item)
    if not sim.active(body, item):
        return
    params = item.params
    quota = sim.quota(body.key, params["est_type"])
    if item.op == ops.QUOTA_SET:
        quota.approved = params["approved"]
        return
    delta = params["count"] if item.op == ops.QUOTA_RAISE else -params["count"]
    if quota.approved + delta < 0:
        sim.problem(
            body,
            item,
            f"核定 {quota.approved} 名，不能核减 {params['count']} 名",
            f"{quota.approved} approved posts cannot be cut by {params['count']}",
        )
        return
    quota.approved += delta


def _transfer(sim: Simulation, item: ChangeItem) -> None:
    params = item.params
    source = sim.body(item)
    target = sim.get(sim.ref_key(params, "target_id", "target_ref") or "", item)
    if not (sim.active(source, item) and sim.active(target, item)):
        return
    out = sim.quota(source.key, params["est_type"])
    into = sim.quota(target.key, params["est_type"])
    if out.approved < params["count"]:
        sim.problem(
            source,
            item,
            f"“{source.name}”仅核定 {out.approved} 名，不能划出 {params['count']} 名",
            f"{source.name!r} has only {out.approved} approved posts",
        )
        return
    out.approved -= params["count"]
    into.approved += params["count"]


def _leader_post(sim: Simulation, item: ChangeItem) -> None:
    body = sim.body(item)
    if not sim.active(body, item):
        return
    params = item.params
    post = sim.posts.get((body.key, params["title"]))
    if post is None:
        post = SimPost(key=body.key, title=params["title"])
        sim.posts[(body.key, params["title"])] = post
    post.level, post.rank, post.approved = params["level"], params["rank"], params["approved"]


def _reservation(sim: Simulation, item: ChangeItem) -> None:
    body = sim.body(item)
    if not sim.active(body, item):
        return
    params = item.params
    quota = sim.quota(body.key, params["est_type"])
    sim.vacancy_before[item.seq] = quota.vacancy
    if quota.frozen:
        sim.problem(body, item, "该类编制已冻结，不能预留", "these posts are frozen")
    elif quota.vacancy < params["count"]:
        vacant = max(quota.vacancy, 0)
        sim.problem(
            body,
            item,
            f"空编仅 {vacant} 名，不能预留 {params['count']} 名",
            f"{vacant} vacant posts, cannot reserve {params['count']}",
        )
    else:
        quota.reserved += params["count"]


STEPS = {
    ops.ESTABLISH: _establish,
    ops.ABOLISH: _abolish,
    ops.MERGE: _merge,
    ops.SPLIT: _split,
    ops.RENAME: _registry,
    ops.CHANGE_RANK: _registry,
    ops.CHANGE_SUPERVISOR: _registry,
    ops.PROVISION: _provision,
    ops.QUOTA_SET: _quota,
    ops.QUOTA_RAISE: _quota,
    ops.QUOTA_CUT: _quota,
    ops.QUOTA_TRANSFER: _transfer,
    ops.LEADER_POST_SET: _leader_post,
    ops.RESERVATION_CREATE: _reservation,
}

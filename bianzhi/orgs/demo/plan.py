"""The plan of a demo province: which bodies, where, with which history — nothing is written.

:func:`build_plan` gives every division a :class:`PlacePlan`, a lazy stream of :class:`Body`
in priority order (core templates, their internal bodies, the other templates, townships,
numbered schools and hospitals, remaining internal bodies), and shares the requested count over
the divisions by level weight until each stream runs out.  It then plans the history as
:class:`Event` (renames, merges and absorptions, 加挂牌子, 三定 provisions, rank changes) and
assigns deterministic credit codes.  Every random choice comes from a ``random.Random`` seeded
with the seed (per division, plus one for the history), so the same seed and region table give
the same plan.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from bianzhi.core.identifiers import make_credit_code

from ..models import Org
from ..validation import INSTITUTION, INTERNAL
from .catalogue import (
    ALIASES,
    CORE,
    DEPARTMENTS,
    FUNCTIONS,
    HOSPITAL_INTERNAL,
    INSTITUTIONS,
    MERGED_SUCCESSORS,
    MERGES,
    RANK_UP,
    SCHOOL_INTERNAL,
    TEMPLATES,
    TOWN_DISPATCHED,
    TOWN_FIRST,
    TOWN_FORMER,
    TOWN_SECOND,
    Tpl,
    cn_number,
    town_kinds,
)
from .places import DemoError, Place, province_places

D = datetime.date
WEIGHTS = {1: 12, 2: 5, 3: 1}  # share of the bodies per province / prefecture / county
RENAME_SHARE = 0.02
ORGAN_CATEGORIES = {"party", "gov", "npc", "cppcc", "democratic", "court", "procuratorate"}


@dataclass(eq=False, slots=True)
class Body:
    """One planned body; `former` is the name it had before a planned rename."""

    name: str
    category: str
    place: Place
    key: str = ""  # template key, or '' for generated bodies
    subcategory: str = ""
    rank: str = ""
    pi_class: str = ""
    funding_form: str = ""
    short_name: str = ""
    former: str = ""
    former_short: str = ""
    parent: Body | None = None
    supervisor: Body | None = None
    seq: int = -1
    credit_code: str | None = None
    renamed: bool = False
    via_provision: bool = False
    by_event: bool = False
    busy: bool = False
    org: Org | None = None

    @property
    def first_name(self) -> str:
        return self.former if self.renamed else self.name

    @property
    def first_short(self) -> str:
        return self.former_short if self.renamed else self.short_name


@dataclass
class Event:
    kind: str  # alias, provision, rename, rank, merge, absorb
    date: datetime.date
    bodies: list[Body]
    text: str = ""
    functions: list[str] = field(default_factory=list)
    successor: Body | None = None


class PlacePlan:
    """The bodies planned for one division, drawn lazily from a stream in priority order."""

    def __init__(self, place: Place, seed: int) -> None:
        self.place = place
        self.rng = random.Random(f"{seed}/{place.code}")  # nosec B311  # demo data, not security
        self.names: set[str] = set()
        self.by_key: dict[str, Body] = {}
        self.bodies: list[Body] = []
        self.events: list[Event] = []
        self.exhausted = False
        self.pending: dict[int, list[str]] = {}  # id(body) → internal stems not yet used
        self.established_on = self._establishment_date()
        self._stream = self._generate()

    def _establishment_date(self) -> datetime.date:
        start = {1: D(2019, 3, 1), 2: D(2019, 3, 1), 3: D(2019, 3, 15)}[self.place.level]
        offset = 0 if self.place.level == 1 else self.rng.randint(0, 30)
        return max(start + datetime.timedelta(days=offset), self.place.valid_from)

    def take(self, count: int) -> int:
        got = 0
        while got < count and not self.exhausted:
            body = next(self._stream, None)
            if body is None:
                self.exhausted = True
            else:
                self.bodies.append(body)
                got += 1
        return got

    def reserve(self, name: str) -> bool:
        if not name or name in self.names:
            return False
        self.names.add(name)
        return True

    # making bodies

    def _fmt(self, text: str, **extra) -> str:
        return text.format(**self.place.words, **extra) if text else ""

    def from_template(self, tpl: Tpl) -> Body | None:
        level = self.place.level - 1
        name, former = self._fmt(tpl.names[level]), self._fmt(tpl.former[level])
        if not self.reserve(name):
            return None
        if former and not self.reserve(former):
            former = ""
        body = Body(
            name=name,
            category=tpl.category,
            place=self.place,
            key=tpl.key,
            subcategory=tpl.subcategory,
            rank=tpl.ranks[level],
            pi_class=tpl.pi_class,
            funding_form=tpl.funding,
            short_name=self._fmt(tpl.short[0]),
            former=former,
            former_short=self._fmt(tpl.short[1]) if former else "",
            supervisor=self.by_key.get(tpl.supervisor),
        )
        self.by_key[tpl.key] = body
        self.pending[id(body)] = [self._fmt(stem) for stem in tpl.internal]
        return body

    def internal(self, parent: Body, count: int) -> Iterator[Body]:
        stems = self.pending.get(id(parent), [])
        taken, self.pending[id(parent)] = stems[:count], stems[count:]
        rank = ("division", "section", "unit")[self.place.level - 1]
        if parent.category == INSTITUTION:
            rank = ""
        for stem in taken:
            name = parent.name + stem
            if self.reserve(name):
                former = parent.former + stem if parent.former else ""
                if former:
                    self.reserve(former)
                yield Body(name, INTERNAL, self.place, rank=rank, parent=parent, former=former)

    def generated(self, name: str, supervisor: str, pi_class: str, funding: str) -> Body | None:
        if not self.reserve(name):
            return None
        body = Body(name, INSTITUTION, self.place, pi_class=pi_class, funding_form=funding)
        body.supervisor = self.by_key.get(supervisor)
        self.pending[id(body)] = []
        return body

    # the stream, in priority order

    def _generate(self) -> Iterator[Body]:
        first_share = 1.0 if self.place.level < 3 else 0.0
        yield from self._templates(CORE[:2], internal_share=first_share, most=3)
        yield from self._templates(CORE[2:], internal_share=0.0)
        yield from self._core_internal()
        rest = [tpl.key for tpl in DEPARTMENTS + INSTITUTIONS if tpl.key not in CORE]
        yield from self._templates(rest, internal_share=0.5)
        if self.place.level == 3:
            yield from self._townships()
        yield from self._numbered()
        for body in list(self.bodies):
            yield from self.internal(body, 99)

    def _templates(self, keys, internal_share: float, most: int = 5) -> Iterator[Body]:
        for key in keys:
            body = self.from_template(TEMPLATES[key])
            if body is None:
                continue
            yield body
            if body.category != INSTITUTION and self.rng.random() < internal_share:
                yield from self.internal(body, self.rng.randint(2, most))

    def _core_internal(self) -> Iterator[Body]:
        for body in list(self.bodies):
            if body.category != INSTITUTION and self.rng.random() < 0.6:
                yield from self.internal(body, self.rng.randint(2, 5))

    def _township_names(self) -> list[str]:
        count = self.rng.randint(18, 32)
        district = self.place.name.endswith("区")
        names: list[str] = []
        while len(names) < count:
            first, second = self.rng.choice(TOWN_FIRST), self.rng.choice(TOWN_SECOND)
            kind = self.rng.random()
            suffix = (
                ("街道" if kind < 0.6 else "镇") if district else ("镇" if kind < 0.85 else "乡")
            )
            name = first + second + suffix
            if first != second and name not in names:
                names.append(name)
        return names

    def _townships(self) -> Iterator[Body]:
        for town in self._township_names():
            for fmt, sup, pi_class, funding, stems in town_kinds(town):
                body = self.generated(self._fmt(fmt, t=town), sup, pi_class, funding)
                if body is not None:
                    body.rank = ""
                    self.pending[id(body)] = list(stems)
                    self._town_former(body)
                    yield body
                    yield from self.internal(body, len(stems))
            yield from self._dispatched(town)

    def _town_former(self, body: Body) -> None:
        for suffix, old in TOWN_FORMER.items():
            if body.name.endswith(suffix):
                former = body.name.removesuffix(suffix) + old
                body.former = former if self.reserve(former) else ""

    def _dispatched(self, town: str) -> Iterator[Body]:
        for fmt, parent_key in TOWN_DISPATCHED:
            parent = self.by_key.get(parent_key)
            name = self._fmt(fmt, t=town)
            if parent is not None and self.reserve(name):
                yield Body(name, "dispatched", self.place, rank="vice_section", parent=parent)

    def _numbered(self) -> Iterator[Body]:
        """Numbered schools and hospitals, once the real structure is used up."""
        if self.place.level == 1:
            return
        kinds = [
            ("{r}第{n}中学", "education", "public1", "full", SCHOOL_INTERNAL, 2, 60),
            ("{r}第{n}小学", "education", "public1", "full", SCHOOL_INTERNAL[1:], 1, 25),
            ("{r}第{n}幼儿园", "education", "public1", "full", (), 1, 15),
            ("{r}第{n}人民医院", "health", "public2", "partial", HOSPITAL_INTERNAL, 3, 10),
        ]
        for fmt, sup, pi_class, funding, stems, low, high in kinds:
            if self.place.level == 3:
                high = min(high, self.rng.randint(low + 6, low + 18))
            for n in range(low, high + 1):
                body = self.generated(self._fmt(fmt, n=cn_number(n)), sup, pi_class, funding)
                if body is not None:
                    body.rank = ""
                    self.pending[id(body)] = [self._fmt(stem) for stem in stems]
                    yield body
                    yield from self.internal(body, len(stems))


@dataclass
class Plan:
    province: Place
    seed: int
    places: list[PlacePlan]

    @property
    def bodies(self) -> list[Body]:
        return [body for place in self.places for body in place.bodies]

    def names(self) -> list[tuple[str, str]]:
        """(region code, final name) of every planned body, in plan order."""
        return [(body.place.code, body.name) for body in self.bodies]

    def events(self) -> list[Event]:
        return [event for place in self.places for event in place.events]

    def place_of(self, body: Body) -> PlacePlan:
        return next(place for place in self.places if place.place is body.place)


def _shares(places: list[PlacePlan], total: int) -> list[int]:
    """Split `total` over the places by level weight (largest remainder)."""
    weights = [WEIGHTS[place.place.level] for place in places]
    whole = sum(weights)
    raw = [total * weight / whole for weight in weights]
    shares = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _allocate(places: list[PlacePlan], total: int) -> None:
    remaining, open_places = total, list(places)
    while remaining > 0 and open_places:
        for place, share in zip(open_places, _shares(open_places, remaining), strict=True):
            remaining -= place.take(share)
        open_places = [place for place in open_places if not place.exhausted]
    if remaining:
        raise DemoError(
            f"the province can hold only {total - remaining} plausible bodies; ask for fewer"
        )


def build_plan(province_code: str, count: int, seed: int) -> Plan:
    """Plan `count` bodies (internal bodies included) and their history; nothing is written."""
    if count < 1:
        raise DemoError("the number of bodies must be positive")
    places = [PlacePlan(place, seed) for place in province_places(province_code)]
    if len(places) == 1:
        raise DemoError(f"{places[0].place.name} has no current subdivisions in GB/T 2260")
    plan = Plan(province=places[0].place, seed=seed, places=places)
    _allocate(places, count)
    rng = random.Random(f"{seed}/events")  # nosec B311  # demo data, not security
    _plan_history(plan, rng, count)
    _assign_codes(plan)
    return plan


# --- history ------------------------------------------------------------------------------------


def _after(place: PlacePlan, low: int, high: int, rng: random.Random) -> datetime.date | None:
    day = place.established_on + datetime.timedelta(days=rng.randint(low, high))
    return day if day <= timezone.localdate() else None


def _plan_history(plan: Plan, rng: random.Random, count: int) -> None:
    _plan_merges(plan, rng)
    _plan_renames(plan, rng, max(1, round(count * RENAME_SHARE)))
    _plan_aliases(plan, rng, 3)
    _plan_provisions(plan, rng, 5)
    _plan_rank_changes(plan, rng, 2)
    for place in plan.places:
        place.events.sort(key=lambda event: event.date)


def _plan_renames(plan: Plan, rng: random.Random, target: int) -> None:
    candidates = [b for b in plan.bodies if b.former and b.category != INTERNAL and not b.busy]
    rng.shuffle(candidates)
    children = defaultdict(list)
    for body in plan.bodies:
        if body.parent is not None and body.category == INTERNAL and body.former:
            children[id(body.parent)].append(body)
    done = 0
    for body in candidates:
        if done >= target:
            break
        place = plan.place_of(body)
        day = _after(place, 120, 600, rng)
        if day is None:
            continue
        group = [body, *children[id(body)]]
        for member in group:
            member.renamed = member.busy = True
        place.events.append(Event("rename", day, group))
        done += len(group)


def _plan_aliases(plan: Plan, rng: random.Random, limit: int) -> None:
    found = []
    for place in plan.places:
        for key, fmt in ALIASES:
            body = place.by_key.get(key)
            if body is not None and body in place.bodies:
                found.append((key != "foreign", rng.random(), place, body, fmt))
    found.sort(key=lambda item: item[:2])
    for _, _, place, body, fmt in found[:limit]:
        alias = place._fmt(fmt)
        if place.reserve(alias):
            body.busy = True
            place.events.append(Event("alias", place.established_on, [body], text=alias))


def _plan_provisions(plan: Plan, rng: random.Random, limit: int) -> None:
    children = defaultdict(list)
    for body in plan.bodies:
        if body.category == INTERNAL:
            children[id(body.parent)].append(body)
    found = [
        (not children[id(b)], rng.random(), b)
        for b in plan.bodies
        if b.key in FUNCTIONS and not b.by_event
    ]
    found.sort(key=lambda item: item[:2])
    for _, _, body in found[:limit]:
        place = plan.place_of(body)
        day = _after(place, 30, 90, rng)
        if day is None:
            continue
        texts = FUNCTIONS[body.key]
        items = [text.format(a=place.place.name[-1]) for text in texts]
        k = rng.randint(5, 8)
        for child in children[id(body)]:
            child.via_provision = child.busy = True
        body.busy = True
        place.events.append(Event("provision", day, [body], functions=items[: k - 1] + items[-1:]))


def _plan_rank_changes(plan: Plan, rng: random.Random, limit: int) -> None:
    found = [
        b
        for b in plan.bodies
        if b.category == "gov" and b.rank in RANK_UP and b.place.level > 1 and not b.by_event
    ]
    for body in rng.sample(found, min(limit, len(found))):
        place = plan.place_of(body)
        day = _after(place, 640, 760, rng)
        if day is not None:
            body.busy = True
            place.events.append(Event("rank", day, [body], text=RANK_UP[body.rank]))


def _merge_candidates(plan: Plan, rng: random.Random) -> list[tuple]:
    found = []
    for place in plan.places:
        for kind, keys, successor in MERGES:
            sources = [place.by_key.get(key) for key in keys]
            if all(s is not None and s in place.bodies and not s.busy for s in sources):
                found.append((rng.random(), place, kind, sources, successor))
    found.sort(key=lambda item: item[0])
    return found


def _plan_merges(plan: Plan, rng: random.Random) -> None:
    """About five merges in distinct divisions: three 'A + B → new C' and two absorptions."""
    wanted = {"merge": 3, "absorb": 2}
    used: set[str] = set()
    for _, place, kind, sources, successor_key in _merge_candidates(plan, rng):
        day = _after(place, 1100, 1500, rng)
        if wanted[kind] == 0 or place.place.code in used or day is None:
            continue
        event = Event(kind, day, sources)
        if kind == "merge":
            event.successor = _merge_successor(plan, place, successor_key)
            if event.successor is None:
                continue
        for source in sources:
            source.busy = True
        wanted[kind] -= 1
        used.add(place.place.code)
        place.events.append(event)


def _merge_successor(plan: Plan, place: PlacePlan, key: str) -> Body | None:
    successor = place.from_template(MERGED_SUCCESSORS[key])
    if successor is None:
        return None
    successor.by_event = successor.busy = True
    if successor.supervisor is not None:
        successor.supervisor.busy = True
    if not _trim_one(plan):
        return None
    place.bodies.append(successor)
    return successor


def _trim_one(plan: Plan) -> bool:
    """Drop the last free body of the largest division, to make room for a merge successor."""
    referenced = {id(b.parent) for b in plan.bodies} | {id(b.supervisor) for b in plan.bodies}
    for place in sorted(plan.places, key=lambda p: -len(p.bodies)):
        for body in reversed(place.bodies):
            if not body.busy and id(body) not in referenced:
                place.bodies.remove(body)
                return True
    return False


def _credit_category(body: Body) -> str | None:
    if body.category == INTERNAL:
        return None
    if body.category == INSTITUTION:
        return "2"
    return "1" if body.category in ORGAN_CATEGORIES | {"dispatched"} else "9"


def _assign_codes(plan: Plan) -> None:
    """Deterministic organisation codes: an affine map of the sequence number modulo 10⁸ (a
    bijection, so codes never repeat within a province) wrapped in a valid credit code."""
    for seq, body in enumerate(plan.bodies):
        body.seq = seq
        category = _credit_category(body)
        if category is not None:
            org_code = (seq * 7_777_777 + plan.seed * 1_000_003 + 10_203_040) % 100_000_000
            body.credit_code = make_credit_code("1", category, body.place.code, f"{org_code:08d}")

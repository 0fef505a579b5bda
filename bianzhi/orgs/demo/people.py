"""People for the demo province (`bianzhi demo --people M`): quotas, leader posts, persons on
posts, a few cuts below occupation and a retirement cohort.

:func:`plan_people` reads the active bodies of the province (internal bodies excluded) and plans,
with ``random.Random`` seeded from the seed and Faker ``zh_CN`` seeded likewise, so the same seed
and registry give the same people (the day it runs matters only for who is near retirement):

* **quotas** by category — organs ``admin``, courts and procuratorates ``political_legal``,
  institutions ``inst_full`` / ``inst_partial`` / ``inst_self`` after their funding form (参公
  when they carry administrative functions), plus ``worker`` posts in some bodies.  Relative
  sizes are drawn from plausible ranges by level and kind (``SIZES``: a province bureau 40–120,
  a city one 15–60, a county one 8–30, a middle school 50–120, …) and then multiplied by one
  factor so that the ``M`` people fit; the factor is ``PeoplePlan.scale`` (about 20 people per
  body gives the plausible sizes themselves; ``--orgs 2000 --people 3000`` gives bodies of one
  to a dozen posts);
* **occupation**: ~70 % of bodies are filled to 85–100 %, ~20 % to 40–85 % and ~10 % stay
  vacant; the planned occupants are then balanced so that exactly ``M`` people hold a post;
* **leader posts** (领导职数): one principal and two to four deputies (at most a third of the
  body's posts), titled after the body (局长/副局长, 主任/副主任, 校长/副校长, 书记/副书记, …);
  the principal (93 %) and deputies (at most half of the other occupants) are appointed from the
  body's occupants;
* **people**: valid, unique resident IDs (GB 11643) from the body's county code, born 1962–2002,
  with a cohort of about 3 % (the first person always) born 1964–1966 (men) or 1970–1971 (women
  cadres) who are past or within twelve months of their statutory retirement month; everybody
  else is more than twelve months from it.  Entry ways are weighted by the kind of post (考录
  for civil servants, 公开招聘 for institutions, 军转安置 and 调任 for both, …);
* **cuts** (核减): about 3 % of the occupied quotas are cut below their occupation shortly
  before today, leaving those bodies over quota (超编).

:func:`load_people` writes the plan one division per transaction through the services
(``staffing.services.quota_set`` / ``leader_post_set`` / ``quota_adjust`` and
``personnel.services.person_register`` / ``assignment_onboard`` / ``leader_appoint``, actor
``None``), so journal, ledgers and counters are what a clerk would leave.

``fast=True`` is the bulk path for large ``M``: quotas with their ``set`` ledger row, leader
posts, persons, assignments and leader tenures are written with ``bulk_create`` together with
the journal entries the services write (same actions and payloads); then the counters
(``Quota.occupied``, ``LeaderPost.filled``) are set from the rows just written with one
correlated ``UPDATE`` per division and table.  The cuts still go through ``quota_adjust``.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from faker import Faker

from bianzhi.core.documents import document_register
from bianzhi.core.identifiers import ric_check_digit
from bianzhi.core.models import Document, JournalEntry
from bianzhi.personnel import services as personnel
from bianzhi.personnel.models import Assignment, LeaderTenure, Person
from bianzhi.personnel.retirement import YearMonth, category_for, statutory_retirement
from bianzhi.staffing import services as staffing
from bianzhi.staffing.models import LeaderPost, Quota, QuotaChange

from ..models import Org, OrgStatus
from ..validation import INSTITUTION, INTERNAL
from .places import Place, committee_of, province_places

POLITICAL_LEGAL = {"court", "procuratorate"}
INSTITUTION_TYPES = {"full": "inst_full", "partial": "inst_partial", "self": "inst_self"}
# (low, high) plausible approved posts of the main type at province / prefecture / county level
SIZES = {
    "organ": ((40, 120), (15, 60), (8, 30)),
    "court": ((150, 300), (80, 200), (40, 100)),
    "middle_school": ((50, 120), (50, 120), (40, 100)),
    "school": ((30, 90), (30, 90), (25, 70)),
    "kindergarten": ((15, 40), (15, 40), (10, 30)),
    "hospital": ((150, 400), (120, 350), (80, 250)),
    "clinic": ((20, 60), (20, 60), (15, 45)),
    "town": ((3, 12), (3, 12), (3, 12)),
    "institution": ((20, 80), (10, 40), (5, 20)),
}
KIND_SUFFIXES = (
    ("中学", "middle_school"),
    ("小学", "school"),
    ("学校", "school"),
    ("幼儿园", "kindergarten"),
    ("医院", "hospital"),
    ("卫生院", "clinic"),
    ("社区卫生服务中心", "clinic"),
)
TITLES = (
    ("政法委员会", "书记"),
    ("纪律检查委员会", "书记"),
    ("办公厅", "主任"),
    ("办公室", "主任"),
    ("委员会", "主任"),
    ("检察院", "检察长"),
    ("法院", "院长"),
    ("医院", "院长"),
    ("卫生院", "院长"),
    ("学校", "校长"),
    ("中学", "校长"),
    ("小学", "校长"),
    ("幼儿园", "园长"),
    ("联合会", "主席"),
    ("总工会", "主席"),
    ("厅", "厅长"),
    ("局", "局长"),
    ("部", "部长"),
    ("站", "站长"),
    ("所", "所长"),
    ("馆", "馆长"),
    ("队", "队长"),
    ("院", "院长"),
    ("社", "社长"),
    ("台", "台长"),
)
RANK_BANDS = {
    "ministry": ("ministry", "vice_ministry"),
    "vice_ministry": ("vice_ministry", "bureau"),
    "bureau": ("bureau", "vice_bureau"),
    "vice_bureau": ("vice_bureau", "division"),
    "division": ("division", "vice_division"),
    "vice_division": ("vice_division", "section"),
    "section": ("section", "vice_section"),
    "vice_section": ("vice_section", "unit"),
}
# fill class, share of bodies, fill ratio range
FILL_CLASSES = (("full", 0.70, 0.85, 1.00), ("partial", 0.20, 0.40, 0.85), ("vacant", 0.10, 0, 0))
EXPECTED_FILL = sum(share * (low + high) / 2 for _, share, low, high in FILL_CLASSES)
ENTRY_WAYS = {
    "civil": {
        "exam": 55,
        "transfer_in": 12,
        "rotation": 8,
        "selection": 7,
        "military": 8,
        "graduate_selection": 6,
        "other": 4,
    },
    "institution": {"open_recruit": 70, "transfer_in": 15, "military": 5, "other": 10},
    "worker": {"open_recruit": 55, "military": 20, "transfer_in": 15, "other": 10},
}
BIRTH_YEARS = {"principal": (1966, 1980), "deputy": (1968, 1988), "": (1962, 2002)}
COHORT_SHARE = 0.03
CUT_SHARE = 0.03
NEAR_MONTHS = 12


# --- the plan -----------------------------------------------------------------------------------


@dataclass(eq=False)
class Recruit:
    """One person to register and put on a post; `role` is '', 'principal' or 'deputy'."""

    resident_id: str
    name: str
    gender: str
    birth_date: datetime.date
    cadre: bool
    start_date: datetime.date
    entry_way: str
    role: str = ""
    ethnicity: str = "汉族"
    political_status: str = ""
    education: str = ""
    person: Person | None = None
    assignment: Assignment | None = None


@dataclass(eq=False)
class QuotaPlan:
    est_type: str
    base: float
    civil_servant_managed: bool = False
    approved: int = 0
    fill: int = 0
    cut: int = 0  # negative: the 核减 planned below occupation
    recruits: list[Recruit] = field(default_factory=list)
    quota: Quota | None = None


@dataclass(eq=False)
class BodyPlan:
    org: Org
    place: Place
    fill_class: str
    ratio: float
    quotas: list[QuotaPlan]
    title: str = "主任"
    deputies: int = 0
    posts: dict[str, LeaderPost] = field(default_factory=dict)

    @property
    def main(self) -> QuotaPlan:
        return self.quotas[0]


@dataclass
class PeoplePlan:
    province: Place
    seed: int
    count: int
    today: datetime.date
    bodies: list[BodyPlan]
    scale: float = 1.0

    @property
    def quotas(self) -> list[QuotaPlan]:
        return [quota for body in self.bodies for quota in body.quotas]

    @property
    def recruits(self) -> list[Recruit]:
        return [recruit for quota in self.quotas for recruit in quota.recruits]

    def by_region(self) -> Iterator[tuple[Place, list[BodyPlan]]]:
        groups: dict[str, list[BodyPlan]] = defaultdict(list)
        for body in self.bodies:
            groups[body.place.code].append(body)
        for bodies in groups.values():
            yield bodies[0].place, bodies


def _kind(org: Org, place: Place) -> str:
    if org.category in POLITICAL_LEGAL:
        return "court"
    if org.category != INSTITUTION:
        return "organ"
    kind = next((kind for suffix, kind in KIND_SUFFIXES if org.name.endswith(suffix)), "")
    if kind:
        return kind
    township = "街道" in org.name or "镇" in org.name or "乡" in org.name.replace("城乡", "")
    return "town" if place.level == 3 and township else "institution"


def _main_type(org: Org) -> str:
    if org.category in POLITICAL_LEGAL:
        return "political_legal"
    if org.category == INSTITUTION:
        return INSTITUTION_TYPES.get(org.funding_form, "inst_full")
    return "admin"


def _title(name: str) -> str:
    if name.startswith("共青团"):
        return "书记"
    return next((title for suffix, title in TITLES if name.endswith(suffix)), "主任")


def _fill_class(rng: random.Random) -> tuple[str, float]:
    draw = rng.random()
    for name, share, low, high in FILL_CLASSES:
        if draw < share:
            return name, rng.uniform(low, high)
        draw -= share
    return "vacant", 0.0


def _body(org: Org, place: Place, rng: random.Random) -> BodyPlan:
    kind = _kind(org, place)
    low, high = SIZES[kind][place.level - 1]
    quotas = [
        QuotaPlan(
            _main_type(org),
            rng.uniform(low, high),
            civil_servant_managed=org.category == INSTITUTION and org.pi_class == "administrative",
        )
    ]
    if rng.random() < (0.5 if kind in ("organ", "court") else 0.3):
        quotas.append(QuotaPlan("worker", max(1.0, rng.uniform(low, high) * 0.08)))
    fill_class, ratio = _fill_class(rng)
    return BodyPlan(org, place, fill_class, ratio, quotas, title=_title(org.name))


def _size(bodies: list[BodyPlan], count: int, rng: random.Random) -> float:
    """Scale the plausible sizes by one factor so that `count` people fit; set the fills."""
    expected = sum(quota.base for body in bodies for quota in body.quotas) * EXPECTED_FILL
    scale = count / expected if expected else 1.0
    for body in bodies:
        for i, quota in enumerate(body.quotas):
            quota.approved = max(1 if i == 0 else 0, round(quota.base * scale))
            quota.fill = min(quota.approved, round(quota.approved * body.ratio))
        body.quotas = [quota for quota in body.quotas if quota.approved]
        body.deputies = min(rng.randint(2, 4), (body.main.approved + 1) // 3)
    _balance(bodies, count, rng)
    return scale


def _balance(bodies: list[BodyPlan], count: int, rng: random.Random) -> None:
    """Add or remove planned occupants (partly filled bodies first) until exactly `count`."""
    order = []
    for fill_class in ("partial", "full"):
        quotas = [q for b in bodies if b.fill_class == fill_class for q in b.quotas]
        rng.shuffle(quotas)
        order += quotas
    order = order or [quota for body in bodies for quota in body.quotas]
    diff = count - sum(quota.fill for quota in order)
    while diff < 0:
        for quota in order:
            if diff < 0 and quota.fill > 0:
                quota.fill, diff = quota.fill - 1, diff + 1
    while diff > 0:
        grown = False
        for quota in order:
            if diff > 0 and quota.fill < quota.approved:
                quota.fill, diff, grown = quota.fill + 1, diff - 1, True
        if not grown:  # no room left anywhere: raise the approved posts of the busiest
            for quota in order[:diff]:
                quota.approved, quota.fill = quota.approved + 1, quota.fill + 1
            diff -= min(diff, len(order))


def _cuts(bodies: list[BodyPlan], rng: random.Random) -> None:
    """Cut about 3 % of the occupied quotas (at least one) below their occupation."""
    filled = [q for b in bodies if b.fill_class != "vacant" for q in b.quotas if q.fill > 0]
    filled = filled or [q for b in bodies for q in b.quotas if q.fill > 0]
    for quota in rng.sample(filled, min(len(filled), max(1, round(len(filled) * CUT_SHARE)))):
        target = quota.fill - rng.randint(1, max(1, quota.fill // 4))
        quota.cut = target - quota.approved


# --- persons ------------------------------------------------------------------------------------


def _day(rng: random.Random, low: datetime.date, high: datetime.date) -> datetime.date:
    return low + datetime.timedelta(days=rng.randint(0, max(0, (high - low).days)))


def _years(rng: random.Random, low: int, high: int) -> datetime.date:
    return _day(rng, datetime.date(low, 1, 1), datetime.date(high, 12, 31))


class People:
    """Draws persons: identity, age, entry; unique resident IDs over the whole plan."""

    def __init__(self, places: list[Place], seed: int, today: datetime.date) -> None:
        self.rng = random.Random(f"{seed}/people/persons")  # nosec B311  # demo data, not security
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self.today = today
        self.horizon = YearMonth.of(today) + NEAR_MONTHS
        self.used: set[str] = set()
        self.cohort = 0
        counties = [place.code for place in places if place.level == 3]
        self.counties = {
            place.code: [c for c in counties if c.startswith(_prefix(place))] or [place.code]
            for place in places
        }

    def resident_id(self, place: Place, birth: datetime.date, gender: str) -> str:
        region = self.rng.choice(self.counties[place.code])
        seq = self.rng.randrange(1, 998)
        if (seq % 2 == 1) != (gender == "M"):
            seq += 1
        while (body := f"{region}{birth:%Y%m%d}{seq:03d}") in self.used:
            seq = seq + 2 if seq + 2 < 1000 else (1 if gender == "M" else 2)
        self.used.add(body)
        return body + ric_check_digit(body)

    def identity(self, role: str, cadre: bool, male_share: float) -> tuple[str, datetime.date]:
        """Gender and birth date: the cohort is past or near retirement, the rest are not."""
        rng = self.rng
        if rng.random() < COHORT_SHARE or not self.cohort:  # the first person is in the cohort
            self.cohort += 1
            if cadre and rng.random() < 0.4:
                return "F", _years(rng, 1970, 1971)
            return "M", _years(rng, 1964, 1966)
        for _ in range(50):
            gender = "M" if rng.random() < male_share else "F"
            birth = _years(rng, *BIRTH_YEARS[role])
            retires = statutory_retirement(birth, category_for(gender, cadre=cadre)).month
            if retires > self.horizon:
                break
        return gender, birth

    def recruit(self, body: BodyPlan, quota: QuotaPlan, role: str) -> Recruit:
        rng, cadre = self.rng, quota.est_type != "worker"
        male_share = 0.6 if body.org.category != INSTITUTION else 0.45
        gender, birth = self.identity(role, cadre, male_share)
        earliest = max(body.org.established_on, _add_years(birth, 21))
        start = _day(rng, earliest, self.today - datetime.timedelta(days=60))
        return Recruit(
            resident_id=self.resident_id(body.place, birth, gender),
            name=self.faker.name_male() if gender == "M" else self.faker.name_female(),
            gender=gender,
            birth_date=birth,
            cadre=cadre,
            start_date=start,
            entry_way=_entry_way(rng, quota),
            role=role,
            ethnicity="汉族" if rng.random() < 0.97 else rng.choice(("回族", "满族", "蒙古族")),
            political_status=self._political(birth, body.org.category != INSTITUTION),
            education=rng.choices(("硕士研究生", "大学本科", "大学专科"), (2, 13, 3))[0],
        )

    def _political(self, birth: datetime.date, organ: bool) -> str:
        draw = self.rng.random()
        if draw < (0.75 if organ else 0.45):
            return "中共党员"
        young = (self.today - birth).days < 28 * 365
        return "共青团员" if young and draw < 0.9 else "群众"


def _prefix(place: Place) -> str:
    return place.code[: 2 * place.level]


def _add_years(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def _entry_way(rng: random.Random, quota: QuotaPlan) -> str:
    group = "worker" if quota.est_type == "worker" else "institution"
    if quota.est_type in ("admin", "political_legal") or quota.civil_servant_managed:
        group = "civil"
    ways = ENTRY_WAYS[group]
    return rng.choices(list(ways), list(ways.values()))[0]


def _roles(body: BodyPlan, rng: random.Random) -> list[str]:
    """Roles of the main quota's occupants in order: principal, deputies, then staff."""
    fill = body.main.fill
    principal = ["principal"] if fill and rng.random() < 0.93 else []
    deputies = min(body.deputies - (rng.random() < 0.3), (fill - 1) // 2)
    roles = principal + ["deputy"] * max(0, deputies)
    return roles + [""] * (fill - len(roles))


def _recruits(bodies: list[BodyPlan], people: People, rng: random.Random) -> None:
    for body in bodies:
        for quota in body.quotas:
            roles = _roles(body, rng) if quota is body.main else [""] * quota.fill
            quota.recruits = [people.recruit(body, quota, role) for role in roles]


def plan_people(province_code: str, count: int, seed: int) -> PeoplePlan:
    """Plan quotas, leader posts, `count` persons on posts and a few cuts; nothing is written."""
    places = province_places(province_code)
    by_code = {place.code: place for place in places}
    orgs = (
        Org.objects.filter(region_code__in=by_code, status=OrgStatus.ACTIVE)
        .exclude(category=INTERNAL)
        .order_by("region_code", "name")
    )
    rng = random.Random(f"{seed}/people")  # nosec B311  # demo data, not security
    bodies = [_body(org, by_code[org.region_code], rng) for org in orgs]
    today = timezone.localdate()
    plan = PeoplePlan(by_code[province_code], seed, count, today, bodies)
    if bodies and count > 0:
        plan.scale = _size(bodies, count, rng)
        _recruits(bodies, People(places, seed, today), rng)
        _cuts(bodies, rng)
    return plan


# --- writing ------------------------------------------------------------------------------------


class _Documents:
    """The documents the people cite: the 编办's quota, entry and cut notices and the
    organisation department's appointment notices; numbers run per issuer and year."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.numbers: dict[tuple[str, int], int] = defaultdict(int)
        self.made: dict[tuple, Document] = {}

    def get(self, place: Place, kind: str, day: datetime.date) -> Document:
        key = (place.code, kind, day if kind in ("quota", "cut") else day.year)
        if key not in self.made:
            self.made[key] = self._make(place, kind, day)
        return self.made[key]

    def _make(self, place: Place, kind: str, day: datetime.date) -> Document:
        label = place.label or place.name
        office = f"中共{committee_of(label)}机构编制委员会办公室"
        issuer, prefix, title = {
            "quota": (office, "编办", f"关于核定{label}党政机关和事业单位编制的通知"),
            "onboard": (office, "编办", f"关于{label}{day.year}年度人员入编的通知"),
            "cut": (office, "编办", f"关于核减{label}部分单位编制的通知"),
            "appoint": (
                f"中共{committee_of(label)}组织部",
                "组干",
                f"关于{label}{day.year}年度干部任免的通知",
            ),
        }[kind]
        rng = random.Random(f"{self.seed}/{place.code}/{kind}/{day}")  # nosec B311  # demo data
        issued_on = day - datetime.timedelta(days=rng.randint(3, 20))
        if kind in ("onboard", "appoint"):
            issued_on = datetime.date(day.year, 1, 1) + datetime.timedelta(days=rng.randint(0, 9))
        self.numbers[(issuer, issued_on.year)] += rng.randint(1, 3)
        number = (
            f"{place.abbr}{prefix}〔{issued_on.year}〕{self.numbers[(issuer, issued_on.year)]}号"
        )
        return document_register(
            actor=None, issuer=issuer, number=number, issued_on=issued_on, title=title
        )


@dataclass
class PeopleStats:
    quotas: int = 0
    leader_posts: int = 0
    persons: int = 0
    appointed: int = 0
    cuts: int = 0
    regions: int = 0


def _bands(org: Org) -> tuple[str, str]:
    return RANK_BANDS.get(org.rank, ("", ""))


class PeopleLoader:
    """Writes a people plan, one division per transaction (services, or bulk with fast)."""

    def __init__(self, plan: PeoplePlan, *, fast: bool = False, progress: Callable | None = None):
        self.plan = plan
        self.fast = fast
        self.progress = progress or (lambda _place: None)
        self.documents = _Documents(plan.seed)
        self.stats = PeopleStats()
        self.cut_day = plan.today - datetime.timedelta(
            days=random.Random(plan.seed).randint(20, 50)  # nosec B311  # demo data
        )

    def run(self) -> PeopleStats:
        for place, bodies in self.plan.by_region():
            with transaction.atomic():
                if self.fast:
                    BulkWriter(self, place, bodies).run()
                else:
                    self._region(place, bodies)
                self._cut(place, bodies)
            self.stats.regions += 1
            self.progress(place)
        return self.stats

    def quota_document(self, place: Place, bodies: list[BodyPlan]) -> Document:
        return self.documents.get(place, "quota", min(body.org.established_on for body in bodies))

    def leader_posts(self, body: BodyPlan) -> Iterator[tuple[str, str, str, int]]:
        """(title, level, rank band, approved) of the body's leader posts."""
        principal, deputy = _bands(body.org)
        yield body.title, "principal", principal, 1
        if body.deputies > 0:
            yield "副" + body.title, "deputy", deputy, body.deputies

    def _region(self, place: Place, bodies: list[BodyPlan]) -> None:
        document = self.quota_document(place, bodies)
        for body in bodies:
            self._staffing(body, document)
            for quota in body.quotas:
                for recruit in quota.recruits:
                    self._onboard(body, quota, recruit)

    def _staffing(self, body: BodyPlan, document: Document) -> None:
        day = body.org.established_on
        for quota in body.quotas:
            quota.quota = staffing.quota_set(
                actor=None,
                org=body.org,
                est_type=quota.est_type,
                approved=quota.approved,
                document=document,
                effective_date=day,
                civil_servant_managed=quota.civil_servant_managed,
            )
            self.stats.quotas += 1
        for title, level, rank, approved in self.leader_posts(body):
            body.posts[level] = staffing.leader_post_set(
                actor=None,
                org=body.org,
                title=title,
                level=level,
                approved=approved,
                document=document,
                effective_date=day,
                rank=rank,
            )
            self.stats.leader_posts += 1

    def _onboard(self, body: BodyPlan, quota: QuotaPlan, recruit: Recruit) -> None:
        recruit.person = personnel.person_register(
            actor=None,
            resident_id=recruit.resident_id,
            name=recruit.name,
            cadre=recruit.cadre,
            ethnicity=recruit.ethnicity,
            political_status=recruit.political_status,
            education=recruit.education,
        )
        recruit.assignment = personnel.assignment_onboard(
            actor=None,
            person=recruit.person,
            org=body.org,
            est_type=quota.est_type,
            start_date=recruit.start_date,
            entry_way=recruit.entry_way,
            document=self.documents.get(body.place, "onboard", recruit.start_date),
        )
        self.stats.persons += 1
        if recruit.role:
            personnel.leader_appoint(
                actor=None,
                assignment=recruit.assignment,
                leader_post=body.posts[recruit.role],
                date=recruit.start_date,
                document=self.documents.get(body.place, "appoint", recruit.start_date),
            )
            self.stats.appointed += 1

    def _cut(self, place: Place, bodies: list[BodyPlan]) -> None:
        for body in bodies:
            for quota in body.quotas:
                if quota.cut:
                    staffing.quota_adjust(
                        actor=None,
                        org=body.org,
                        est_type=quota.est_type,
                        delta=quota.cut,
                        document=self.documents.get(place, "cut", self.cut_day),
                        effective_date=self.cut_day,
                    )
                    self.stats.cuts += 1


def load_people(
    plan: PeoplePlan, *, fast: bool = False, progress: Callable | None = None
) -> PeopleStats:
    return PeopleLoader(plan, fast=fast, progress=progress).run()


# --- the bulk path (fast=True) ------------------------------------------------------------------


def _journal(obj, action: str, *, before=None, after=None, document=None, day=None):
    """The row `core.journal.journal_record` writes, unsaved (actor None: the system)."""
    return JournalEntry(
        entity=obj._meta.label_lower,
        entity_id=obj.pk,
        entity_uid=getattr(obj, "uid", None),
        action=action,
        before=before,
        after=after,
        document=document,
        effective_date=day,
    )


class BulkWriter:
    """The rows the services would write for one division, with bulk_create; the counters are
    then set from the rows written (one UPDATE per table)."""

    def __init__(self, loader: PeopleLoader, place: Place, bodies: list[BodyPlan]) -> None:
        self.loader, self.place, self.bodies = loader, place, bodies
        self.document = loader.quota_document(place, bodies)
        self.journal: list[JournalEntry] = []

    def run(self) -> None:
        self._quotas()
        self._leader_posts()
        self._persons()
        self._assignments()
        self._tenures()
        JournalEntry.objects.bulk_create(self.journal, batch_size=500)
        self._counters()

    def _quotas(self) -> None:
        pairs = [(body, quota) for body in self.bodies for quota in body.quotas]
        for body, quota in pairs:
            quota.quota = Quota(
                org=body.org,
                est_type=quota.est_type,
                civil_servant_managed=quota.civil_servant_managed,
                approved=quota.approved,
            )
        Quota.objects.bulk_create([quota.quota for _, quota in pairs], batch_size=1000)
        changes = []
        for body, quota in pairs:
            day, row = body.org.established_on, quota.quota
            changes.append(
                QuotaChange(
                    quota=row,
                    kind=QuotaChange.Kind.SET,
                    delta=row.approved,
                    approved_after=row.approved,
                    effective_date=day,
                    document=self.document,
                )
            )
            after = {"approved": row.approved, "occupied": 0, "reserved": 0}
            self._log(
                row,
                "staffing.quota.set",
                before={"approved": 0},
                after=after,
                document=self.document,
                day=day,
            )
        QuotaChange.objects.bulk_create(changes, batch_size=1000)
        self.loader.stats.quotas += len(pairs)

    def _leader_posts(self) -> None:
        posts = []
        for body in self.bodies:
            for title, level, rank, approved in self.loader.leader_posts(body):
                body.posts[level] = LeaderPost(
                    org=body.org,
                    title=title,
                    level=level,
                    rank=rank,
                    approved=approved,
                    valid_from=body.org.established_on,
                    document=self.document,
                )
                posts.append((body, body.posts[level]))
        LeaderPost.objects.bulk_create([post for _, post in posts], batch_size=1000)
        for body, post in posts:
            after = {"org_id": body.org.pk, "title": post.title, "level": post.level}
            after |= {"approved": post.approved, "filled": 0}
            self._log(
                post,
                "staffing.leader_post.set",
                after=after,
                document=self.document,
                day=post.valid_from,
            )
        self.loader.stats.leader_posts += len(posts)

    def _recruits(self) -> Iterator[tuple[BodyPlan, QuotaPlan, Recruit]]:
        for body in self.bodies:
            for quota in body.quotas:
                for recruit in quota.recruits:
                    yield body, quota, recruit

    def _persons(self) -> None:
        rows = []
        for _, _, recruit in self._recruits():
            category = category_for(recruit.gender, cadre=recruit.cadre)
            recruit.person = Person(
                resident_id=recruit.resident_id,
                name=recruit.name,
                gender=recruit.gender,
                birth_date=recruit.birth_date,
                ethnicity=recruit.ethnicity,
                political_status=recruit.political_status,
                education=recruit.education,
                retirement_category=category,
                retires_on=statutory_retirement(recruit.birth_date, category).month.first_day,
            )
            rows.append(recruit.person)
        Person.objects.bulk_create(rows, batch_size=1000)
        for person in rows:
            after = {"name": person.name, "category": person.retirement_category}
            self._log(person, "personnel.person.registered", after=after)
        self.loader.stats.persons += len(rows)

    def _assignments(self) -> None:
        rows = []
        for body, quota, recruit in self._recruits():
            recruit.assignment = Assignment(
                person=recruit.person,
                org=body.org,
                quota=quota.quota,
                est_type=quota.est_type,
                start_date=recruit.start_date,
                entry_way=recruit.entry_way,
                entry_document=self.loader.documents.get(body.place, "onboard", recruit.start_date),
                leader_post=body.posts[recruit.role] if recruit.role else None,
            )
            rows.append(recruit.assignment)
        Assignment.objects.bulk_create(rows, batch_size=1000)
        for row in rows:
            after = personnel._snapshot(row) | {"leader_post_id": None}  # as when onboarded
            self._log(
                row,
                "personnel.assignment.onboarded",
                after=after,
                document=row.entry_document,
                day=row.start_date,
            )

    def _tenures(self) -> None:
        tenures = []
        for body, _, recruit in self._recruits():
            if not recruit.role:
                continue
            row, post = recruit.assignment, body.posts[recruit.role]
            document = self.loader.documents.get(body.place, "appoint", recruit.start_date)
            tenures.append(
                LeaderTenure(
                    assignment=row, leader_post=post, start_date=row.start_date, document=document
                )
            )
            after = {"leader_post_id": post.pk, "title": post.title, "override_by": ""}
            self._log(
                row,
                "personnel.leader.appointed",
                after=after,
                document=document,
                day=row.start_date,
            )
        LeaderTenure.objects.bulk_create(tenures, batch_size=1000)
        self.loader.stats.appointed += len(tenures)

    def _counters(self) -> None:
        orgs = [body.org.pk for body in self.bodies]
        occupants = (
            Assignment.objects.filter(quota=OuterRef("pk"), end_date__isnull=True)
            .order_by()
            .values("quota")
            .annotate(n=Count("pk"))
            .values("n")
        )
        Quota.objects.filter(org__in=orgs).update(occupied=Coalesce(Subquery(occupants), 0))
        holders = (
            Assignment.objects.filter(leader_post=OuterRef("pk"), end_date__isnull=True)
            .order_by()
            .values("leader_post")
            .annotate(n=Count("pk"))
            .values("n")
        )
        LeaderPost.objects.filter(org__in=orgs).update(filled=Coalesce(Subquery(holders), 0))

    def _log(self, obj, action: str, *, before=None, after=None, document=None, day=None) -> None:
        self.journal.append(
            _journal(obj, action, before=before, after=after, document=document, day=day)
        )

"""Writing a demo plan: documents, the :class:`Loader` and the bulk path.

:func:`load_plan` writes a :class:`~bianzhi.orgs.demo.plan.Plan` one division per transaction.
The normal path goes through the services in :mod:`bianzhi.orgs.services` (``actor=None``: the
system), so the journal, the dated versions and the name index are exactly what a clerk's
changes would leave; each change cites a demo document (文件) whose number runs per issuer and
year.

``fast=True`` is the bulk path, for benchmarks with 10⁵ bodies: establishments are written with
``bulk_create`` straight into ``Org``, ``OrgVersion``, ``OrgName`` (pinyin from
:func:`bianzhi.core.pinyin.pinyin_keys`) and one ``JournalEntry`` per body, with the same fields
and journal payload as :func:`bianzhi.orgs.services.org_establish`; the history (renames,
merges, aliases, rank changes, provisions) still goes through the services.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction

from bianzhi.core.documents import document_register
from bianzhi.core.models import Document, JournalEntry
from bianzhi.core.pinyin import pinyin_keys

from .. import services
from ..models import Org, OrgName, OrgVersion
from ..validation import INTERNAL, OrgSpec
from .places import Place, committee_of
from .plan import Body, Event, PlacePlan, Plan


@dataclass
class LoadStats:
    bodies: int = 0
    regions: int = 0
    events: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class _Documents:
    """Documents (文件) for the demo: numbers run per issuer and year."""

    def __init__(self, seed: int) -> None:
        self.numbers: dict[tuple[str, int], int] = defaultdict(int)
        self.seed = seed

    def make(self, place: Place, kind: str, title: str, day: datetime.date) -> Document:
        label = place.label or place.name
        office = "办公厅" if place.level == 1 else "办公室"
        issuer, prefix = {
            "plan": (f"中共{committee_of(label)} {label}人民政府", f"{place.abbr}发"),
            "provision": (
                f"中共{committee_of(label)}{office} {label}人民政府{office}",
                f"{place.abbr}办发",
            ),
        }.get(kind, (f"{label}机构编制委员会", f"{place.abbr}编"))
        rng = random.Random(f"{self.seed}/{place.code}/{kind}/{title}")  # nosec B311  # demo data, not security
        issued_on = day - datetime.timedelta(days=rng.randint(3, 20))
        self.numbers[(issuer, issued_on.year)] += rng.randint(1, 3)
        number = f"{prefix}〔{issued_on.year}〕{self.numbers[(issuer, issued_on.year)]}号"
        return document_register(
            actor=None, issuer=issuer, number=number, issued_on=issued_on, title=title
        )


def _spec(body: Body) -> OrgSpec:
    return OrgSpec(
        name=body.first_name,
        category=body.category,
        region_code=body.place.code,
        short_name=body.first_short,
        subcategory=body.subcategory,
        rank=body.rank,
        pi_class=body.pi_class,
        funding_form=body.funding_form,
        credit_code=body.credit_code,
        parent=body.parent.org if body.parent else None,
        supervisor=body.supervisor.org if body.supervisor else None,
    )


def _to_establish(place: PlacePlan) -> list[Body]:
    return [b for b in place.bodies if not (b.by_event or b.via_provision)]


class Loader:
    """Writes a plan, one division per transaction."""

    def __init__(self, plan: Plan, *, fast: bool = False, progress: Callable | None = None):
        self.plan = plan
        self.fast = fast
        self.progress = progress or (lambda _place: None)
        self.documents = _Documents(plan.seed)
        self.stats = LoadStats()

    def run(self) -> LoadStats:
        for place in self.plan.places:
            if not place.bodies:
                continue
            with transaction.atomic():
                self._place(place)
            self.stats.regions += 1
            self.stats.bodies += len(place.bodies)
            self.progress(place)
        return self.stats

    def _place(self, place: PlacePlan) -> None:
        title = f"{place.place.name}机构改革方案"
        document = self.documents.make(place.place, "plan", title, place.established_on)
        bodies = _to_establish(place)
        if self.fast:
            bulk_establish(bodies, document, place.established_on)
        else:
            for body in bodies:
                body.org = services.org_establish(
                    actor=None,
                    spec=_spec(body),
                    document=document,
                    effective_date=place.established_on,
                )
        for event in place.events:
            getattr(self, f"_{event.kind}")(place, event)
            self.stats.events[event.kind] += 1

    def _doc(self, place: PlacePlan, kind: str, title: str, day) -> Document:
        return self.documents.make(place.place, kind, title, day)

    def _alias(self, place: PlacePlan, event: Event) -> None:
        body = event.bodies[0]
        title = f"关于{body.first_name}加挂{event.text}牌子的批复"
        services.alias_add(
            actor=None,
            org=body.org,
            name=event.text,
            document=self._doc(place, "alias", title, event.date),
            effective_date=event.date,
        )

    def _provision(self, place: PlacePlan, event: Event) -> None:
        body = event.bodies[0]
        children = [b for b in place.bodies if b.parent is body and b.via_provision]
        title = f"{body.first_name}职能配置、内设机构和人员编制规定"
        services.provision_set(
            actor=None,
            org=body.org,
            functions=event.functions,
            internal_bodies=[child.first_name for child in children],
            document=self._doc(place, "provision", title, event.date),
            effective_date=event.date,
            summary=event.functions[0],
        )
        made = {org.name: org for org in Org.objects.filter(parent=body.org, category=INTERNAL)}
        for child in children:
            child.org = made[child.first_name]

    def _rename(self, place: PlacePlan, event: Event) -> None:
        head = event.bodies[0]
        title = f"关于{head.former}更名为{head.name}的批复"
        document = self._doc(place, "rename", title, event.date)
        for body in event.bodies:
            if body.org is None:
                continue
            body.org = services.org_rename(
                actor=None,
                org=body.org,
                name=body.name,
                short_name=body.short_name if body.short_name != body.first_short else None,
                document=document,
                effective_date=event.date,
            )

    def _rank(self, place: PlacePlan, event: Event) -> None:
        body = event.bodies[0]
        title = f"关于调整{body.name}机构规格的批复"
        body.org = services.org_change_rank(
            actor=None,
            org=body.org,
            rank=event.text,
            document=self._doc(place, "rank", title, event.date),
            effective_date=event.date,
        )

    def _merge(self, place: PlacePlan, event: Event) -> None:
        successor = event.successor
        title = f"关于整合组建{successor.name}的通知"
        successor.org = services.org_merge(
            actor=None,
            sources=[body.org for body in event.bodies],
            document=self._doc(place, "merge", title, event.date),
            effective_date=event.date,
            new=_spec(successor),
        )

    def _absorb(self, place: PlacePlan, event: Event) -> None:
        into, source = event.bodies
        into.org = Org.objects.get(pk=into.org.pk)
        title = f"关于将{source.name}并入{into.name}的通知"
        services.org_merge(
            actor=None,
            sources=[source.org],
            into=into.org,
            document=self._doc(place, "absorb", title, event.date),
            effective_date=event.date,
        )


def load_plan(plan: Plan, *, fast: bool = False, progress: Callable | None = None) -> LoadStats:
    return Loader(plan, fast=fast, progress=progress).run()


# --- the bulk path (fast=True) ------------------------------------------------------------------


def _depth(body: Body) -> int:
    depth, node = 0, body
    while node.parent is not None or node.supervisor is not None:
        node = node.parent or node.supervisor
        depth += 1
    return depth


def bulk_establish(bodies: list[Body], document: Document, day: datetime.date) -> None:
    """Write establishments directly, parents and supervisors before the bodies under them;
    the rows equal what `services.org_establish` writes (see the module docstring)."""
    layers: dict[int, list[Body]] = defaultdict(list)
    for body in bodies:
        layers[_depth(body)].append(body)
    for depth in sorted(layers):
        _bulk_layer(layers[depth], document, day)


def _bulk_layer(bodies: list[Body], document: Document, day: datetime.date) -> None:
    orgs = [
        Org(
            name=body.first_name,
            short_name=body.first_short,
            region_code=body.place.code,
            category=body.category,
            subcategory=body.subcategory,
            rank=body.rank,
            pi_class=body.pi_class,
            funding_form=body.funding_form,
            credit_code=body.credit_code,
            parent=body.parent.org if body.parent else None,
            supervisor=body.supervisor.org if body.supervisor else None,
            established_on=day,
        )
        for body in bodies
    ]
    Org.objects.bulk_create(orgs, batch_size=1000)
    for body, org in zip(bodies, orgs, strict=True):
        body.org = org
    OrgVersion.objects.bulk_create([_version(org, document, day) for org in orgs], batch_size=1000)
    OrgName.objects.bulk_create(
        [name for org in orgs for name in _names(org, day)], batch_size=1000
    )
    JournalEntry.objects.bulk_create([_journal(org, document, day) for org in orgs], batch_size=500)


def _version(org: Org, document: Document, day: datetime.date) -> OrgVersion:
    fields = {name: getattr(org, name) for name in services.VERSION_FIELDS}
    return OrgVersion(org=org, valid_from=day, document=document, **fields)


def _names(org: Org, day: datetime.date) -> Iterator[OrgName]:
    for kind, name in ((OrgName.Kind.STANDARD, org.name), (OrgName.Kind.SHORT, org.short_name)):
        if name:
            full, initials = pinyin_keys(name)
            yield OrgName(
                org=org, kind=kind, name=name, pinyin=full, initials=initials, valid_from=day
            )


def _journal(org: Org, document: Document, day: datetime.date) -> JournalEntry:
    return JournalEntry(
        entity=org._meta.label_lower,
        entity_id=org.pk,
        entity_uid=org.uid,
        action="orgs.org.established",
        after=services.snapshot(org),
        document=document,
        effective_date=day,
    )

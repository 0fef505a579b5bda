"""Every write to the registry: lifecycle operations that cite a document and an effective date,
keep the dated versions and the name index, and append to the journal in one transaction."""

import datetime

from django.db import transaction

from bianzhi.core.errors import InvalidInput
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Document
from bianzhi.core.pinyin import pinyin_keys

from .models import (
    Org,
    OrgAlias,
    OrgLink,
    OrgName,
    OrgStatus,
    OrgVersion,
    Provision,
    ProvisionFunction,
)
from .validation import (
    INTERNAL,
    OrgSpec,
    check_active,
    check_category,
    check_credit_code,
    check_name,
    check_parent,
    check_region,
    check_scope,
    check_unique_name,
)

VERSION_FIELDS = (
    "name",
    "short_name",
    "region_code",
    "category",
    "subcategory",
    "rank",
    "pi_class",
    "funding_form",
    "parent_id",
    "supervisor_id",
    "status",
)


def snapshot(org: Org) -> dict:
    """The versioned fields of a body, as stored in journal before/after."""
    data = {name: getattr(org, name) for name in VERSION_FIELDS}
    data["credit_code"] = org.credit_code
    return data


def _locked(org: Org) -> Org:
    return Org.objects.select_for_update().get(pk=org.pk)


def _require_document(document: Document | None, effective_date: datetime.date | None) -> None:
    if document is None:
        raise InvalidInput(
            "每项变更都必须引用依据文件", "every change must cite a document", field="document"
        )
    if effective_date is None:
        raise InvalidInput("生效日期不能为空", "effective date is required", field="effective_date")


def _open_version(org: Org, document: Document, effective_date: datetime.date) -> OrgVersion:
    return OrgVersion.objects.create(
        org=org,
        valid_from=effective_date,
        document=document,
        **{name: getattr(org, name) for name in VERSION_FIELDS},
    )


def _add_name(org: Org, kind: str, name: str, valid_from: datetime.date) -> None:
    if not name:
        return
    full, initials = pinyin_keys(name)
    OrgName.objects.create(
        org=org, kind=kind, name=name, pinyin=full, initials=initials, valid_from=valid_from
    )


def _close_names(org: Org, on: datetime.date, kinds: tuple[str, ...], keep: dict) -> None:
    """End the open names of these kinds whose text changes; a same-day entry is replaced."""
    for entry in OrgName.objects.filter(org=org, kind__in=kinds, valid_to__isnull=True):
        if keep.get(entry.kind) == entry.name:
            continue
        if entry.valid_from >= on:
            entry.delete()
        else:
            entry.valid_to = on
            entry.save(update_fields=["valid_to"])


def _sync_names(org: Org, on: datetime.date) -> None:
    wanted = {OrgName.Kind.STANDARD: org.name, OrgName.Kind.SHORT: org.short_name}
    if org.status != OrgStatus.ACTIVE:
        wanted = {}
    _close_names(org, on, (OrgName.Kind.STANDARD, OrgName.Kind.SHORT), wanted)
    open_now = set(
        OrgName.objects.filter(org=org, valid_to__isnull=True).values_list("kind", "name")
    )
    for kind, name in wanted.items():
        if (kind, name) not in open_now:
            _add_name(org, kind, name, on)


def _apply_change(
    org: Org,
    *,
    actor,
    document: Document,
    effective_date: datetime.date,
    action: str,
    allow_inactive: bool = False,
    **changes,
) -> Org:
    """Lock the body, move it to a new dated version with the changes, and journal it."""
    _require_document(document, effective_date)
    org = _locked(org)
    if not allow_inactive:
        check_active(org)
    check_scope(actor, org.region_code)
    current = org.versions.get(valid_to__isnull=True)
    if effective_date < current.valid_from:
        raise InvalidInput(
            f"生效日期 {effective_date} 早于该机构最近一次变更的生效日期 {current.valid_from}",
            f"effective date {effective_date} is before the last change on {current.valid_from}",
            field="effective_date",
            code="before_last_change",
        )
    before = snapshot(org)
    for name, value in changes.items():
        setattr(org, name, value)
    if org.status == OrgStatus.ACTIVE and ({"name", "parent"} & changes.keys()):
        check_unique_name(org.name, org.region_code, org.parent, exclude_pk=org.pk)
    org.full_clean(validate_unique=False, validate_constraints=False)
    org.save()
    if effective_date == current.valid_from:
        for name in VERSION_FIELDS:
            setattr(current, name, getattr(org, name))
        current.document = document
        current.save()
    else:
        current.valid_to = effective_date
        current.save(update_fields=["valid_to"])
        _open_version(org, document, effective_date)
    _sync_names(org, effective_date)
    journal_record(
        obj=org,
        action=action,
        actor=actor,
        before=before,
        after=snapshot(org),
        document=document,
        effective_date=effective_date,
    )
    return org


@transaction.atomic
def org_establish(
    *,
    actor,
    spec: OrgSpec,
    document: Document,
    effective_date: datetime.date,
    action: str = "orgs.org.established",
) -> Org:
    """Set up a body; its region must exist on the date and lie in the actor's scope."""
    _require_document(document, effective_date)
    name = check_name(spec.name)
    check_category(spec)
    check_region(spec.region_code, effective_date)
    check_scope(actor, spec.region_code)
    check_parent(None, spec.parent, spec.category)
    check_unique_name(name, spec.region_code, spec.parent)
    if spec.supervisor is not None:
        check_active(spec.supervisor, "supervisor")
    org = Org.objects.create(
        name=name,
        short_name=spec.short_name.strip(),
        region_code=spec.region_code,
        category=spec.category,
        subcategory=spec.subcategory,
        rank=spec.rank,
        pi_class=spec.pi_class,
        funding_form=spec.funding_form,
        credit_code=check_credit_code(spec.credit_code),
        parent=spec.parent,
        supervisor=spec.supervisor,
        established_on=effective_date,
    )
    _open_version(org, document, effective_date)
    _sync_names(org, effective_date)
    journal_record(
        obj=org,
        action=action,
        actor=actor,
        after=snapshot(org),
        document=document,
        effective_date=effective_date,
    )
    return org


@transaction.atomic
def org_assign_credit_code(
    *, actor, org: Org, credit_code: str, document: Document, effective_date: datetime.date
) -> Org:
    """Give a body that has none its unified social credit code (e.g. on registration); a
    code once given is not replaced here."""
    _require_document(document, effective_date)
    org = _locked(org)
    if org.credit_code:
        raise InvalidInput(
            f"该机构已有统一社会信用代码 {org.credit_code}",
            f"the body already has the credit code {org.credit_code}",
            field="credit_code",
            code="unchanged",
        )
    before = snapshot(org)
    org.credit_code = check_credit_code(credit_code, exclude_pk=org.pk)
    org.save(update_fields=["credit_code", "updated_at"])
    journal_record(
        obj=org,
        action="orgs.org.assigned",
        actor=actor,
        before=before,
        after=snapshot(org),
        document=document,
        effective_date=effective_date,
    )
    return org


@transaction.atomic
def org_rename(
    *,
    actor,
    org: Org,
    name: str,
    short_name: str | None = None,
    document: Document,
    effective_date: datetime.date,
) -> Org:
    """Give a body a new standard name (and optionally short name) from the effective date."""
    changes = {"name": check_name(name)}
    if short_name is not None:
        changes["short_name"] = short_name.strip()
    if changes["name"] == org.name and changes.get("short_name", org.short_name) == org.short_name:
        raise InvalidInput(
            "新名称与现名称相同",
            "the new name equals the current name",
            field="name",
            code="unchanged",
        )
    return _apply_change(
        org,
        actor=actor,
        document=document,
        effective_date=effective_date,
        action="orgs.org.renamed",
        **changes,
    )


@transaction.atomic
def org_change_rank(
    *, actor, org: Org, rank: str, document: Document, effective_date: datetime.date
) -> Org:
    """Change a body's rank (规格)."""
    check_category(
        OrgSpec(
            name=org.name,
            category=org.category,
            region_code=org.region_code,
            subcategory=org.subcategory,
            rank=rank,
            pi_class=org.pi_class,
            funding_form=org.funding_form,
        )
    )
    if rank == org.rank:
        raise InvalidInput(
            "新规格与现规格相同",
            "the new rank equals the current rank",
            field="rank",
            code="unchanged",
        )
    return _apply_change(
        org,
        actor=actor,
        document=document,
        effective_date=effective_date,
        action="orgs.org.rank_changed",
        rank=rank,
    )


@transaction.atomic
def org_change_supervisor(
    *,
    actor,
    org: Org,
    supervisor: Org | None,
    document: Document,
    effective_date: datetime.date,
) -> Org:
    """Change a body's supervising body (主管部门)."""
    if supervisor is not None:
        check_active(supervisor, "supervisor")
        if supervisor.pk == org.pk:
            raise InvalidInput(
                "主管部门不能是本机构",
                "a body cannot supervise itself",
                field="supervisor",
                code="cycle",
            )
    return _apply_change(
        org,
        actor=actor,
        document=document,
        effective_date=effective_date,
        action="orgs.org.supervisor_changed",
        supervisor=supervisor,
    )


@transaction.atomic
def org_change_parent(
    *, actor, org: Org, parent: Org | None, document: Document, effective_date: datetime.date
) -> Org:
    """Move a body under another body (隶属关系)."""
    check_parent(org.pk, parent, org.category)
    return _apply_change(
        org,
        actor=actor,
        document=document,
        effective_date=effective_date,
        action="orgs.org.parent_changed",
        parent=parent,
    )


def _active_children(org: Org):
    return Org.objects.filter(parent=org, status=OrgStatus.ACTIVE)


def _end(org: Org, *, actor, document, effective_date, status: str, action: str) -> Org:
    """End a body and its internal bodies; other bodies under it must be moved first."""
    others = _active_children(org).exclude(category=INTERNAL)
    if others.exists():
        names = "、".join(others.values_list("name", flat=True)[:5])
        raise InvalidInput(
            f"“{org.name}”下仍有下属机构（{names}），请先调整其隶属关系或撤销",
            f"{org.name!r} still has subordinate bodies; move or abolish them first",
            field="org",
            code="has_children",
        )
    for child in _active_children(org).filter(category=INTERNAL):
        _end(
            child,
            actor=actor,
            document=document,
            effective_date=effective_date,
            status=OrgStatus.ABOLISHED,
            action="orgs.org.abolished",
        )
    for alias in OrgAlias.objects.filter(org=org, valid_to__isnull=True):
        _alias_close(alias, actor=actor, document=document, effective_date=effective_date)
    return _apply_change(
        org,
        actor=actor,
        document=document,
        effective_date=effective_date,
        action=action,
        status=status,
        abolished_on=effective_date,
    )


@transaction.atomic
def org_abolish(*, actor, org: Org, document: Document, effective_date: datetime.date) -> Org:
    """Abolish a body, with its internal bodies; refuses while other bodies remain under it."""
    _require_document(document, effective_date)
    return _end(
        org,
        actor=actor,
        document=document,
        effective_date=effective_date,
        status=OrgStatus.ABOLISHED,
        action="orgs.org.abolished",
    )


def _hand_over(source: Org, successor: Org, *, actor, document, effective_date) -> None:
    """Bodies under or supervised by a merged body pass to its successor."""
    for child in _active_children(source).exclude(category=INTERNAL):
        _apply_change(
            child,
            actor=actor,
            document=document,
            effective_date=effective_date,
            action="orgs.org.parent_changed",
            parent=successor,
        )
    for ward in Org.objects.filter(supervisor=source, status=OrgStatus.ACTIVE):
        _apply_change(
            ward,
            actor=actor,
            document=document,
            effective_date=effective_date,
            action="orgs.org.supervisor_changed",
            supervisor=successor,
        )


@transaction.atomic
def org_merge(
    *,
    actor,
    sources: list[Org],
    document: Document,
    effective_date: datetime.date,
    into: Org | None = None,
    new: OrgSpec | None = None,
) -> Org:
    """Merge bodies: A + B → new C, or A absorbs B; links every predecessor to the successor."""
    _require_document(document, effective_date)
    if (into is None) == (new is None):
        raise InvalidInput(
            "请指定并入的现有机构或新设机构之一",
            "give either the absorbing body or the new body",
            field="into",
        )
    ids = {org.pk for org in sources} - ({into.pk} if into else set())
    if len(ids) < (1 if into else 2):
        raise InvalidInput(
            "合并至少需要两个机构", "a merge needs at least two bodies", field="sources"
        )
    # Lock every body taking part, in id order, before reading their state.
    locked = list(
        Org.objects.select_for_update().filter(pk__in=ids | {getattr(into, "pk", 0)}).order_by("pk")
    )
    for org in locked:
        check_active(org, "into" if into is not None and org.pk == into.pk else "sources")
    successor = into or org_establish(
        actor=actor, spec=new, document=document, effective_date=effective_date
    )
    kind = OrgLink.Kind.ABSORBED if into else OrgLink.Kind.MERGED
    for source in (org for org in locked if org.pk in ids):
        _hand_over(source, successor, actor=actor, document=document, effective_date=effective_date)
        _end(
            source,
            actor=actor,
            document=document,
            effective_date=effective_date,
            status=OrgStatus.MERGED,
            action="orgs.org.merged",
        )
        OrgLink.objects.create(
            predecessor=source,
            successor=successor,
            kind=kind,
            effective_date=effective_date,
            document=document,
        )
    return successor


@transaction.atomic
def org_split(
    *, actor, org: Org, into: list[OrgSpec], document: Document, effective_date: datetime.date
) -> list[Org]:
    """Split a body into new bodies; the old one ends and links to each successor."""
    _require_document(document, effective_date)
    if len(into) < 2:
        raise InvalidInput(
            "拆分至少产生两个新机构", "a split creates at least two bodies", field="into"
        )
    org = _locked(org)
    check_active(org)
    successors = [
        org_establish(actor=actor, spec=spec, document=document, effective_date=effective_date)
        for spec in into
    ]
    _end(
        org,
        actor=actor,
        document=document,
        effective_date=effective_date,
        status=OrgStatus.SPLIT,
        action="orgs.org.split",
    )
    for successor in successors:
        OrgLink.objects.create(
            predecessor=org,
            successor=successor,
            kind=OrgLink.Kind.SPLIT,
            effective_date=effective_date,
            document=document,
        )
    return successors


@transaction.atomic
def alias_add(
    *, actor, org: Org, name: str, document: Document, effective_date: datetime.date
) -> OrgAlias:
    """Hang an additional name (加挂牌子) on a body from the effective date."""
    _require_document(document, effective_date)
    org = _locked(org)
    check_active(org)
    check_scope(actor, org.region_code)
    name = check_name(name)
    if OrgAlias.objects.filter(org=org, name=name, valid_to__isnull=True).exists():
        raise InvalidInput(
            f"“{name}”已是该机构的牌子",
            f"{name!r} is already an alias",
            field="name",
            code="duplicate",
        )
    if effective_date < org.established_on:
        raise InvalidInput(
            "生效日期早于机构设立日期",
            "effective date is before establishment",
            field="effective_date",
        )
    alias = OrgAlias.objects.create(
        org=org, name=name, valid_from=effective_date, document=document
    )
    _add_name(org, OrgName.Kind.ALIAS, name, effective_date)
    journal_record(
        obj=org,
        action="orgs.org.alias_added",
        actor=actor,
        after={"alias": name, "alias_id": alias.pk},
        document=document,
        effective_date=effective_date,
    )
    return alias


def _alias_close(alias: OrgAlias, *, actor, document, effective_date) -> None:
    if effective_date <= alias.valid_from:
        raise InvalidInput(
            "摘牌日期必须晚于挂牌日期",
            "the end date must follow the start date",
            field="effective_date",
        )
    alias.valid_to = effective_date
    alias.end_document = document
    alias.save(update_fields=["valid_to", "end_document"])
    OrgName.objects.filter(
        org=alias.org, kind=OrgName.Kind.ALIAS, name=alias.name, valid_to__isnull=True
    ).update(valid_to=effective_date)
    journal_record(
        obj=alias.org,
        action="orgs.org.alias_removed",
        actor=actor,
        before={"alias": alias.name, "alias_id": alias.pk},
        document=document,
        effective_date=effective_date,
    )


@transaction.atomic
def alias_remove(
    *, actor, alias: OrgAlias, document: Document, effective_date: datetime.date
) -> OrgAlias:
    """Take an additional name down (摘牌) from the effective date."""
    _require_document(document, effective_date)
    _locked(alias.org)
    check_scope(actor, alias.org.region_code)
    if alias.valid_to is not None:
        raise InvalidInput("该牌子已摘除", "this alias has already ended", field="alias")
    _alias_close(alias, actor=actor, document=document, effective_date=effective_date)
    return alias


def _sync_internal_bodies(org, names, *, actor, document, effective_date) -> list[str]:
    wanted = [check_name(name, "internal_bodies") for name in names if name.strip()]
    if len(set(wanted)) != len(wanted):
        raise InvalidInput(
            "内设机构名称重复",
            "internal body names repeat",
            field="internal_bodies",
            code="duplicate",
        )
    current = {child.name: child for child in _active_children(org).filter(category=INTERNAL)}
    for name, child in current.items():
        if name not in wanted:
            _end(
                child,
                actor=actor,
                document=document,
                effective_date=effective_date,
                status=OrgStatus.ABOLISHED,
                action="orgs.org.abolished",
            )
    for name in wanted:
        if name not in current:
            org_establish(
                actor=actor,
                document=document,
                effective_date=effective_date,
                spec=OrgSpec(name=name, category=INTERNAL, region_code=org.region_code, parent=org),
            )
    return wanted


@transaction.atomic
def provision_set(
    *,
    actor,
    org: Org,
    functions: list[str],
    internal_bodies: list[str],
    document: Document,
    effective_date: datetime.date,
    summary: str = "",
) -> Provision:
    """Adopt a 三定 provision: it replaces the previous one, and the body's internal bodies
    become exactly those it lists (new ones are set up, dropped ones abolished)."""
    _require_document(document, effective_date)
    org = _locked(org)
    check_active(org)
    check_scope(actor, org.region_code)
    items = [" ".join(text.split()) for text in functions if text.strip()]
    if not items:
        raise InvalidInput(
            "三定规定至少列明一项职能", "a provision lists at least one function", field="functions"
        )
    previous = org.provisions.filter(valid_to__isnull=True).first()
    if previous and effective_date <= previous.valid_from:
        raise InvalidInput(
            "生效日期必须晚于现行三定规定的生效日期",
            "the effective date must follow the current provision's",
            field="effective_date",
            code="before_last_change",
        )
    if previous:
        previous.valid_to = effective_date
        previous.save(update_fields=["valid_to"])
    provision = Provision.objects.create(
        org=org, document=document, valid_from=effective_date, summary=summary.strip()
    )
    ProvisionFunction.objects.bulk_create(
        ProvisionFunction(provision=provision, seq=seq, text=text)
        for seq, text in enumerate(items, start=1)
    )
    bodies = _sync_internal_bodies(
        org, internal_bodies, actor=actor, document=document, effective_date=effective_date
    )
    journal_record(
        obj=org,
        action="orgs.provision.adopted",
        actor=actor,
        after={"provision_id": provision.pk, "functions": items, "internal_bodies": bodies},
        document=document,
        effective_date=effective_date,
    )
    return provision

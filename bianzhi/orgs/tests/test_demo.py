"""The demo province generator (`bianzhi demo`): shape, validity, history and determinism."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bianzhi.accounts.models import User
from bianzhi.core.identifiers import validate_credit_code
from bianzhi.core.models import JournalEntry, Region
from bianzhi.orgs import demo
from bianzhi.orgs.models import Org, OrgLink, OrgName, OrgStatus, OrgVersion, Provision
from bianzhi.orgs.queries import OrgFilter, org_search

pytestmark = pytest.mark.django_db
N, SEED = 300, 7


@pytest.fixture
def loaded():
    plan = demo.build_plan("320000", N, SEED)
    stats = demo.load_plan(plan)
    return plan, stats


def assert_registry_shape(count: int) -> None:
    assert Org.objects.count() == count
    for org in Org.objects.exclude(category="internal"):
        code = validate_credit_code(org.credit_code, establishment_only=True)
        assert code.region_code == org.region_code
        assert code.category == {"institution": "2", "mass": "9"}.get(org.category, "1")
    internal = Org.objects.filter(category="internal")
    assert not internal.filter(parent__isnull=True).exists()
    assert not internal.filter(credit_code__isnull=False).exists()
    pairs = Counter(Org.objects.values_list("region_code", "name"))
    assert max(pairs.values()) == 1, "names repeat within a region"
    assert OrgVersion.objects.filter(valid_to__isnull=True).count() == count
    established = JournalEntry.objects.filter(action="orgs.org.established")
    assert established.count() == count


def test_demo_builds_the_requested_number_of_valid_bodies(loaded):
    _plan, stats = loaded
    assert stats.bodies == N
    assert_registry_shape(N)
    counties = set(
        Region.objects.filter(valid_to__isnull=True, level=3, code__startswith="32").values_list(
            "code", flat=True
        )
    )
    assert counties <= set(Org.objects.values_list("region_code", flat=True))
    assert {"party", "gov", "institution", "internal"} <= set(
        Org.objects.values_list("category", flat=True)
    )
    assert Org.objects.filter(name="中共江苏省委办公厅", rank="bureau").exists()


def test_demo_history_goes_through_the_services(loaded):
    renamed = Org.objects.filter(
        names__kind=OrgName.Kind.STANDARD, names__valid_to__isnull=False, status=OrgStatus.ACTIVE
    ).first()
    assert renamed is not None
    old = renamed.names.get(kind=OrgName.Kind.STANDARD, valid_to__isnull=False)
    assert old.name != renamed.name
    assert OrgName.objects.filter(name=old.name).values_list("org_id", flat=True)[0] == renamed.pk
    assert JournalEntry.objects.filter(entity_id=renamed.pk, action="orgs.org.renamed").exists()
    assert OrgLink.objects.exists()
    assert Org.objects.filter(status=OrgStatus.MERGED).exists()
    assert Provision.objects.filter(functions__seq=5).exists()


def test_old_names_find_the_renamed_body_in_search(loaded):
    demo.ensure_demo_accounts("320000")
    old = OrgName.objects.filter(kind=OrgName.Kind.STANDARD, valid_to__isnull=False).first()
    page = org_search(User.objects.get(username="province"), OrgFilter(q=old.name))
    assert old.org_id in [row.id for row in page.rows]


def test_the_same_seed_gives_the_same_province():
    first = demo.build_plan("320000", N, SEED)
    second = demo.build_plan("320000", N, SEED)
    assert first.names() == second.names()
    assert [b.credit_code for b in first.bodies] == [b.credit_code for b in second.bodies]
    assert [(e.kind, e.date) for e in first.events()] == [(e.kind, e.date) for e in second.events()]
    assert demo.build_plan("320000", N, SEED + 1).names() != first.names()


def test_loaded_names_are_the_planned_names(loaded):
    plan, _ = loaded
    assert sorted(Org.objects.values_list("region_code", "name")) == sorted(plan.names())


def test_if_empty_does_nothing_on_a_non_empty_registry(loaded):
    out = io.StringIO()
    call_command("demo", "--if-empty", "--orgs", "50", stdout=out)
    assert Org.objects.count() == N
    assert "demo not loaded" in out.getvalue()


def test_demo_refuses_a_province_that_already_has_bodies(loaded):
    with pytest.raises(CommandError):
        call_command("demo", "--orgs", "50", stdout=io.StringIO())


@pytest.mark.parametrize("code", ["320100", "999999", "810000"])
def test_demo_refuses_what_is_not_a_province_with_subdivisions(code):
    with pytest.raises(CommandError):
        call_command("demo", "--province", code, stdout=io.StringIO())
    assert not Org.objects.exists()


def test_fast_path_writes_the_same_shape():
    out = io.StringIO()
    call_command("demo", "--fast", "--orgs", str(N), "--seed", str(SEED), stdout=out)
    assert_registry_shape(N)
    assert sorted(Org.objects.values_list("region_code", "name")) == sorted(
        demo.build_plan("320000", N, SEED).names()
    )
    first = Org.objects.filter(category="party").first()
    name = first.names.get(kind=OrgName.Kind.STANDARD)
    assert name.pinyin.startswith("zhonggong") and name.initials.startswith("zg")
    entry = JournalEntry.objects.get(entity_id=first.pk, action="orgs.org.established")
    assert entry.after["name"] == first.name
    assert entry.document == first.versions.get().document
    assert OrgLink.objects.exists()


def test_demo_accounts_are_idempotent_and_printed():
    call_command("demo", "--orgs", "120", "--seed", "3", stdout=io.StringIO())
    assert demo.ensure_demo_accounts("320000") == []
    province = User.objects.get(username="province")
    assert province.check_password(demo.DEMO_PASSWORD) and province.node.code == "320000"
    assert list(province.groups.values_list("name", flat=True)) == ["clerk"]
    assert User.objects.get(username="viewer").groups.get().name == "viewer"
    admin = User.objects.get(username="admin")
    assert not admin.is_superuser and admin.node.code == "000000"
    assert admin.groups.get().name == "clerk"
    for role in ("sysadmin", "secadmin", "auditor"):
        account = User.objects.get(username=role)
        assert account.node is None and [g.name for g in account.groups.all()] == [role]
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "DEMO ONLY" in text and demo.DEMO_PASSWORD in text
    assert "江苏省委机构编制委员会办公室" in text and "county" in text

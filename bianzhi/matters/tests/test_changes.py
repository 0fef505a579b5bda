"""The change set of a matter: validation per op and field, one-line descriptions, the dry run,
what approval records and the conflicts found later, and execution through the services."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bianzhi.core.errors import InvalidInput
from bianzhi.core.models import JournalEntry
from bianzhi.matters import changes
from bianzhi.matters.models import MatterType
from bianzhi.orgs import services as registry
from bianzhi.orgs.models import Org, OrgLink, OrgStatus
from bianzhi.personnel import services as people
from bianzhi.staffing import services as staffing
from bianzhi.staffing.control import ControlRefused
from bianzhi.staffing.models import LeaderPost, Quota, Reservation
from bianzhi.testing import establish, make_document

from .factories import add_item, fill_posts, make_matter

D = datetime.date
EFFECTIVE = D(2026, 7, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(nodes, users):
    """Three county bureaus with 10 administrative posts each, a county clerk and a decision."""
    bodies = {
        key: establish(name, rank="section", subcategory="gov.component")
        for key, name in (
            ("a", "吴中区市场监督管理局"),
            ("b", "吴中区发展和改革局"),
            ("c", "吴中区科学技术局"),
        )
    }
    for org in bodies.values():
        staffing.quota_set(
            actor=None,
            org=org,
            est_type="admin",
            approved=10,
            document=make_document(),
            effective_date=D(2020, 1, 1),
        )
    return SimpleNamespace(
        **bodies,
        node=nodes["county"],
        clerk=users["county"],
        decision=make_document("关于机构编制事项的批复", issued_on=D(2026, 6, 20)),
    )


def matter_of(world, matter_type):
    return make_matter(world.a, world.node, matter_type, user=world.clerk)


def validate(world, matter_type, op, org=None, **params):
    matter = matter_of(world, matter_type)
    return changes.validate_item(actor=world.clerk, matter=matter, op=op, org=org, params=params)


def execute(world, matter):
    changes.apply(matter, actor=world.clerk, document=world.decision, effective_date=EFFECTIVE)


def journaled(obj, action, world, *, dated=True):
    entry = JournalEntry.objects.get(
        entity=obj._meta.label_lower, entity_id=obj.pk, action=action, document=world.decision
    )
    assert entry.effective_date == (EFFECTIVE if dated else None)
    assert entry.actor == world.clerk
    return entry


def quota(org, est_type="admin"):
    return Quota.objects.get(org=org, est_type=est_type)


def in_days(n):
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


SPEC = {"name": "吴中区数据局", "category": "gov", "region_code": "320506", "rank": "section"}
FULL_SPEC = SPEC | {"short_name": "", "subcategory": "", "pi_class": "", "funding_form": ""}


# --- the ops a matter type allows ---------------------------------------------------------------


def test_allowed_ops_follow_the_matter_type():
    assert changes.ALLOWED_OPS[MatterType.OTHER] == frozenset()
    assert changes.ALLOWED_OPS[MatterType.RENAME] == {"org.rename"}
    assert changes.ALLOWED_OPS[MatterType.RECRUIT] == {"reservation.create"}
    for structural in (MatterType.ESTABLISH, MatterType.MERGE, MatterType.SPLIT):
        assert {"quota.transfer", "quota.set", "leader_post.set"} <= changes.ALLOWED_OPS[structural]
    assert set(changes.ALLOWED_OPS) == set(MatterType.values)


# --- validation --------------------------------------------------------------------------------


def test_every_op_validates_and_is_normalised(world):
    a, b, c = world.a, world.b, world.c
    expires = in_days(90)
    cases = [
        ("establish", "org.establish", None, SPEC, FULL_SPEC),
        ("abolish", "org.abolish", a, {}, {}),
        ("merge", "org.merge", a, {"source_ids": [c.pk, b.pk]}, {"source_ids": [b.pk, c.pk]}),
        (
            "merge",
            "org.merge",
            None,
            {"source_ids": [a.pk, b.pk], "new": SPEC},
            {"source_ids": [a.pk, b.pk], "new": FULL_SPEC},
        ),
        (
            "split",
            "org.split",
            a,
            {"into": [SPEC, SPEC | {"name": "吴中区知识产权局"}]},
            {"into": [FULL_SPEC, FULL_SPEC | {"name": "吴中区知识产权局"}]},
        ),
        ("rename", "org.rename", a, {"name": " 吴中区 市场局 "}, {"name": "吴中区 市场局"}),
        ("change_rank", "org.change_rank", a, {"rank": "vice_division"}, {"rank": "vice_division"}),
        ("change_supervisor", "org.change_supervisor", c, {"supervisor_id": a.pk}, None),
        (
            "provision",
            "org.provision",
            a,
            {"functions": ["市场监管", " "], "internal_bodies": ["办公室"]},
            {"functions": ["市场监管"], "internal_bodies": ["办公室"], "summary": ""},
        ),
        ("quota_set", "quota.set", a, {"est_type": "admin", "approved": "12"}, None),
        ("quota_raise", "quota.raise", a, {"est_type": "admin", "count": 5}, None),
        ("quota_cut", "quota.cut", a, {"est_type": "admin", "count": 2}, None),
        (
            "quota_transfer",
            "quota.transfer",
            a,
            {"est_type": "admin", "count": 2, "target_id": str(b.pk)},
            {"est_type": "admin", "count": 2, "target_id": b.pk},
        ),
        (
            "leader_posts",
            "leader_post.set",
            a,
            {"title": "局长", "level": "principal", "approved": 1},
            {"title": "局长", "level": "principal", "rank": "", "approved": 1},
        ),
        (
            "recruit",
            "reservation.create",
            a,
            {"est_type": "admin", "count": 2, "expires_on": expires},
            {"est_type": "admin", "count": 2, "purpose": "用编计划", "expires_on": expires},
        ),
    ]
    for matter_type, op, org, params, expected in cases:
        body, cleaned = validate(world, matter_type, op, org, **params)
        assert body == org, op
        wanted = expected if expected is not None else dict(params)
        if op == "quota.set":
            wanted = {"est_type": "admin", "approved": 12}
        assert cleaned == wanted, op


RAISE = ("quota_raise", "quota.raise")
QSET = ("quota_set", "quota.set")
MOVE = ("quota_transfer", "quota.transfer")
POST = ("leader_posts", "leader_post.set")
RESERVE = ("recruit", "reservation.create")
RENAME = ("rename", "org.rename")
RANK = ("change_rank", "org.change_rank")
NEW = ("establish", "org.establish")
MERGE = ("merge", "org.merge")
SPLIT = ("split", "org.split")
PROVIDE = ("provision", "org.provision")
ADMIN = {"est_type": "admin"}
BAD_PARAMS = [
    (("quota_raise", "quota.cut"), "a", ADMIN | {"count": 1}, "op", "not_allowed"),
    (("other", "quota.raise"), "a", ADMIN | {"count": 1}, "op", "not_allowed"),
    (RAISE, None, ADMIN | {"count": 1}, "org", "required"),
    (RAISE, "a", ADMIN | {"count": 0}, "params.count", "range"),
    (RAISE, "a", ADMIN | {"count": "x"}, "params.count", "not_int"),
    (RAISE, "a", ADMIN | {"count": True}, "params.count", "not_int"),
    (RAISE, "a", {"est_type": "none", "count": 1}, "params.est_type", "invalid"),
    (RAISE, "a", {"count": 1}, "params.est_type", "invalid"),
    (RAISE, "a", ADMIN | {"amount": 1}, "params.amount", "unknown"),
    (QSET, "a", ADMIN | {"approved": -1}, "params.approved", "range"),
    (MOVE, "a", ADMIN | {"count": 1}, "params.target_id", "invalid"),
    (MOVE, "a", ADMIN | {"count": 1, "target_id": "a"}, "params.target_id", "same_body"),
    (POST, "a", {"title": " ", "level": "principal", "approved": 1}, "params.title", "invalid"),
    (POST, "a", {"title": "局长", "level": "boss", "approved": 1}, "params.level", "invalid"),
    (RESERVE, "a", ADMIN | {"count": 1, "expires_on": "2020-01-01"}, "params.expires_on", "past"),
    (RESERVE, "a", ADMIN | {"count": 1, "expires_on": "soon"}, "params.expires_on", "not_date"),
    (RENAME, "a", {"name": ""}, "params.name", "invalid"),
    (RENAME, "a", {"name": "吴中区市场监督管理局"}, "params.name", "unchanged"),
    (RENAME, "a", {"name": "吴中区发展和改革局"}, "params.name", "duplicate"),
    (RANK, "a", {"rank": "emperor"}, "params.rank", "invalid"),
    (RANK, "a", {"rank": "section"}, "params.rank", "unchanged"),
    (
        ("change_supervisor", "org.change_supervisor"),
        "a",
        {"supervisor_id": "a"},
        "params.supervisor_id",
        "cycle",
    ),
    (NEW, "a", SPEC, "org", "invalid"),
    (NEW, None, SPEC | {"category": "none"}, "params.category", "invalid"),
    (NEW, None, SPEC | {"region_code": "999999"}, "params.region_code", "invalid"),
    (NEW, None, SPEC | {"region_code": "110101"}, "params.region_code", "not_found"),
    (NEW, None, SPEC | {"category": "internal"}, "params.parent", "invalid"),
    (NEW, None, SPEC | {"name": "吴中区科学技术局"}, "params.name", "duplicate"),
    (MERGE, "a", {"source_ids": []}, "params.source_ids", "invalid"),
    (MERGE, "a", {"source_ids": ["b"], "new": SPEC}, "params.new", "invalid"),
    (MERGE, None, {"source_ids": ["b"], "new": SPEC}, "params.source_ids", "invalid"),
    (MERGE, "a", {"source_ids": ["a"]}, "params.source_ids", "duplicate"),
    (SPLIT, "a", {"into": [SPEC]}, "params.into", "invalid"),
    (SPLIT, "a", {"into": [SPEC, SPEC | {"name": ""}]}, "params.into[1].name", "invalid"),
    (SPLIT, "a", {"into": [SPEC, SPEC]}, "params.into", "duplicate"),
    (PROVIDE, "a", {"functions": []}, "params.functions", "invalid"),
    (PROVIDE, "a", {"functions": "监管"}, "params.functions", "not_list"),
    (
        PROVIDE,
        "a",
        {"functions": ["监管"], "internal_bodies": ["科", "科"]},
        "params.internal_bodies",
        "duplicate",
    ),
]


@pytest.mark.parametrize(("kind", "org", "params", "field", "code"), BAD_PARAMS)
def test_bad_params_are_refused_naming_the_field(world, kind, org, params, field, code):
    def resolve(value):
        return getattr(world, value).pk if value in ("a", "b", "c") else value

    params = {
        key: [resolve(v) for v in value] if key == "source_ids" else resolve(value)
        for key, value in params.items()
    }
    with pytest.raises(InvalidInput) as err:
        validate(world, *kind, getattr(world, org) if org else None, **params)
    assert (err.value.field, err.value.code) == (field, code)
    assert err.value.message_zh != err.value.message_en


def test_bodies_must_be_active_and_in_scope(world, users):
    beijing = establish("北京市东城区某局", region="110101")
    with pytest.raises(InvalidInput) as err:
        validate(world, "quota_raise", "quota.raise", beijing, est_type="admin", count=1)
    assert (err.value.field, err.value.code) == ("org", "not_found")
    with pytest.raises(InvalidInput) as err:
        validate(
            world,
            "quota_transfer",
            "quota.transfer",
            world.a,
            est_type="admin",
            count=1,
            target_id=beijing.pk,
        )
    assert (err.value.field, err.value.code) == ("params.target_id", "not_found")
    registry.org_abolish(
        actor=None, org=world.b, document=make_document(), effective_date=D(2021, 1, 1)
    )
    with pytest.raises(InvalidInput) as err:
        validate(world, "merge", "org.merge", world.a, source_ids=[world.b.pk])
    assert (err.value.field, err.value.code) == ("params.source_ids[0]", "inactive")
    # A city clerk sees the county's bodies.
    matter = matter_of(world, "quota_raise")
    body, _params = changes.validate_item(
        actor=users["city"],
        matter=matter,
        op="quota.raise",
        org=world.a.pk,
        params={"est_type": "admin", "count": 1},
    )
    assert body == world.a


def test_references_name_an_earlier_item_that_sets_up_a_body(world):
    matter = matter_of(world, "establish")
    add_item(matter, "org.establish", **FULL_SPEC)
    add_item(matter, "quota.set", world.a, est_type="admin", approved=3)
    body, params = changes.validate_item(
        actor=world.clerk,
        matter=matter,
        op="quota.transfer",
        org=world.a,
        params={"est_type": "admin", "count": 2, "target_id_ref": 1},
    )
    assert (body, params) == (world.a, {"est_type": "admin", "count": 2, "target_ref": 1})
    body, params = changes.validate_item(
        actor=world.clerk,
        matter=matter,
        op="leader_post.set",
        org=None,
        params={"org_ref": 1, "title": "局长", "level": "principal", "approved": 1},
    )
    assert body is None and params["org_ref"] == 1
    for ref in (2, 3):  # an item that sets up nothing; no such item
        with pytest.raises(InvalidInput) as err:
            changes.validate_item(
                actor=world.clerk,
                matter=matter,
                op="quota.set",
                org=None,
                params={"org_ref": ref, "est_type": "admin", "approved": 1},
            )
        assert (err.value.field, err.value.code) == ("params.org_ref", "bad_ref")
    with pytest.raises(InvalidInput) as err:  # editing item 1 itself cannot name item 1
        changes.validate_item(
            actor=world.clerk,
            matter=matter,
            op="quota.set",
            org=None,
            seq=1,
            params={"org_ref": 1, "est_type": "admin", "approved": 1},
        )
    assert err.value.code == "bad_ref"


# --- descriptions -------------------------------------------------------------------------------


def test_each_item_reads_as_one_line(world):
    matter = matter_of(world, "merge")
    items = [
        add_item(matter, "org.merge", source_ids=[world.a.pk, world.b.pk], new=FULL_SPEC),
        add_item(matter, "quota.transfer", world.c, est_type="admin", count=3, target_ref=1),
        add_item(matter, "quota.raise", world.a, est_type="admin", count=5),
        add_item(
            matter,
            "leader_post.set",
            None,
            org_ref=1,
            title="局长",
            level="principal",
            rank="section",
            approved=1,
        ),
        add_item(matter, "org.rename", world.c, name="吴中区科技局", short_name="科技局"),
        add_item(matter, "org.establish", **FULL_SPEC | {"name": "吴中区政务服务管理办公室"}),
        add_item(
            matter,
            "reservation.create",
            world.a,
            est_type="admin",
            count=2,
            purpose="公开招录",
            expires_on="2027-03-31",
        ),
    ]
    with translation.override("en"):
        lines = changes.describe_items(items)
        assert changes.describe(items[2]) == lines[2]
    assert lines == [
        "Merge 吴中区市场监督管理局、吴中区发展和改革局 into a new body, 吴中区数据局",
        "Move 3 Administrative posts from 吴中区科学技术局 to 吴中区数据局",
        "Raise Administrative posts of 吴中区市场监督管理局 by 5",
        "Set the leader posts 局长 (Principal) of 吴中区数据局 at 1",
        "Rename 吴中区科学技术局 to 吴中区科技局, short name 科技局",
        "Set up 吴中区政务服务管理办公室",
        "Reserve 2 Administrative posts of 吴中区市场监督管理局 for 公开招录 until 2027-03-31",
    ]
    with translation.override("zh-hans"):
        assert "行政编制" in changes.describe(items[2])


# --- execution ----------------------------------------------------------------------------------


def test_establish_with_posts_through_references(world):
    matter = matter_of(world, "establish")
    add_item(matter, "org.establish", **FULL_SPEC)
    add_item(matter, "quota.set", None, org_ref=1, est_type="admin", approved=6)
    add_item(matter, "quota.transfer", world.a, est_type="admin", count=2, target_ref=1)
    add_item(
        matter,
        "leader_post.set",
        None,
        org_ref=1,
        title="局长",
        level="principal",
        rank="section",
        approved=1,
    )
    office = {"name": "办公室", "category": "internal", "region_code": "320506", "parent_ref": 1}
    org, params = changes.validate_item(
        actor=world.clerk, matter=matter, op="org.establish", org=None, params=office
    )
    add_item(matter, "org.establish", org, **params)
    execute(world, matter)
    new = Org.objects.get(name="吴中区数据局", status=OrgStatus.ACTIVE)
    assert (new.rank, new.established_on) == ("section", EFFECTIVE)
    assert Org.objects.get(name="办公室").parent == new
    assert (quota(new).approved, quota(world.a).approved) == (8, 8)
    post = LeaderPost.objects.get(org=new, title="局长")
    assert (post.approved, post.level, post.document) == (1, "principal", world.decision)
    results = [item.result for item in matter.items.order_by("seq")]
    assert results[0] == {"org_id": new.pk, "name": "吴中区数据局"}
    assert results[1]["approved"] == 6
    assert (results[2]["source"]["approved"], results[2]["target"]["approved"]) == (8, 8)
    assert results[3] == {"leader_post_id": post.pk, "approved": 1, "filled": 0}
    journaled(new, "orgs.org.established", world)
    journaled(quota(new), "staffing.quota.set", world)
    journaled(quota(new), "staffing.quota.transfer_in", world)
    journaled(post, "staffing.leader_post.set", world)


def test_merge_into_a_new_body_then_move_posts_into_it(world):
    ward = establish("吴中区市场监管综合服务中心", category="institution", supervisor=world.a)
    matter = matter_of(world, "merge")
    add_item(matter, "org.merge", source_ids=[world.a.pk, world.b.pk], new=FULL_SPEC)
    add_item(matter, "quota.transfer", world.c, est_type="admin", count=3, target_ref=1)
    add_item(matter, "quota.raise", None, org_ref=1, est_type="admin", count=2)
    execute(world, matter)
    new = Org.objects.get(name="吴中区数据局", status=OrgStatus.ACTIVE)
    for source in (world.a, world.b):
        source.refresh_from_db()
        assert (source.status, source.abolished_on) == (OrgStatus.MERGED, EFFECTIVE)
        link = OrgLink.objects.get(predecessor=source)
        assert (link.successor, link.kind, link.document) == (new, "merged", world.decision)
        journaled(source, "orgs.org.merged", world)
    ward.refresh_from_db()
    assert ward.supervisor == new
    assert (quota(new).approved, quota(world.c).approved) == (5, 7)
    assert matter.items.get(seq=1).result["org_id"] == new.pk


def test_absorb_after_moving_the_posts_over(world):
    matter = matter_of(world, "merge")
    add_item(matter, "quota.transfer", world.b, est_type="admin", count=10, target_id=world.a.pk)
    add_item(matter, "org.merge", world.a, source_ids=[world.b.pk])
    execute(world, matter)
    world.b.refresh_from_db()
    assert world.b.status == OrgStatus.MERGED
    assert OrgLink.objects.get(predecessor=world.b).kind == "absorbed"
    assert (quota(world.a).approved, quota(world.b).approved) == (20, 0)


def test_registry_ops_apply_with_the_decision(world):
    internal = establish("吴中区市场监督管理局办公室", category="internal", parent=world.a)
    plans = [
        ("rename", "org.rename", world.a, {"name": "吴中区市场监管局", "short_name": "市场局"}),
        ("change_rank", "org.change_rank", world.b, {"rank": "vice_division"}),
        ("change_supervisor", "org.change_supervisor", world.c, {"supervisor_id": world.b.pk}),
        (
            "provision",
            "org.provision",
            world.a,
            {
                "functions": ["市场综合监管", "质量安全监管"],
                "internal_bodies": ["综合科"],
                "summary": "三定",
            },
        ),
        ("split", "org.split", world.c, {"into": [SPEC, SPEC | {"name": "吴中区知识产权局"}]}),
        ("abolish", "org.abolish", world.b, {}),
    ]
    for matter_type, op, org, params in plans:
        matter = matter_of(world, matter_type)
        org, cleaned = changes.validate_item(
            actor=world.clerk, matter=matter, op=op, org=org, params=params
        )
        add_item(matter, op, org, **cleaned)
        execute(world, matter)
    a, b, c = (Org.objects.get(pk=org.pk) for org in (world.a, world.b, world.c))
    assert (a.name, a.short_name) == ("吴中区市场监管局", "市场局")
    assert (b.rank, b.status) == ("vice_division", OrgStatus.ABOLISHED)
    assert (c.supervisor, c.status) == (b, OrgStatus.SPLIT)
    provision = a.provisions.get()
    assert [f.text for f in provision.functions.all()] == ["市场综合监管", "质量安全监管"]
    assert (provision.document, provision.valid_from) == (world.decision, EFFECTIVE)
    internal.refresh_from_db()
    assert internal.status == OrgStatus.ABOLISHED
    assert Org.objects.filter(parent=a, name="综合科", status=OrgStatus.ACTIVE).exists()
    assert set(OrgLink.objects.filter(predecessor=c).values_list("successor__name", flat=True)) == {
        "吴中区数据局",
        "吴中区知识产权局",
    }
    for action, org in (
        ("orgs.org.renamed", a),
        ("orgs.org.rank_changed", b),
        ("orgs.org.supervisor_changed", c),
        ("orgs.provision.adopted", a),
        ("orgs.org.split", c),
        ("orgs.org.abolished", b),
    ):
        journaled(org, action, world)


def test_ledger_ops_apply_with_the_decision(world):
    plans = [
        ("quota_raise", "quota.raise", world.a, {"est_type": "admin", "count": 5}),
        ("quota_cut", "quota.cut", world.b, {"est_type": "admin", "count": 2}),
        ("quota_set", "quota.set", world.c, {"est_type": "worker", "approved": 4}),
        (
            "quota_transfer",
            "quota.transfer",
            world.c,
            {"est_type": "admin", "count": 1, "target_id": world.a.pk},
        ),
        (
            "recruit",
            "reservation.create",
            world.a,
            {
                "est_type": "admin",
                "count": 3,
                "purpose": "2026 年公务员招录",
                "expires_on": in_days(90),
            },
        ),
    ]
    for matter_type, op, org, params in plans:
        matter = matter_of(world, matter_type)
        add_item(matter, op, org, **params)
        execute(world, matter)
    a = quota(world.a)
    assert (a.approved, a.reserved, quota(world.b).approved) == (16, 3, 8)
    assert (quota(world.c).approved, quota(world.c, "worker").approved) == (9, 4)
    reservation = Reservation.objects.get(quota=a)
    assert (reservation.count, reservation.purpose) == (3, "2026 年公务员招录")
    assert matter.items.get().result == {
        "reservation_id": reservation.pk,
        "count": 3,
        "vacancy": 13,
    }
    journaled(a, "staffing.quota.raise", world)
    journaled(quota(world.b), "staffing.quota.cut", world)
    journaled(quota(world.c, "worker"), "staffing.quota.set", world)
    journaled(reservation, "staffing.reservation.created", world, dated=False)


def test_a_refusal_names_the_item_and_keeps_nothing(world):
    matter = matter_of(world, "quota_cut")
    add_item(matter, "quota.cut", world.a, est_type="admin", count=3)
    add_item(matter, "quota.cut", world.b, est_type="admin", count=50)
    with pytest.raises(InvalidInput) as err:
        execute(world, matter)
    assert (err.value.field, err.value.code) == ("count", "below_zero")
    assert err.value.details == {"seq": 2, "op": "quota.cut"}
    assert err.value.message_zh.startswith("第 2 项：")
    assert quota(world.a).approved == 10  # item 1 rolled back with the set
    assert not matter.items.filter(result__isnull=False).exists()

    recruit = matter_of(world, "recruit")
    add_item(
        recruit,
        "reservation.create",
        world.a,
        est_type="admin",
        count=11,
        purpose="招录",
        expires_on=in_days(30),
    )
    with pytest.raises(ControlRefused) as err:
        execute(world, recruit)
    assert err.value.code == "over_quota"
    assert err.value.details == {
        "seq": 1,
        "op": "reservation.create",
        "approved": 10,
        "occupied": 0,
        "reserved": 0,
    }


# --- preview ------------------------------------------------------------------------------------


def test_preview_of_a_raise_and_a_leader_post_cut(world):
    stats = establish("吴中区统计局")
    for step in (
        lambda doc: staffing.quota_set(
            actor=None,
            org=stats,
            est_type="admin",
            approved=3,
            document=doc,
            effective_date=D(2020, 1, 1),
        ),
        lambda doc: staffing.leader_post_set(
            actor=None,
            org=stats,
            title="副局长",
            level="deputy",
            approved=2,
            document=doc,
            effective_date=D(2020, 1, 1),
        ),
    ):
        step(make_document())
    deputies = fill_posts(stats, "admin", 3)
    post = LeaderPost.objects.get(org=stats)
    for assignment in deputies[:2]:
        people.leader_appoint(
            actor=None,
            assignment=assignment,
            leader_post=post,
            date=D(2021, 2, 1),
            document=make_document(),
        )
    staffing.quota_adjust(
        actor=None,
        org=stats,
        est_type="admin",
        delta=-1,
        document=make_document(),
        effective_date=D(2022, 1, 1),
    )
    matter = matter_of(world, "provision")
    add_item(matter, "quota.raise", stats, est_type="admin", count=1)
    add_item(matter, "leader_post.set", stats, title="副局长", level="deputy", rank="", approved=1)

    [diff] = changes.preview(matter)

    assert (diff.org_id, diff.name, diff.new, diff.ended, diff.problems) == (
        stats.pk,
        "吴中区统计局",
        False,
        False,
        [],
    )
    assert not any(change.changed for change in diff.fields.values())
    [admin] = diff.quotas
    assert (admin.approved_before, admin.approved_after, admin.occupied) == (2, 3, 3)
    assert (admin.vacancy_before, admin.vacancy_after) == (-1, 0)
    assert (admin.state_before, admin.state_after) == ("over", "full")
    [deputy] = diff.leader_posts
    assert (deputy.approved_before, deputy.approved_after, deputy.filled) == (2, 1, 2)
    assert (deputy.over_before, deputy.over_after) == (False, True)
    assert quota(stats).approved == 2  # nothing written
    assert LeaderPost.objects.get(org=stats).approved == 2


def test_preview_of_a_merge_shows_ended_new_and_handed_over_bodies(world):
    ward = establish("吴中区市场监管综合服务中心", category="institution", supervisor=world.a)
    office = establish("办公室", category="internal", parent=world.a)
    matter = matter_of(world, "merge")
    add_item(matter, "org.merge", source_ids=[world.a.pk, world.b.pk], new=FULL_SPEC)
    add_item(matter, "quota.set", None, org_ref=1, est_type="admin", approved=15)
    add_item(matter, "quota.transfer", world.b, est_type="admin", count=2, target_ref=1)

    by_name = {diff.name: diff for diff in changes.preview(matter)}

    new = by_name["吴中区数据局"]
    assert (new.org_id, new.ref, new.new, new.ended) == (None, 1, True, False)
    assert (new.fields["status"].before, new.fields["status"].after) == (None, "active")
    [posts] = new.quotas
    assert (posts.state_before, posts.approved_after, posts.state_after) == (None, 15, "vacant")
    a = by_name["吴中区市场监督管理局"]
    assert a.ended and (a.fields["status"].before, a.fields["status"].after) == ("active", "merged")
    assert a.quotas[0].approved_after == 10
    assert by_name["办公室"].ended and by_name["办公室"].org_id == office.pk
    moved = by_name[ward.name].fields["supervisor"]
    assert (moved.before, moved.after) == ("吴中区市场监督管理局", "吴中区数据局")
    [problem] = by_name["吴中区发展和改革局"].problems
    assert problem.seq == 3 and "no longer active" in problem.message_en


def test_preview_queries_do_not_grow_with_items(world):
    many = [establish(f"吴中区第{n}局") for n in range(20)]
    for org in many:
        staffing.quota_set(
            actor=None,
            org=org,
            est_type="admin",
            approved=5,
            document=make_document(),
            effective_date=D(2020, 1, 1),
        )
    small, large = matter_of(world, "quota_raise"), matter_of(world, "quota_raise")
    for org in many[:2]:
        add_item(small, "quota.raise", org, est_type="admin", count=1)
    for org in many:
        add_item(large, "quota.raise", org, est_type="admin", count=1)
    changes.preview(small)  # code sets cached
    counts = []
    for matter in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            result = changes.preview(matter)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == 4  # items, bodies, quotas, leader posts
    assert [diff.quotas[0].approved_after for diff in result] == [6] * 20


# --- fingerprint and conflicts ------------------------------------------------------------------


def test_conflicts_after_the_ledger_and_registry_moved(world):
    matter = matter_of(world, "quota_raise")
    add_item(matter, "quota.raise", world.a, est_type="admin", count=5)
    changes.fingerprint(matter)
    facts = matter.items.get().expected["facts"]
    assert {"org": world.a.pk, "field": "approved", "est_type": "admin", "value": 10} in facts
    assert {"org": world.a.pk, "field": "status", "value": "active"} in facts
    assert changes.conflicts(matter) == []

    staffing.quota_adjust(
        actor=None,
        org=world.a,
        est_type="admin",
        delta=-1,
        document=make_document(),
        effective_date=D(2026, 1, 1),
    )
    registry.org_rename(
        actor=None,
        org=world.a,
        name="吴中区市场局",
        document=make_document(),
        effective_date=D(2026, 1, 1),
    )
    found = changes.conflicts(matter)
    assert [
        (c["seq"], c["op"], c["org"], c["field"], c["expected"], c["found"]) for c in found
    ] == [
        (1, "quota.raise", world.a.pk, "name", "吴中区市场监督管理局", "吴中区市场局"),
        (1, "quota.raise", world.a.pk, "quota.admin.approved", 10, 9),
    ]
    assert found[1]["message"] == "第 1 项：“吴中区市场局”行政编制核定数批准时为 10 名，现为 9 名"
    assert found[1]["message_en"].startswith("item 1: approved admin posts")


def test_conflicts_of_reservations_leader_posts_and_names(world):
    recruit = matter_of(world, "recruit")
    add_item(
        recruit,
        "reservation.create",
        world.a,
        est_type="admin",
        count=3,
        purpose="招录",
        expires_on=in_days(60),
    )
    add_item(
        recruit,
        "reservation.create",
        world.a,
        est_type="admin",
        count=4,
        purpose="遴选",
        expires_on=in_days(60),
    )
    posts = matter_of(world, "leader_posts")
    add_item(
        posts, "leader_post.set", world.b, title="局长", level="principal", rank="", approved=1
    )
    new = matter_of(world, "establish")
    add_item(new, "org.establish", **FULL_SPEC)
    for matter in (recruit, posts, new):
        changes.fingerprint(matter)
    vacancy = recruit.items.get(seq=2).expected["facts"][-1]
    assert (vacancy["field"], vacancy["value"], vacancy["needs"]) == ("vacancy", 10, 7)

    fill_posts(world.a, "admin", 3)  # vacancy 7: both reservations still fit
    assert changes.conflicts(recruit) == []
    fill_posts(world.a, "admin", 1)  # vacancy 6: the second no longer fits
    [short] = changes.conflicts(recruit)
    assert (short["seq"], short["field"], short["expected"], short["found"]) == (
        2,
        "quota.admin.vacancy",
        7,
        6,
    )

    staffing.leader_post_set(
        actor=None,
        org=world.b,
        title="局长",
        level="principal",
        approved=2,
        document=make_document(),
        effective_date=D(2026, 1, 1),
    )
    [post] = changes.conflicts(posts)
    assert (post["field"], post["expected"], post["found"]) == (
        "leader_post.局长.approved",
        None,
        2,
    )

    establish("吴中区数据局")
    [taken] = changes.conflicts(new)
    assert (taken["field"], taken["org"], taken["found"]) == ("name_free", None, False)


def test_conflicts_query_count_is_fixed(world, django_assert_max_num_queries):
    matter = matter_of(world, "quota_transfer")
    for source, target in ((world.a, world.b), (world.b, world.c), (world.c, world.a)):
        add_item(matter, "quota.transfer", source, est_type="admin", count=1, target_id=target.pk)
    changes.fingerprint(matter)
    changes.conflicts(matter)  # code sets cached
    with django_assert_max_num_queries(4):
        assert changes.conflicts(matter) == []

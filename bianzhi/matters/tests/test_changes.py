"""The change set of a matter: the ops each type allows, validation per op and field, and
one-line descriptions (execution, preview and conflicts: test_changes_apply.py)."""

import pytest
from django.utils import translation

from bianzhi.core.errors import InvalidInput
from bianzhi.matters import changes
from bianzhi.matters.models import MatterType
from bianzhi.orgs import services as registry
from bianzhi.testing import establish, make_document

from .changes_world import (
    FULL_SPEC,
    SPEC,
    D,
    in_days,
    matter_of,
    validate,
)
from .factories import add_item

pytestmark = pytest.mark.django_db


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

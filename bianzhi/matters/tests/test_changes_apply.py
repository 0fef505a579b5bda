"""The change set of a matter: execution through the services, the dry run, what approval
records and the conflicts found later."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bianzhi.core.errors import InvalidInput
from bianzhi.matters import changes
from bianzhi.orgs import services as registry
from bianzhi.orgs.models import Org, OrgLink, OrgStatus
from bianzhi.personnel import services as people
from bianzhi.staffing import services as staffing
from bianzhi.staffing.control import ControlRefused
from bianzhi.staffing.models import LeaderPost, Reservation
from bianzhi.testing import establish, make_document

from .changes_world import (
    EFFECTIVE,
    FULL_SPEC,
    SPEC,
    D,
    execute,
    in_days,
    journaled,
    matter_of,
    quota,
)
from .factories import add_item, fill_posts

pytestmark = pytest.mark.django_db

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

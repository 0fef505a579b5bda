import datetime

import pytest

from bianzhi.core.errors import InvalidInput
from bianzhi.personnel import services as people
from bianzhi.personnel.models import Assignment
from bianzhi.staffing import services as staffing
from bianzhi.staffing.control import ControlRefused
from bianzhi.staffing.models import Quota, StaffingPolicy
from bianzhi.testing import establish, make_document

pytestmark = pytest.mark.django_db
D = datetime.date
IDS = [
    "110101199003070011",
    "110101199003070038",
    "110101199003070054",
    "110101199003070070",
    "110101199003070097",
    "110101199003070118",
]


@pytest.fixture
def bureau():
    org = establish("吴中区统计局")
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=2,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    return org


def person(i: int, **kw):
    return people.person_register(actor=None, resident_id=IDS[i], name=f"人员{i}", **kw)


def onboard(p, org, **kw):
    return people.assignment_onboard(
        actor=None,
        person=p,
        org=org,
        est_type="admin",
        start_date=D(2024, 1, 1),
        entry_way="exam",
        document=make_document(),
        **kw,
    )


def quota(org):
    return Quota.objects.get(org=org, est_type="admin")


def test_onboard_until_full_then_refuse_naming_the_numbers(bureau):
    onboard(person(0), bureau)
    onboard(person(1), bureau)
    with pytest.raises(ControlRefused) as err:
        onboard(person(2), bureau)
    assert err.value.code == "over_quota"
    assert "核定 2 名" in err.value.message_zh and "实有 2 名" in err.value.message_zh
    assert err.value.details == {
        "org_id": bureau.pk,
        "est_type": "admin",
        "approved": 2,
        "occupied": 2,
        "reserved": 0,
    }
    assert (quota(bureau).occupied, Assignment.objects.count()) == (2, 2)


def test_one_person_one_post(bureau):
    p = person(0)
    onboard(p, bureau)
    other = establish("吴中区审计局")
    staffing.quota_set(
        actor=None,
        org=other,
        est_type="admin",
        approved=5,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    with pytest.raises(ControlRefused) as err:
        onboard(p, other)
    assert err.value.code == "already_on_establishment"


def test_cut_below_occupation_flags_and_exit_then_reentry(bureau):
    first = person(0)
    a = onboard(first, bureau)
    onboard(person(1), bureau)
    staffing.quota_adjust(
        actor=None,
        org=bureau,
        est_type="admin",
        delta=-1,
        document=make_document(),
        effective_date=D(2024, 6, 1),
    )
    assert quota(bureau).vacancy == -1
    people.assignment_exit(
        actor=None,
        assignment=a,
        end_date=D(2024, 7, 1),
        exit_way="retire",
        document=make_document(),
    )
    with pytest.raises(ControlRefused):  # exactly full: one out, one in — none here yet
        onboard(person(2), bureau)
    people.assignment_exit(
        actor=None,
        assignment=Assignment.objects.get(end_date=None),
        end_date=D(2024, 8, 1),
        exit_way="resign",
        document=make_document(),
    )
    onboard(first, bureau)  # re-entry of a former occupant
    assert quota(bureau).occupied == 1


def test_frozen_quota_takes_no_one(bureau):
    staffing.quota_freeze(
        actor=None,
        org=bureau,
        est_type="admin",
        frozen=True,
        document=make_document(),
        effective_date=D(2024, 1, 1),
    )
    with pytest.raises(ControlRefused) as err:
        onboard(person(0), bureau)
    assert err.value.code == "quota_frozen"


def test_reservations_hold_posts_and_are_consumed(bureau):
    r = staffing.reservation_create(
        actor=None,
        org=bureau,
        est_type="admin",
        count=1,
        purpose="2026年公务员考录",
        expires_on=D(2099, 1, 1),
        document=make_document(),
    )
    onboard(person(0), bureau)
    second = person(1)
    with pytest.raises(ControlRefused):
        onboard(second, bureau)  # the last post is reserved
    onboard(second, bureau, reservation=r)
    r.refresh_from_db()
    assert (r.status, r.remaining, quota(bureau).reserved) == ("used", 0, 0)


def test_cancelled_reservation_releases_its_posts(bureau):
    r = staffing.reservation_create(
        actor=None,
        org=bureau,
        est_type="admin",
        count=2,
        purpose="招聘",
        expires_on=D(2099, 1, 1),
        document=make_document(),
    )
    first = person(0)
    with pytest.raises(ControlRefused):
        onboard(first, bureau)
    staffing.reservation_cancel(actor=None, reservation=r, document=make_document())
    onboard(first, bureau)


def test_warn_policy_allows_a_recorded_override(bureau):
    StaffingPolicy.objects.create(org=bureau, mode="warn")
    onboard(person(0), bureau)
    onboard(person(1), bureau)
    third = person(2)
    with pytest.raises(ControlRefused):
        onboard(third, bureau)
    a = onboard(third, bureau, override_by="县委编委 张三", override_document=make_document())
    assert a.override_by == "县委编委 张三" and quota(bureau).occupied == 3


def test_overflow_tolerance_in_percent_rounds_up(bureau):
    StaffingPolicy.objects.create(org=bureau, overflow_percent=10)  # 10% of 2 → 1 post
    for i in range(3):
        onboard(person(i), bureau)
    with pytest.raises(ControlRefused):
        onboard(person(3), bureau)


def test_transfer_is_atomic(bureau):
    full = establish("吴中区财政局")
    staffing.quota_set(
        actor=None,
        org=full,
        est_type="admin",
        approved=1,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    onboard(person(1), full)
    a = onboard(person(0), bureau)
    with pytest.raises(ControlRefused):
        people.assignment_transfer(
            actor=None, assignment=a, to_org=full, date=D(2025, 1, 1), document=make_document()
        )
    a.refresh_from_db()
    assert a.end_date is None and quota(bureau).occupied == 1
    staffing.quota_adjust(
        actor=None,
        org=full,
        est_type="admin",
        delta=1,
        document=make_document(),
        effective_date=D(2025, 1, 1),
    )
    b = people.assignment_transfer(
        actor=None, assignment=a, to_org=full, date=D(2025, 2, 1), document=make_document()
    )
    assert (b.org, quota(bureau).occupied, quota(full).occupied) == (full, 0, 2)


def test_leader_posts_are_controlled(bureau):
    post = staffing.leader_post_set(
        actor=None,
        org=bureau,
        title="局长",
        level="principal",
        approved=1,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    a, b = onboard(person(0), bureau), onboard(person(1), bureau)
    people.leader_appoint(
        actor=None, assignment=a, leader_post=post, date=D(2024, 2, 1), document=make_document()
    )
    with pytest.raises(ControlRefused) as err:
        people.leader_appoint(
            actor=None, assignment=b, leader_post=post, date=D(2024, 2, 1), document=make_document()
        )
    assert err.value.code == "over_leader_posts"
    people.assignment_exit(
        actor=None,
        assignment=a,
        end_date=D(2024, 3, 1),
        exit_way="retire",
        document=make_document(),
    )
    people.leader_appoint(
        actor=None, assignment=b, leader_post=post, date=D(2024, 3, 1), document=make_document()
    )
    post.refresh_from_db()
    assert post.filled == 1


def test_parent_quota_covers_internal_bodies(bureau):
    office = establish("办公室", category="internal", parent=bureau)
    staffing.quota_set(
        actor=None,
        org=office,
        est_type="admin",
        approved=2,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    with pytest.raises(InvalidInput) as err:
        staffing.quota_set(
            actor=None,
            org=office,
            est_type="admin",
            approved=3,
            document=make_document(),
            effective_date=D(2020, 1, 1),
        )
    assert err.value.code == "parent_sum"


def test_transfer_of_posts_and_the_pool(bureau):
    other = establish("吴中区商务局")
    staffing.quota_transfer(
        actor=None,
        source=bureau,
        target=other,
        est_type="admin",
        count=1,
        document=make_document(),
        effective_date=D(2024, 1, 1),
    )
    assert (quota(bureau).approved, quota(other).approved) == (1, 1)
    staffing.pool_withdraw(
        actor=None,
        org=other,
        est_type="admin",
        count=1,
        document=make_document(),
        effective_date=D(2024, 2, 1),
    )
    staffing.pool_lend(
        actor=None,
        org=bureau,
        est_type="admin",
        count=1,
        document=make_document(),
        effective_date=D(2024, 3, 1),
    )
    assert (quota(bureau).approved, quota(other).approved) == (2, 0)
    with pytest.raises(InvalidInput):
        staffing.pool_lend(
            actor=None,
            org=bureau,
            est_type="admin",
            count=1,
            document=make_document(),
            effective_date=D(2024, 3, 1),
        )


def test_person_register_checks_the_id():
    with pytest.raises(InvalidInput) as err:
        people.person_register(actor=None, resident_id="110101199003070012", name="某")
    assert err.value.field == "resident_id" and err.value.code == "ric.checksum"
    p = person(0)
    assert (p.gender, p.birth_date, p.retirement_category, p.retires_on) == (
        "M",
        D(1990, 3, 7),
        "male_60",
        D(2053, 3, 1),
    )
    with pytest.raises(InvalidInput):
        person(0)

"""People in the demo province (`bianzhi demo --people M`): counts, counters, over-quota bodies,
the retirement cohort, valid resident IDs and determinism."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.utils import timezone

from bianzhi.core.identifiers import validate_resident_id
from bianzhi.core.models import JournalEntry
from bianzhi.orgs import demo
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.personnel.models import Assignment, LeaderTenure, Person
from bianzhi.personnel.retirement import YearMonth
from bianzhi.staffing.models import LeaderPost, Quota, QuotaChange

pytestmark = pytest.mark.django_db
N, M, SEED = 150, 160, 7


@pytest.fixture
def people():
    demo.load_plan(demo.build_plan("320000", N, SEED))
    plan = demo.plan_people("320000", M, SEED)
    stats = demo.load_people(plan)
    return plan, stats


def planned_shape(plan) -> dict:
    """(body, type) → (approved after the cuts, occupants) as planned."""
    return {
        (body.org.pk, quota.est_type): (quota.approved + quota.cut, quota.fill)
        for body in plan.bodies
        for quota in body.quotas
    }


def assert_people_shape(plan) -> None:
    assert Person.objects.count() == M
    assert Assignment.objects.filter(end_date__isnull=True).count() == M
    bodies = Org.objects.filter(status=OrgStatus.ACTIVE).exclude(category="internal")
    assert set(Quota.objects.values_list("org_id", flat=True)) == set(
        bodies.values_list("pk", flat=True)
    )
    real = Quota.objects.annotate(n=Count("assignments", filter=Q(assignments__end_date=None)))
    assert all(quota.n == quota.occupied for quota in real), "counters differ from the rows"
    shape = {(q.org_id, q.est_type): (q.approved, q.occupied) for q in Quota.objects.all()}
    assert shape == planned_shape(plan)
    posts = LeaderPost.objects.annotate(n=Count("holders", filter=Q(holders__end_date=None)))
    assert all(post.n == post.filled <= post.approved for post in posts)
    assert LeaderTenure.objects.count() == Assignment.objects.exclude(leader_post=None).count()
    assert JournalEntry.objects.filter(action="personnel.assignment.onboarded").count() == M
    assert JournalEntry.objects.filter(action="personnel.person.registered").count() == M


def test_people_fill_the_bodies_through_the_services(people):
    plan, stats = people
    assert (stats.persons, stats.regions) == (M, len({b.place.code for b in plan.bodies}))
    assert_people_shape(plan)
    assert set(Quota.objects.values_list("est_type", flat=True)) >= {"admin", "inst_full"}
    assert LeaderPost.objects.filter(level="principal", filled=1).exists()
    assert Quota.objects.filter(occupied=0).exists(), "some bodies are vacant"
    full = Quota.objects.filter(occupied=F("approved"), occupied__gt=0)
    assert full.count() >= Quota.objects.count() // 3


def test_cuts_leave_some_bodies_over_quota(people):
    over = Quota.objects.filter(occupied__gt=F("approved"))
    assert over.exists()
    assert QuotaChange.objects.filter(kind="cut", quota__in=over).count() == over.count()
    cut = JournalEntry.objects.filter(action="staffing.quota.cut").first()
    assert cut.document is not None and "核减" in cut.document.title


def test_some_people_are_past_or_near_retirement(people):
    horizon = (YearMonth.of(timezone.localdate()) + 12).first_day
    assert Person.objects.filter(retires_on__lte=horizon).exists()
    assert Person.objects.filter(retires_on__gt=horizon).count() > M // 2


def test_resident_ids_are_valid_unique_and_agree_with_the_person(people):
    ids = list(Person.objects.values_list("resident_id", "gender", "birth_date"))
    assert len({number for number, _, _ in ids}) == M
    for number, gender, birth in ids:
        ric = validate_resident_id(number)
        assert (ric.gender, ric.birth_date) == (gender, birth)
        assert 1962 <= birth.year <= 2002
        assert number[:2] == "32"


def test_the_same_seed_gives_the_same_people(people):
    plan, _ = people
    again = demo.plan_people("320000", M, SEED)
    facts = [(r.resident_id, r.name, r.start_date, r.entry_way, r.role) for r in again.recruits]
    assert facts == [
        (r.resident_id, r.name, r.start_date, r.entry_way, r.role) for r in plan.recruits
    ]
    assert planned_shape(again) == planned_shape(plan)
    other = demo.plan_people("320000", M, SEED + 1)
    assert [r.resident_id for r in other.recruits] != [r.resident_id for r in plan.recruits]


def test_the_command_with_fast_writes_the_same_shape():
    out = io.StringIO()
    args = ["--fast", "--orgs", str(N), "--people", str(M), "--seed", str(SEED)]
    # without the demo matters, whose executed one raises a quota beyond the plan
    call_command("demo", *args, "--no-matters", stdout=out)
    assert f"People: {M} persons" in out.getvalue()
    assert_people_shape(demo.plan_people("320000", M, SEED))
    assert Quota.objects.filter(occupied__gt=F("approved")).exists()


def test_the_command_refuses_a_negative_number_of_people():
    with pytest.raises(CommandError):
        call_command("demo", "--orgs", "50", "--people", "-1", stdout=io.StringIO())
    assert not Org.objects.exists()

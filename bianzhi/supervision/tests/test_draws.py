"""双随机 draws: reproducible from the recorded seed and pools, counts checked against the
pools, inspectors only from the office's inspectors; recording an inspection's result."""

import datetime

import pytest
from django.utils import timezone

from bianzhi.core.errors import InvalidInput, InvalidTransition
from bianzhi.core.models import JournalEntry
from bianzhi.matters.models import Notification
from bianzhi.registration import services as register
from bianzhi.registration.testing import make_institution
from bianzhi.supervision import services
from bianzhi.supervision.models import Inspection, InspectionState
from bianzhi.testing import make_user

pytestmark = pytest.mark.django_db


def draw(office, seed="20250101", count=3, per=2, actor=None):
    return services.draw_create(
        actor=actor or office.registrar,
        title="2025年度事业单位双随机抽查",
        year=2025,
        institution_count=count,
        inspectors_per_institution=per,
        seed=seed,
    )


def test_a_draw_records_its_pools_and_seed_and_plans_one_inspection_per_pick(office):
    made = draw(office)
    ids = sorted(i.pk for i in office.institutions)
    inspectors = sorted(u.pk for u in (office.registrar, office.registrar2, office.registrar3))
    assert made.pool == ids
    assert made.inspector_pool == inspectors  # not the leader, the clerk or the city's registrar
    assert made.seed == "20250101"
    stored = services.draw_stored(made)
    assert len(stored) == 3
    assert len({pk for pk, _ids in stored}) == 3
    assert all(len(ids) == 2 and set(ids) <= set(inspectors) for _pk, ids in stored)
    assert set(Inspection.objects.values_list("state", flat=True)) == {InspectionState.PLANNED}
    entry = JournalEntry.objects.get(action="supervision.inspectiondraw.drawn")
    assert entry.after["seed"] == "20250101"
    assert entry.after["picks"] == [[pk, ids] for pk, ids in stored]
    assert JournalEntry.objects.filter(action="supervision.inspection.assigned").count() == 3


def test_the_same_seed_gives_the_same_picks_and_another_seed_others(office):
    first, again = draw(office, seed="7"), draw(office, seed="7")
    other = draw(office, seed="8")
    assert services.draw_stored(first) == services.draw_stored(again)
    assert services.draw_stored(first) == services.draw_picks(
        first.pool, first.inspector_pool, "7", 3, 2
    )
    assert services.draw_stored(other) != services.draw_stored(first)


def test_the_replay_equals_the_stored_picks_even_after_the_register_changed(office, nodes):
    made = draw(office, seed="123456789012345678")
    stored = services.draw_stored(made)
    assert services.draw_replay(made) == stored
    # Afterwards: a new institution, an inspector leaves, an institution's registration ends.
    make_institution("苏州市吴中区美术馆", registrar=nodes["county"])
    type(office.registrar3).objects.filter(pk=office.registrar3.pk).update(is_active=False)
    register.institution_end(
        actor=None,
        institution=office.institutions[0],
        status="cancelled",
        on=datetime.date(2025, 6, 1),
        document=None,
        reason="注销",
    )
    made.refresh_from_db()
    assert services.draw_replay(made) == stored
    assert services.draw_pools(nodes["county"])[0] != made.pool  # a new draw sees the change


def test_a_random_seed_is_a_recorded_64_bit_number(office):
    made = draw(office, seed=None)
    assert made.seed.isdigit() and 0 <= int(made.seed) < 2**64
    assert services.draw_replay(made) == services.draw_stored(made)


@pytest.mark.parametrize(
    ("count", "per", "field"),
    [
        (6, 1, "institution_count"),
        (0, 1, "institution_count"),
        (1, 4, "inspectors_per_institution"),
        (1, 0, "inspectors_per_institution"),
    ],
)
def test_counts_above_the_pools_or_below_one_are_refused(office, count, per, field):
    with pytest.raises(InvalidInput) as caught:
        draw(office, count=count, per=per)
    assert caught.value.field == field
    assert Inspection.objects.count() == 0


@pytest.mark.parametrize("seed", ["-1", "abc", str(2**64)])
def test_a_seed_outside_64_bits_is_refused(office, seed):
    with pytest.raises(InvalidInput) as caught:
        draw(office, seed=seed)
    assert caught.value.field == "seed"


def test_the_whole_pool_can_be_drawn_and_an_office_without_institutions_cannot_draw(office, nodes):
    made = draw(office, count=5, per=3)
    assert sorted(pk for pk, _ids in services.draw_stored(made)) == made.pool
    city_registrar = office.city_registrar  # the city registers nothing itself
    with pytest.raises(InvalidInput) as caught:
        draw(office, count=1, per=1, actor=city_registrar)
    assert caught.value.field == "institution_count"


def test_only_holders_of_manage_inspection_draw(office):
    for user in (office.leader, office.clerk):
        with pytest.raises(services.Forbidden):
            draw(office, actor=user)


def test_inspectors_are_notified_of_their_inspections(office):
    made = draw(office, count=3, per=2)
    assigned = {u for _pk, ids in services.draw_stored(made) for u in ids}
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert notified == assigned
    assert Notification.objects.first().url == f"/supervision/draws/{made.pk}/"


# --- recording results ---------------------------------------------------------------------


def planned(office) -> Inspection:
    made = draw(office, count=1, per=1)
    return made.inspections.get()


def record(inspection, actor, **kwargs):
    values = {
        "inspected_on": timezone.localdate(),
        "findings": "账簿完整，未按期报告年度报告。",
        "result": "rectify",
        "rectify_by": timezone.localdate() + datetime.timedelta(days=30),
    } | kwargs
    return services.inspection_record(actor=actor, inspection=inspection, **values)


def test_an_inspector_records_the_result_once(office):
    inspection = planned(office)
    inspector = inspection.inspectors.get()
    done = record(inspection, inspector)
    assert done.state == InspectionState.DONE
    assert done.result == "rectify" and done.recorded_by == inspector
    entry = JournalEntry.objects.get(action="supervision.inspection.recorded")
    assert entry.entity_id == inspection.pk and entry.after["result"] == "rectify"
    with pytest.raises(InvalidTransition) as caught:
        record(inspection, inspector, result="pass", rectify_by=None)
    assert caught.value.field == "state"


def test_a_registrar_of_the_office_records_but_others_may_not(office):
    inspection = planned(office)
    others = [u for u in (office.registrar, office.registrar2, office.registrar3)]
    colleague = next(u for u in others if not inspection.inspectors.filter(pk=u.pk).exists())
    for user in (office.leader, office.city_registrar, office.outsider):
        with pytest.raises(services.Forbidden):
            record(inspection, user)
    assert record(inspection, colleague).recorded_by == colleague


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"result": "rectify", "rectify_by": None}, "rectify_by"),
        ({"result": "rectify", "rectify_by": "today"}, "rectify_by"),
        ({"result": "pass", "rectify_by": "later"}, "rectify_by"),
        ({"result": "excellent", "rectify_by": None}, "result"),
        ({"findings": "  "}, "findings"),
        ({"inspected_on": "tomorrow"}, "inspected_on"),
        ({"inspected_on": "yesterday"}, "inspected_on"),  # before the draw
    ],
)
def test_bad_results_are_refused_naming_the_field(office, changes, field):
    today = timezone.localdate()
    days = {
        "today": today,
        "later": today + datetime.timedelta(days=9),
        "tomorrow": today + datetime.timedelta(days=1),
        "yesterday": today - datetime.timedelta(days=1),
    }
    inspection = planned(office)
    values = {k: days.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    with pytest.raises(InvalidInput) as caught:
        record(inspection, office.registrar, **values)
    assert caught.value.field == field
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.PLANNED


def test_a_pass_or_fail_has_no_time_limit(office):
    done = record(planned(office), office.registrar, result="fail", rectify_by=None)
    assert done.result == "fail" and done.rectify_by is None


def test_an_inactive_inspector_is_not_in_the_next_pool(office):
    type(office.registrar2).objects.filter(pk=office.registrar2.pk).update(is_active=False)
    extra = make_user("reg4", office.node, role="registrar")
    made = draw(office, count=1, per=1)
    assert office.registrar2.pk not in made.inspector_pool
    assert extra.pk in made.inspector_pool

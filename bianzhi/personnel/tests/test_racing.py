"""Racing ways in on PostgreSQL: many threads onboard into a body with few vacant posts at once;
the counter-row lock lets exactly the vacancy through and refuses the rest."""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from bianzhi.core.identifiers import ric_check_digit
from bianzhi.personnel import services as people
from bianzhi.personnel.models import Assignment
from bianzhi.staffing import services as staffing
from bianzhi.staffing.control import ControlRefused
from bianzhi.staffing.models import Quota
from bianzhi.testing import establish, make_document

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
D = datetime.date


def resident_id(i: int) -> str:
    first17 = f"32050619900101{i:03d}"
    return first17 + ric_check_digit(first17)


def race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = Counter()
    lock = threading.Lock()

    def run(call):
        barrier.wait()
        try:
            call()
            result = "ok"
        except ControlRefused as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_racing_onboards_never_overshoot():
    org = establish("吴中区应急管理局")
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=3,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    persons = [
        people.person_register(actor=None, resident_id=resident_id(i), name=f"甲{i}")
        for i in range(12)
    ]
    doc = make_document()

    def onboard(person):
        return lambda: people.assignment_onboard(
            actor=None,
            person=person,
            org=org,
            est_type="admin",
            start_date=D(2024, 1, 1),
            entry_way="exam",
            document=doc,
        )

    outcomes = race([onboard(p) for p in persons])
    assert outcomes == Counter({"ok": 3, "over_quota": 9})
    quota = Quota.objects.get(org=org)
    assert quota.occupied == 3 == Assignment.objects.filter(org=org, end_date=None).count()


def test_the_same_person_racing_into_two_bodies_gets_one_post():
    a, b = establish("吴中区甲中心", category="gov"), establish("吴中区乙中心", category="gov")
    for org in (a, b):
        staffing.quota_set(
            actor=None,
            org=org,
            est_type="admin",
            approved=5,
            document=make_document(),
            effective_date=D(2020, 1, 1),
        )
    person = people.person_register(actor=None, resident_id=resident_id(99), name="乙")
    doc = make_document()
    outcomes = race(
        [
            lambda org=org: people.assignment_onboard(
                actor=None,
                person=person,
                org=org,
                est_type="admin",
                start_date=D(2024, 1, 1),
                entry_way="exam",
                document=doc,
            )
            for org in (a, b, a, b)
        ]
    )
    assert outcomes == Counter({"ok": 1, "already_on_establishment": 3})
    assert sum(q.occupied for q in Quota.objects.all()) == 1

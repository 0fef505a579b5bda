"""Racing executions on PostgreSQL: several clerks press 执行 on the same issued matter at
once; the matter row lock lets one apply the change set and the others find it executed."""

import threading

import pytest
from django.db import connection, connections

from bianzhi.core.models import JournalEntry
from bianzhi.matters import services
from bianzhi.matters.models import MatterState
from bianzhi.staffing.models import Quota, QuotaChange

from .conftest import act, raise_matter, to_approved

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_racing_executions_apply_the_change_set_once(office):
    matter = to_approved(office, raise_matter(office, count=5))
    act(matter, office.clerk, "issue")
    barrier = threading.Barrier(4)
    states, errors = [], []

    def run():
        barrier.wait()
        try:
            done = services.matter_act(actor=office.clerk, matter=matter, action="execute")
            states.append(done.state)
        except Exception as exc:  # any failure fails the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and states == [MatterState.EXECUTED] * 4
    assert Quota.objects.get(org=office.body, est_type="admin").approved == 25
    assert QuotaChange.objects.filter(quota__org=office.body, kind="raise").count() == 1
    assert JournalEntry.objects.filter(action="matters.matter.executed").count() == 1

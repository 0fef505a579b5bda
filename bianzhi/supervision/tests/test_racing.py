"""Racing decisions on PostgreSQL: leaders revoking the same institution at once produce one
penalty, one decision number and one notice; decisions on different institutions at once
take consecutive numbers without gaps."""

import datetime
import threading

import pytest
from django.db import connection, connections

from bianzhi.core.errors import InvalidTransition
from bianzhi.core.models import DocumentCounter
from bianzhi.registration.models import Notice
from bianzhi.supervision import services
from bianzhi.supervision.models import Penalty
from bianzhi.testing import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def race(calls) -> tuple[list, list]:
    barrier = threading.Barrier(len(calls))
    done, errors = [], []

    def run(call):
        barrier.wait()
        try:
            done.append(call())
        except Exception as exc:  # collected and checked by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return done, errors


def impose(leader, institution, kind):
    return lambda: services.penalty_impose(
        actor=leader,
        institution=institution,
        kind=kind,
        reason="以欺骗手段取得登记",
        decided_on=datetime.date(2025, 3, 1),
    )


def test_racing_revocations_revoke_once(office):
    leaders = [office.leader] + [
        make_user(f"leader{n}", office.node, role="leader") for n in (2, 3)
    ]
    institution = office.institutions[0]
    done, errors = race([impose(leader, institution, "revoke") for leader in leaders])
    assert len(done) == 1 and len(errors) == 2
    assert all(isinstance(exc, InvalidTransition) for exc in errors)
    assert Penalty.objects.count() == 1
    assert Notice.objects.filter(institution=institution, kind="revoke").count() == 1
    assert DocumentCounter.objects.get(node=office.node, year=2025).last == 1


def test_racing_decisions_take_consecutive_numbers(office):
    calls = [impose(office.leader, inst, "warning") for inst in office.institutions[:4]]
    done, errors = race(calls)
    assert errors == [] and len(done) == 4
    numbers = sorted(p.document.number for p in Penalty.objects.select_related("document"))
    assert numbers == [f"吴中区委编办发〔2025〕{n}号" for n in (1, 2, 3, 4)]

"""Racing on PostgreSQL: reminder runs at once remind each institution once, and drafts saved
at once leave one report."""

import datetime
import threading

import pytest
from django.db import connection, connections

from bianzhi.annualreports import services
from bianzhi.annualreports.models import AnnualReport, Reminder
from bianzhi.core.errors import Conflict
from bianzhi.matters.models import Notification

from .conftest import JAN_2, YEAR, good_content

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def race(work, n: int = 4) -> tuple[list, list]:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:  # collected and checked by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_reminder_runs_at_once_remind_each_institution_once(world):
    results, errors = race(lambda: services.reminders_send(today=datetime.date(YEAR + 1, 3, 1)))
    assert errors == [] and sum(results) == 2
    assert Reminder.objects.count() == 2
    assert Notification.objects.filter(action="remind").count() == 2


def test_drafts_saved_at_once_leave_one_report(world):
    def save():
        return services.report_save(
            actor=world.unit,
            institution=world.school,
            year=YEAR,
            content=good_content(),
            today=JAN_2,
        )

    results, errors = race(save)
    assert all(isinstance(e, Conflict) and e.field == "year" for e in errors)
    assert len(results) + len(errors) == 4 and results
    assert AnnualReport.objects.filter(institution=world.school, year=YEAR).count() == 1

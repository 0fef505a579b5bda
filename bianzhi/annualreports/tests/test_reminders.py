"""Reminders 30, 10 and 3 days before 31 March: once per institution, year and threshold, only
to the accounts of institutions that have not sent their report; the missed list."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from bianzhi.annualreports import queries, services
from bianzhi.annualreports.models import Reminder
from bianzhi.matters.models import Notification
from bianzhi.registration.testing import make_institution

from .conftest import YEAR, draft, submitted, unit_account

D = datetime.date
pytestmark = pytest.mark.django_db


def send(day: datetime.date, capture) -> int:
    with capture(execute=True):
        return services.reminders_send(today=day)


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (D(2025, 2, 28), None),
        (D(2025, 3, 1), (YEAR, "d30")),
        (D(2025, 3, 20), (YEAR, "d30")),
        (D(2025, 3, 21), (YEAR, "d10")),
        (D(2025, 3, 28), (YEAR, "d3")),
        (D(2025, 3, 31), (YEAR, "d3")),
        (D(2025, 4, 1), None),
    ],
)
def test_the_thresholds(day, due):
    assert services.due_reminder(day) == due


def test_reminders_go_once_and_only_to_those_who_have_not_reported(
    world, django_capture_on_commit_callbacks
):
    submitted(world, institution=world.clinic, unit=world.clinic_unit)
    draft(world)  # a draft is not a report sent
    assert send(D(2025, 2, 28), django_capture_on_commit_callbacks) == 0
    assert send(D(2025, 3, 1), django_capture_on_commit_callbacks) == 1
    note = Notification.objects.get()
    assert (note.user, note.action, note.url) == (
        world.unit,
        "remind",
        f"/unit/annual-reports/{YEAR}/",
    )
    assert "2025-03-31" in note.message
    assert [m.to for m in mail.outbox] == [["school@example.cn"]]
    # Again on the same threshold: nothing.
    assert send(D(2025, 3, 2), django_capture_on_commit_callbacks) == 0
    assert send(D(2025, 3, 20), django_capture_on_commit_callbacks) == 0
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1
    # The next threshold sends again, once.
    assert send(D(2025, 3, 21), django_capture_on_commit_callbacks) == 1
    assert send(D(2025, 3, 21), django_capture_on_commit_callbacks) == 0
    kinds = list(Reminder.objects.order_by("id").values_list("institution_id", "year", "kind"))
    assert kinds == [(world.school.pk, YEAR, "d30"), (world.school.pk, YEAR, "d10")]
    assert not Notification.objects.filter(user=world.clinic_unit).exists()


def test_a_returned_report_is_reminded_and_a_published_one_is_not(world):
    report = submitted(world)
    services.report_act(
        actor=world.registrar, report=report, action="return", comment="补充", today=D(2025, 1, 3)
    )
    clinic = submitted(world, institution=world.clinic, unit=world.clinic_unit)
    services.report_act(actor=world.registrar, report=clinic, action="publish")
    assert services.reminders_send(today=D(2025, 3, 28)) == 1
    assert Reminder.objects.get().institution == world.school


def test_institutions_registered_after_the_year_are_not_reminded(world):
    newcomer = make_institution("吴中区新设中心", registrar=world.county, on=D(2025, 1, 10))
    unit_account("newcomer_unit", newcomer)
    assert services.reminders_send(today=D(2025, 3, 28)) == 2  # the school and the clinic
    assert not Reminder.objects.filter(institution=newcomer).exists()


def test_the_command_takes_a_date(world):
    out = StringIO()
    call_command("annual_reports_remind", "--date", "2025-03-01", stdout=out)
    assert out.getvalue().strip() == "2 institutions reminded on 2025-03-01"
    call_command("annual_reports_remind", "--date", "2025-03-01", stdout=out)
    assert Reminder.objects.count() == 2
    with pytest.raises(CommandError, match="--date"):
        call_command("annual_reports_remind", "--date", "31/03/2025")


def test_the_missed_list_names_the_silent_and_the_late_in_scope(world, nodes):
    submitted(world, today=D(2025, 3, 31))  # on time
    late = submitted(world, institution=world.clinic, unit=world.clinic_unit, today=D(2025, 4, 1))
    returned_late = make_institution("吴中区文化馆", registrar=world.county)
    silent = make_institution("吴中区图书馆", registrar=world.county)
    draft(world, institution=returned_late, unit=unit_account("culture_unit", returned_late))
    beijing = make_institution("北京市某中心", registrar=nodes["other"], region="110101")
    rows = queries.missed(YEAR, world.registrar)
    assert [(r.institution, r.report) for r in rows] == sorted(
        [
            (world.clinic, late),
            (returned_late, returned_late.annual_reports.get()),
            (silent, None),
        ],
        key=lambda pair: pair[0].credit_code,
    )
    assert [r.institution for r in queries.missed(YEAR, world.other_registrar)] == [beijing]

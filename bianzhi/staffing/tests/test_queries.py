import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bianzhi.personnel import services as people
from bianzhi.staffing import services as staffing
from bianzhi.staffing.queries import (
    QuotaFilter,
    due_to_retire,
    past_retirement,
    quota_rows,
    staffing_panel,
)
from bianzhi.testing import establish, make_document

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def setup():
    a, b, c = establish("吴中区甲局"), establish("吴中区乙局"), establish("吴中区丙局")
    for org, n in ((a, 2), (b, 1), (c, 3)):
        staffing.quota_set(
            actor=None,
            org=org,
            est_type="admin",
            approved=n,
            document=make_document(),
            effective_date=D(2020, 1, 1),
        )
    ids = iter(["110101196501010018", "110101197104010043", "110101199003070011"])
    born = []
    for org in (a, a, b):
        p = people.person_register(actor=None, resident_id=next(ids), name="某")
        people.assignment_onboard(
            actor=None,
            person=p,
            org=org,
            est_type="admin",
            start_date=D(2021, 1, 1),
            entry_way="exam",
            document=make_document(),
        )
        born.append(p)
    staffing.quota_adjust(
        actor=None,
        org=a,
        est_type="admin",
        delta=-1,
        document=make_document(),
        effective_date=D(2023, 1, 1),
    )
    return a, b, c, born


def names(rows):
    return sorted(row["org__name"] for row in rows)


def test_states_today_and_as_of_a_date(setup, users):
    user = users["province"]
    assert names(quota_rows(user, QuotaFilter(state="over"))) == ["吴中区甲局"]
    assert names(quota_rows(user, QuotaFilter(state="full"))) == ["吴中区乙局"]
    assert names(quota_rows(user, QuotaFilter(state="vacant"))) == ["吴中区丙局"]
    past = QuotaFilter(state="full", as_of=D(2022, 1, 1))
    assert names(quota_rows(user, past)) == ["吴中区乙局", "吴中区甲局"]
    before_hiring = QuotaFilter(state="vacant", as_of=D(2020, 6, 1))
    assert len(quota_rows(user, before_hiring)) == 3
    assert quota_rows(users["outsider"], QuotaFilter()) == []


def test_quota_rows_query_count_is_fixed(setup, users):
    with CaptureQueriesContext(connection) as ctx:
        quota_rows(users["province"], QuotaFilter(as_of=D(2022, 1, 1)))
    assert len(ctx.captured_queries) == 1


def test_retirement_lists(setup, users):
    *_bodies, born = setup
    # born 1965-01 man → 2025-02; born 1971-04 woman cadre → 2026-08 (delay 4)
    past = past_retirement(users["province"], D(2026, 3, 1))
    assert [x.person for x in past] == [born[0]]
    due = due_to_retire(users["province"], D(2026, 3, 1))
    assert [x.person for x in due] == [born[1]]


def test_panel_as_of(setup):
    a, *_ = setup
    today = staffing_panel(a)
    assert [(q["approved_on"], q["occupied_on"], q["state"]) for q in today.quotas] == [
        (1, 2, "over")
    ]
    then = staffing_panel(a, D(2020, 6, 1))
    assert [(q["approved_on"], q["occupied_on"]) for q in then.quotas] == [(2, 0)]
    assert then.people == []

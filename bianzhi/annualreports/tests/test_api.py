"""The annual-report API: the own account drafts and submits, the registrar returns and
publishes, refusals come back flat with their field, and nobody sees another institution's
report."""

import datetime

import pytest
from django.utils import timezone

from bianzhi.annualreports.models import AnnualReport, AnnualReportState
from bianzhi.audit.models import AuditEvent

from .conftest import YEAR, draft, good_content, submitted

S = AnnualReportState
D = datetime.date
pytestmark = pytest.mark.django_db
BASE = "/api/v1/annual-reports"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(YEAR + 1, 1, 2))


def call(client, user, method, url, data=None):
    client.force_login(user)
    if method == "get":
        return client.get(url, data or {})
    return client.post(url, data or {}, content_type="application/json")


def test_the_own_account_saves_and_submits(client, world):
    body = {"year": YEAR, "content": good_content(assets__revenue="-1")}
    response = call(client, world.unit, "post", BASE, body)
    assert response.status_code == 200
    report = response.json()
    assert report["state"] == "draft" and report["actions"] == ["submit"]
    assert [e["field"] for e in report["errors"]] == ["assets.revenue"]
    url = f"{BASE}/{report['id']}/transitions"
    refused = call(client, world.unit, "post", url, {"action": "submit"})
    assert refused.status_code == 400
    assert refused.json()["field"] == "assets.revenue"
    assert (
        refused.json()["details"]["errors"][0]["message_en"] == "assets.revenue cannot be negative"
    )
    call(client, world.unit, "post", BASE, {"year": YEAR, "content": good_content()})
    done = call(client, world.unit, "post", url, {"action": "submit"})
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["submitted_on"], done.json()["late"]) == (
        "submitted",
        "2025-01-02",
        False,
    )


def test_the_registrar_returns_and_publishes(client, world):
    report = submitted(world)
    url = f"{BASE}/{report.pk}/transitions"
    refused = call(client, world.registrar, "post", url, {"action": "return"})
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "invalid",
        "field": "comment",
        "message": "退回修改须说明理由",
        "message_en": "say what must be corrected",
    }
    returned = call(client, world.registrar, "post", url, {"action": "return", "comment": "补充"})
    assert (returned.json()["state"], returned.json()["remarks"]) == ("returned", "补充")
    wrong_state = call(client, world.registrar, "post", url, {"action": "publish"})
    assert wrong_state.status_code == 409 and wrong_state.json()["field"] == "state"


def test_wrong_roles_are_refused(client, world):
    report = submitted(world)
    url = f"{BASE}/{report.pk}/transitions"
    own = call(client, world.unit, "post", url, {"action": "publish"})
    assert (own.status_code, own.json()["code"]) == (403, "forbidden")
    city = call(client, world.city_registrar, "post", url, {"action": "publish"})
    assert city.status_code == 403
    assert call(client, world.leader, "post", url, {"action": "publish"}).status_code == 403
    assert call(client, world.registrar, "post", BASE, {"year": YEAR}).status_code == 403
    assert AnnualReport.objects.get(pk=report.pk).state == S.SUBMITTED


def test_a_unit_never_sees_another_institutions_report(client, world):
    school = submitted(world)
    clinic = draft(world, institution=world.clinic, unit=world.clinic_unit)
    listed = call(client, world.clinic_unit, "get", BASE).json()["items"]
    assert [r["id"] for r in listed] == [clinic.pk]
    assert call(client, world.clinic_unit, "get", f"{BASE}/{school.pk}").status_code == 404
    url = f"{BASE}/{school.pk}/transitions"
    assert call(client, world.clinic_unit, "post", url, {"action": "submit"}).status_code == 404
    assert AuditEvent.objects.filter(action="access.out_of_scope").count() == 2


def test_staff_see_their_region_filtered(client, world):
    school = submitted(world)
    clinic = draft(world, institution=world.clinic, unit=world.clinic_unit, year=2023)
    listed = call(client, world.registrar, "get", BASE).json()
    assert [r["id"] for r in listed["items"]] == [clinic.pk, school.pk]
    assert listed["next_cursor"] is None
    by_year = call(client, world.registrar, "get", BASE, {"year": 2023}).json()["items"]
    assert [r["id"] for r in by_year] == [clinic.pk]
    by_state = call(client, world.leader, "get", BASE, {"state": "submitted"}).json()["items"]
    assert [r["id"] for r in by_state] == [school.pk]
    assert call(client, world.other_registrar, "get", BASE).json()["items"] == []
    assert call(client, world.other_registrar, "get", f"{BASE}/{school.pk}").status_code == 404
    detail = call(client, world.registrar, "get", f"{BASE}/{school.pk}").json()
    assert detail["actions"] == ["return", "publish"]
    assert detail["content"]["assets"]["net_assets_closing"] == "1000.25"


def test_a_bad_filter_or_year_is_refused(client, world):
    assert call(client, world.registrar, "get", BASE, {"state": "lost"}).status_code == 422
    response = call(client, world.unit, "post", BASE, {"year": 2019, "content": {}})
    assert response.status_code == 400 and response.json()["field"] == "year"


def test_a_clerk_without_annual_report_rights_is_refused(client, world):
    assert call(client, world.clerk, "get", BASE).status_code == 403

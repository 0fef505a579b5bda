"""The pages through the test client: the institution's own form (drafts with errors shown,
submission refused with the values kept, read-only once sent), the registrar's queue, review,
missed list, reminders and export, and who sees which page."""

import datetime
import io

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from bianzhi.annualreports.models import AnnualReport, AnnualReportState, Reminder
from bianzhi.annualreports.workflow import event_label
from bianzhi.audit.models import AuditEvent
from bianzhi.registration.testing import make_institution
from bianzhi.testing import establish, make_user

from .conftest import YEAR, draft, good_content, submitted

S = AnnualReportState
D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    """Pages use today's date: pin it (2 January after the reported year by default)."""

    def pin(day: datetime.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    pin(D(YEAR + 1, 1, 2))
    return pin


def form_data(content: dict, action: str = "save") -> dict:
    data = {"action": action}
    for section, values in content.items():
        for name, value in values.items():
            if isinstance(value, bool):
                value = "yes" if value else "no"
            data[f"{section}.{name}"] = value
    return data


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


UNIT_URL = f"/unit/annual-reports/{YEAR}/"


# --- the institution's own pages ---------------------------------------------------------------


def test_the_unit_saves_a_draft_with_errors_shown_per_field(client, world, today):
    data = form_data(good_content(assets__revenue="12.345", results__text=""))
    response = post(client, world.unit, UNIT_URL, data)
    assert response.status_code == 302
    report = AnnualReport.objects.get(institution=world.school, year=YEAR)
    assert report.state == S.DRAFT and report.content["assets"]["revenue"] == "12.345"
    page = client.get(UNIT_URL)
    errors = {e["field"] for e in page.context["errors"]}
    assert errors == {"assets.revenue", "results.text"}
    html = page.content.decode()
    assert 'data-field="assets.revenue"' in html and 'value="12.345"' in html


def test_submitting_with_errors_is_refused_and_keeps_the_values(client, world, today):
    data = form_data(good_content(assets__net_assets_closing="1.00"), action="submit")
    response = post(client, world.unit, UNIT_URL, data)
    assert response.status_code == 400
    assert response.context["error"].field == "assets.net_assets_closing"
    html = response.content.decode()
    assert 'value="1.00"' in html and "开展公益服务 120 场。" in html
    assert 'data-field="assets.net_assets_closing"' in html
    assert AnnualReport.objects.get(institution=world.school).state == S.DRAFT


def test_the_unit_submits_and_then_sees_a_read_only_copy(client, world, today):
    response = post(client, world.unit, UNIT_URL, form_data(good_content(), action="submit"))
    assert response.status_code == 302
    report = AnnualReport.objects.get(institution=world.school, year=YEAR)
    assert (report.state, report.submitted_on, report.late) == (S.SUBMITTED, D(2025, 1, 2), False)
    page = client.get(UNIT_URL)
    assert page.context["editable"] is False
    assert 'id="report-form"' not in page.content.decode()
    again = client.post(UNIT_URL, form_data(good_content(activities__text="改")))
    assert again.status_code == 409
    assert AnnualReport.objects.get(pk=report.pk).content["activities"]["text"] != "改"


def test_before_1_january_the_unit_may_draft_but_not_submit(client, world, today):
    today(D(YEAR, 12, 31))
    response = post(client, world.unit, UNIT_URL, form_data(good_content(), action="submit"))
    assert response.status_code == 400
    assert response.context["error"].field == "year"
    assert AnnualReport.objects.get(institution=world.school).state == S.DRAFT


def test_the_unit_list_shows_its_own_reports_only(client, world, today):
    submitted(world)
    draft(world, institution=world.clinic, unit=world.clinic_unit, year=2023)
    response = get(client, world.unit, "/unit/annual-reports/")
    assert response.status_code == 200
    assert [r.year for r in response.context["reports"]] == [YEAR]
    assert response.context["institution"] == world.school
    # The other institution's account sees its own form for the year, not the school's report.
    other = get(client, world.clinic_unit, UNIT_URL)
    assert other.context["report"] is None
    assert "开展公益服务 120 场。" not in other.content.decode()


def test_an_account_without_a_registered_institution_gets_404(client, world, today):
    account = make_user("bureau_unit", None, role="unit")
    account.org = establish("吴中区教育局")
    account.save()
    assert get(client, account, "/unit/annual-reports/").status_code == 404
    assert get(client, account, UNIT_URL).status_code == 404


def test_a_year_before_registration_has_no_page(client, world, today):
    assert get(client, world.unit, "/unit/annual-reports/2019/").status_code == 404


def test_staff_cannot_use_the_unit_pages(client, world, today):
    assert get(client, world.registrar, "/unit/annual-reports/").status_code == 403


# --- the registrar's pages ---------------------------------------------------------------------


def test_the_queue_is_scoped_and_filtered(client, world, today):
    school = submitted(world)
    clinic = draft(world, institution=world.clinic, unit=world.clinic_unit, year=2023)
    response = get(client, world.registrar, "/annual-reports/")
    assert [r.pk for r in response.context["page"]] == [school.pk, clinic.pk]
    response = client.get("/annual-reports/?year=2023")
    assert [r.pk for r in response.context["page"]] == [clinic.pk]
    response = client.get("/annual-reports/?state=submitted")
    assert [r.pk for r in response.context["page"]] == [school.pk]
    assert list(get(client, world.other_registrar, "/annual-reports/").context["page"]) == []
    assert get(client, world.unit, "/annual-reports/").status_code == 403


def test_the_queue_costs_the_same_queries_for_more_reports(
    client, world, today, django_assert_max_num_queries
):
    submitted(world)
    client.force_login(world.registrar)
    with django_assert_max_num_queries(7):  # session, user, perms, top bar, count, rows
        client.get("/annual-reports/")
    for n in range(4):
        institution = make_institution(f"吴中区文化站{n}", registrar=world.county)
        account = make_user(f"station{n}", None, role="unit")
        account.org = institution.org
        account.save()
        submitted(world, institution=institution, unit=account)
    with django_assert_max_num_queries(7):  # session, user, perms, top bar, count, rows
        response = client.get("/annual-reports/")
    assert len(response.context["page"]) == 5


def test_the_registrar_returns_with_remarks_then_publishes(client, world, today):
    report = submitted(world)
    url = f"/annual-reports/{report.pk}/act/"
    response = post(client, world.registrar, url, {"action": "return", "comment": ""})
    assert response.status_code == 400
    assert response.context["error"].field == "comment"
    response = client.post(url, {"action": "return", "comment": "请补充资产说明"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.remarks) == (S.RETURNED, "请补充资产说明")
    assert "请补充资产说明" in get(client, world.unit, UNIT_URL).content.decode()
    post(client, world.unit, UNIT_URL, form_data(good_content(), action="submit"))
    response = post(client, world.registrar, url, {"action": "publish"})
    assert response.status_code == 302
    assert AnnualReport.objects.get(pk=report.pk).state == S.PUBLISHED


def test_review_is_refused_to_others(client, world, today):
    report = submitted(world)
    url = f"/annual-reports/{report.pk}/act/"
    # The city's registrar sees the report but the county registers the institution.
    assert get(client, world.city_registrar, f"/annual-reports/{report.pk}/").status_code == 200
    assert post(client, world.city_registrar, url, {"action": "publish"}).status_code == 403
    assert post(client, world.leader, url, {"action": "publish"}).status_code == 403
    assert post(client, world.other_registrar, url, {"action": "publish"}).status_code == 404
    assert get(client, world.other_registrar, f"/annual-reports/{report.pk}/").status_code == 404
    assert get(client, world.unit, f"/annual-reports/{report.pk}/").status_code == 403
    assert AnnualReport.objects.get(pk=report.pk).state == S.SUBMITTED
    draft_report = draft(world, institution=world.clinic, unit=world.clinic_unit)
    conflict = post(
        client, world.registrar, f"/annual-reports/{draft_report.pk}/act/", {"action": "publish"}
    )
    assert conflict.status_code == 409


def test_the_detail_page_offers_the_registrars_actions_only(client, world, today):
    report = submitted(world)
    response = get(client, world.registrar, f"/annual-reports/{report.pk}/")
    assert [a.name for a in response.context["actions"]] == ["return", "publish"]
    html = response.content.decode()
    assert "1000.25" in html
    with translation.override(response.wsgi_request.LANGUAGE_CODE):  # the trail, by name
        assert str(event_label("create")) in html and str(event_label("submit")) in html
    assert "</span> create ·" not in html and "</span> submit ·" not in html
    response = get(client, world.leader, f"/annual-reports/{report.pk}/")
    assert response.context["actions"] == []


def test_the_missed_list_and_the_reminder_button(client, world, today):
    today(D(YEAR + 1, 3, 29))
    submitted(world, today=D(YEAR + 1, 3, 1))
    late = submitted(world, institution=world.clinic, unit=world.clinic_unit, today=D(2025, 4, 2))
    silent = make_institution("吴中区图书馆", registrar=world.county)
    response = get(client, world.registrar, f"/annual-reports/missed/?year={YEAR}")
    rows = {row.institution.pk: row.report for row in response.context["rows"]}
    assert rows == {world.clinic.pk: late, silent.pk: None}
    assert "2025-04-02" in response.content.decode()
    # The reminder goes to institutions with an account and no report: none here but the
    # clinic, whose report is submitted, and the library, which has no account.
    response = post(client, world.registrar, "/annual-reports/missed/remind/", {})
    assert response.status_code == 302
    assert Reminder.objects.count() == 0
    assert post(client, world.leader, "/annual-reports/missed/remind/", {}).status_code == 403


def test_the_status_export_reads_back_and_is_audited(client, world, today):
    report = submitted(world)
    client.force_login(world.registrar)
    client.post(f"/annual-reports/{report.pk}/act/", {"action": "publish"})
    late = submitted(world, institution=world.clinic, unit=world.clinic_unit, today=D(2025, 4, 2))
    response = client.get(f"/annual-reports/export/?year={YEAR}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("统一社会信用代码", "单位名称", "状态", "报送日期", "逾期报送", "公示日期")
    by_code = {row[0]: row for row in rows[1:]}
    school = by_code[world.school.credit_code]
    assert school[1:5] == ("吴中区实验幼儿园", "已公示", datetime.datetime(2025, 1, 2), "否")
    assert school[5] is not None
    clinic = by_code[world.clinic.credit_code]
    assert clinic[2:5] == ("已报送", datetime.datetime(2025, 4, 2), "是")
    assert late.late
    event = AuditEvent.objects.get(action="annualreports.annualreport.exported")
    assert event.actor == world.registrar and event.data == {"year": YEAR, "rows": 2}
    # Outside the region: an empty sheet.
    response = get(client, world.other_registrar, f"/annual-reports/export/?year={YEAR}")
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 1

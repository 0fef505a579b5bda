import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bianzhi.orgs import services
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.testing import establish, make_document

pytestmark = pytest.mark.django_db
D = datetime.date
DOC = {
    "document_issuer": "江苏省委编办",
    "document_number": "苏编办〔2026〕3号",
    "document_title": "关于更名的批复",
    "document_date": "2026-01-05",
}


@pytest.fixture
def staff(client, users):
    client.force_login(users["province"])
    return client


@pytest.fixture
def edu(db):
    org = establish("吴中区教育局", rank="section")
    services.provision_set(
        actor=None,
        org=org,
        functions=["贯彻教育方针"],
        internal_bodies=["办公室"],
        document=make_document(),
        effective_date=D(2020, 3, 1),
    )
    return org


def test_home_counts_bodies_in_scope(staff, edu):
    establish("东城区教育委员会", region="110101")
    response = staff.get("/")
    assert response.status_code == 200
    assert response.context["counts"]["active"] == 2  # the bureau and its internal office


def test_list_searches_and_its_query_count_does_not_grow_with_rows(staff, edu):
    for i in range(30):
        establish(
            f"吴中区第{i}实验小学", category="institution", pi_class="public1", funding_form="full"
        )
    with CaptureQueriesContext(connection) as small:
        staff.get(
            "/orgs/", {"q": "实验小学"}, headers={"HX-Request": "true", "HX-Target": "results"}
        )
    establish("吴中区第99实验小学", category="institution", pi_class="public1", funding_form="full")
    with CaptureQueriesContext(connection) as large:
        response = staff.get("/orgs/", {"q": "实验小学"})
    assert len(response.context["page"].rows) == 31
    assert len(large.captured_queries) <= len(small.captured_queries) + 2
    assert "吴中区第99实验小学" in response.content.decode()


def test_detail_page_shows_the_state_of_the_chosen_date(staff, edu):
    services.org_rename(
        actor=None,
        org=edu,
        name="吴中区教育体育局",
        document=make_document(),
        effective_date=D(2025, 1, 1),
    )
    page = staff.get(f"/orgs/{edu.pk}/", {"as_of": "2024-12-31"}).content.decode()
    assert 'id="name-as-of">吴中区教育局<' in page
    assert "贯彻教育方针" in page and "办公室" in page
    today = staff.get(f"/orgs/{edu.pk}/").content.decode()
    assert 'id="name-as-of">吴中区教育体育局<' in today
    assert "吴中区教育局 → 吴中区教育体育局" in today


def test_detail_of_a_body_outside_scope_is_404(client, users, edu):
    client.force_login(users["outsider"])
    assert client.get(f"/orgs/{edu.pk}/").status_code == 404
    assert client.get(f"/orgs/{edu.pk}/change/rename/").status_code == 404


def test_rename_form_calls_the_service(staff, edu):
    response = staff.post(
        f"/orgs/{edu.pk}/change/rename/",
        {**DOC, "name": "吴中区教育体育局", "effective_date": "2026-02-01"},
    )
    assert response.status_code == 302
    edu.refresh_from_db()
    assert edu.name == "吴中区教育体育局"


def test_form_shows_domain_errors_and_changes_nothing(staff, edu):
    response = staff.post(
        f"/orgs/{edu.pk}/change/rename/",
        {**DOC, "name": "吴中区教育体育局", "effective_date": "2019-01-01"},
    )
    assert response.status_code == 200
    assert "早于该机构最近一次变更" in response.content.decode()
    assert Org.objects.get(pk=edu.pk).name == "吴中区教育局"


def test_establish_form_with_a_parent_picked_by_name(staff, edu):
    response = staff.post(
        "/orgs/new/",
        {
            **DOC,
            "name": "吴中区教育局派出所",
            "category": "dispatched",
            "region_code": "320506",
            "parent": "吴中区教育局",
            "effective_date": "2026-02-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Org.objects.get(name="吴中区教育局派出所").parent == edu


def test_abolish_form_needs_confirmation(staff, edu):
    response = staff.post(
        f"/orgs/{edu.pk}/change/abolish/", {**DOC, "effective_date": "2026-02-01"}
    )
    assert response.status_code == 200
    assert Org.objects.get(pk=edu.pk).status == OrgStatus.ACTIVE
    staff.post(
        f"/orgs/{edu.pk}/change/abolish/", {**DOC, "effective_date": "2026-02-01", "confirm": "on"}
    )
    assert Org.objects.get(pk=edu.pk).status == OrgStatus.ABOLISHED


def test_tree_loads_levels_lazily(staff, edu):
    root = staff.get("/orgs/tree/children/", {"region": "320000"}).content.decode()
    assert "苏州市" in root
    county = staff.get("/orgs/tree/children/", {"region": "320506"}).content.decode()
    assert "吴中区教育局" in county
    inner = staff.get("/orgs/tree/children/", {"parent": edu.pk}).content.decode()
    assert "办公室" in inner
    assert staff.get("/orgs/tree/children/", {"region": "110000"}).status_code == 404


def test_suggest_lists_active_bodies(staff, edu):
    html = staff.get("/orgs/suggest/", {"q": "wzqjyj"}).content.decode()
    assert f'data-fill="{edu.pk}"' in html


def test_chinese_is_the_default_and_english_is_available(staff):
    assert "机构编制管理平台" in staff.get("/").content.decode()
    staff.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Overview" in staff.get("/").content.decode()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_security_headers(staff):
    response = staff.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"

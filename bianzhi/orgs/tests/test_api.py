import pytest
from django.test import Client

from bianzhi.accounts.services import api_token_issue, api_token_revoke
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.testing import establish

pytestmark = pytest.mark.django_db
DOC = {
    "issuer": "江苏省委编办",
    "number": "苏编办〔2026〕12号",
    "issued_on": "2026-01-05",
    "title": "关于调整机构设置的批复",
}


@pytest.fixture
def api(users):
    _token, raw = api_token_issue(
        actor=None, user=users["province"], name="财政厅实名制对接", scopes=["*"]
    )
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def edu(db):
    return establish("吴中区教育局", rank="section", credit_code="121000004000123696")


def test_list_searches_with_pinyin_and_pages(api, edu):
    establish("苏州市教育局", region="320500")
    body = api.get("/api/v1/orgs", {"q": "jyj", "limit": 1}).json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    more = api.get("/api/v1/orgs", {"q": "jyj", "limit": 1, "cursor": body["next_cursor"]}).json()
    assert {body["items"][0]["name"], more["items"][0]["name"]} == {"吴中区教育局", "苏州市教育局"}
    assert body["items"][0]["region_name"].startswith("江苏省苏州市")


def test_detail_as_of_and_history(api, edu):
    response = api.post(
        f"/api/v1/orgs/{edu.pk}/rename",
        {"name": "吴中区教育体育局", "document": DOC, "effective_date": "2026-02-01"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    old = api.get(f"/api/v1/orgs/{edu.pk}", {"as_of": "2026-01-31"}).json()
    new = api.get(f"/api/v1/orgs/{edu.pk}").json()
    assert (old["name"], new["name"]) == ("吴中区教育局", "吴中区教育体育局")
    history = api.get(f"/api/v1/orgs/{edu.pk}/history").json()
    assert [h["action"] for h in history] == ["orgs.org.renamed", "orgs.org.established"]
    assert history[0]["document"]["number"] == "苏编办〔2026〕12号"
    assert history[0]["before"]["name"] == "吴中区教育局"
    assert api.get(f"/api/v1/orgs/{edu.pk}", {"as_of": "2010-01-01"}).status_code == 404


def test_establish_and_lifecycle(api, edu):
    response = api.post(
        "/api/v1/orgs",
        {
            "org": {
                "name": "吴中区数据局",
                "category": "gov",
                "subcategory": "gov.direct",
                "region_code": "320506",
                "rank": "section",
            },
            "document": DOC,
            "effective_date": "2026-01-10",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    new_id = response.json()["id"]
    merged = api.post(
        "/api/v1/orgs/merge",
        {
            "source_ids": [new_id, edu.pk],
            "into_id": edu.pk,
            "document": DOC,
            "effective_date": "2026-03-01",
        },
        content_type="application/json",
    )
    assert merged.status_code == 200, merged.content
    assert Org.objects.get(pk=new_id).status == OrgStatus.MERGED
    detail = api.get(f"/api/v1/orgs/{edu.pk}").json()
    assert detail["predecessors"] == [{"id": new_id, "name": "吴中区数据局", "kind": "absorbed"}]


def test_domain_errors_name_field_and_rule_in_both_languages(api, edu):
    response = api.post(
        "/api/v1/orgs",
        {
            "org": {
                "name": "某局",
                "category": "gov",
                "region_code": "320506",
                "credit_code": "12100000400005852X",
            },
            "document": DOC,
            "effective_date": "2026-01-10",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()
    assert error["field"] == "credit_code" and error["code"] == "uscc.checksum"
    assert "校验" in error["message"] and "check" in error["message_en"]
    assert Org.objects.count() == 1


def test_conflicting_document_number_is_409(api, edu):
    api.post(
        f"/api/v1/orgs/{edu.pk}/rank",
        {"rank": "vice_division", "document": DOC, "effective_date": "2026-02-01"},
        content_type="application/json",
    )
    response = api.post(
        f"/api/v1/orgs/{edu.pk}/rename",
        {
            "name": "新名称",
            "document": {**DOC, "title": "另一份文件"},
            "effective_date": "2026-02-02",
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["field"] == "document_number"


def test_outsiders_get_404_and_bad_ids_are_handled(users, edu):
    _t, raw = api_token_issue(
        actor=None, user=users["outsider"], name="x", scopes=["orgs:read", "orgs:write"]
    )
    outsider = Client(headers={"Authorization": f"Bearer {raw}"})
    assert outsider.get(f"/api/v1/orgs/{edu.pk}").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/orgs/{edu.pk}/abolish",
            {"document": DOC, "effective_date": "2026-01-01"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert outsider.get("/api/v1/orgs/abc").status_code == 404
    assert Org.objects.get(pk=edu.pk).status == OrgStatus.ACTIVE


def test_viewer_token_cannot_write(users, edu):
    _t, raw = api_token_issue(
        actor=None, user=users["viewer"], name="只读", scopes=["orgs:read", "orgs:write"]
    )
    viewer = Client(headers={"Authorization": f"Bearer {raw}"})
    assert viewer.get("/api/v1/orgs").status_code == 200
    response = viewer.post(
        f"/api/v1/orgs/{edu.pk}/abolish",
        {"document": DOC, "effective_date": "2026-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_revoked_or_wrong_tokens_are_refused(users):
    token, raw = api_token_issue(actor=None, user=users["province"], name="x", scopes=["orgs:read"])
    api_token_revoke(actor=None, token=token)
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/orgs").status_code == 401
    assert Client(headers={"Authorization": "Bearer nope"}).get("/api/v1/orgs").status_code == 401


def test_session_writes_need_csrf(users, edu):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["province"])
    response = client.post(
        f"/api/v1/orgs/{edu.pk}/abolish",
        {"document": DOC, "effective_date": "2026-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get("/api/v1/orgs").status_code == 200


def test_regions_and_openapi(api, users):
    provinces = api.get("/api/v1/regions", {"level": 1}).json()
    assert len(provinces) == 34
    old = api.get("/api/v1/regions", {"q": "320503", "as_of": "2010-01-01"}).json()
    assert [r["name"] for r in old] == ["平江区"]
    assert api.get("/api/v1/regions", {"q": "320503"}).json() == []
    client = Client()
    client.force_login(users["viewer"])
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/orgs/{org_id}/history" in schema["paths"]


def test_dates_are_validated(api, edu):
    response = api.post(
        f"/api/v1/orgs/{edu.pk}/rename",
        {"name": "x", "document": DOC, "effective_date": "2026-02-30"},
        content_type="application/json",
    )
    assert response.status_code == 422

"""The public API without credentials: exact key sets, statuses, refusals."""

import pytest

pytestmark = pytest.mark.django_db

ROW_KEYS = {"name", "credit_code", "status", "status_label", "region_code"}
ITEM_KEYS = {
    "name",
    "address",
    "purpose",
    "legal_rep",
    "funding_source",
    "capital",
    "sponsor",
    "credit_code",
    "registrar",
}
CERTIFICATE_KEYS = {
    "number",
    "status",
    "status_label",
    "issued_on",
    "valid_from",
    "valid_to",
    "status_changed_on",
    "replaced_by",
}
NOTICE_KEYS = {
    "id",
    "number",
    "kind",
    "kind_label",
    "title",
    "published_at",
    "institution",
    "registrar",
    "region_code",
    "body",
    "url",
}
INSTITUTION_KEYS = {
    "credit_code",
    "name",
    "status",
    "status_label",
    "region_code",
    "region_name",
    "registered_on",
    "ended_on",
    "items",
    "certificate",
    "annual_reports",
    "notices",
}


def test_search_by_name_returns_public_rows_only(client, world):
    response = client.get("/api/v1/institutions", {"q": "实验小学"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next"} and body["next"] is None
    assert [row["credit_code"] for row in body["items"]] == sorted(
        [world.school.credit_code, world.beijing.credit_code]
    )
    assert all(set(row) == ROW_KEYS for row in body["items"])


def test_search_by_code_and_region(client, world):
    by_code = client.get("/api/v1/institutions", {"code": world.archive.credit_code}).json()
    assert [(r["credit_code"], r["status"]) for r in by_code["items"]] == [
        (world.archive.credit_code, "cancelled")
    ]
    by_region = client.get("/api/v1/institutions", {"region": "3205"}).json()
    assert len(by_region["items"]) == 4
    assert client.get("/api/v1/institutions").json() == {"items": [], "next": None}


def test_search_pages_with_a_cursor(client, world, monkeypatch):
    monkeypatch.setattr("bianzhi.public.queries.PAGE_SIZE", 3)
    first = client.get("/api/v1/institutions", {"region": "32"}).json()
    last = first["items"][-1]
    assert len(first["items"]) == 3 and first["next"] == last["region_code"] + last["credit_code"]
    second = client.get("/api/v1/institutions", {"region": "32", "after": first["next"]}).json()
    assert len(second["items"]) == 1 and second["next"] is None


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("12100000400005852X", "uscc.checksum"),
        ("1210", "uscc.length"),
        ("12100000400012369O", "uscc.alphabet"),
    ],
)
def test_a_malformed_code_is_400_naming_the_field(client, world, code, rule):
    response = client.get("/api/v1/institutions", {"code": code})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "field", "message", "message_en"}
    assert body["field"] == "code" and body["code"] == rule
    detail = client.get(f"/api/v1/institutions/{code}")
    assert detail.status_code == 400 and detail.json()["field"] == "credit_code"


def test_a_bad_region_is_400(client, world):
    response = client.get("/api/v1/institutions", {"region": "3205x"})
    assert response.status_code == 400 and response.json()["field"] == "region"


def test_institution_detail(client, world):
    response = client.get(f"/api/v1/institutions/{world.school.credit_code}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == INSTITUTION_KEYS
    assert set(body["items"]) == ITEM_KEYS
    assert body["items"]["legal_rep"] == "王明" and body["items"]["registrar"] == "吴中区委编办"
    assert set(body["certificate"]) == CERTIFICATE_KEYS
    assert body["certificate"]["number"] == world.certificate.number
    assert body["certificate"]["status"] == "valid"
    assert [n["number"] for n in body["notices"]] == [world.establish_notice.number]
    [report] = body["annual_reports"]
    assert set(report) == {"year", "published_at", "content"} and report["year"] == 2024
    assert report["content"]["activities"] == {"text": "开展课后服务 120 场。"}
    assert report["content"]["assets"]["net_assets_closing"] == "1000.25"
    assert all(set(n) == NOTICE_KEYS for n in body["notices"])


@pytest.mark.parametrize(
    ("which", "status", "certificate_status"),
    [
        ("hospital", "registered", "suspended"),
        ("archive", "cancelled", "cancelled"),
        ("station", "revoked", "revoked"),
    ],
)
def test_institution_statuses(client, world, which, status, certificate_status):
    institution = getattr(world, which)
    body = client.get(f"/api/v1/institutions/{institution.credit_code}").json()
    assert body["status"] == status
    assert body["certificate"]["status"] == certificate_status
    assert (body["ended_on"] is None) == (status == "registered")
    assert body["annual_reports"] == []  # the hospital's is a draft; the others wrote none


def test_unknown_institution_is_404(client, world):
    response = client.get("/api/v1/institutions/121000004000123696")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_notices_newest_first_filtered_and_paged(client, world, monkeypatch):
    body = client.get("/api/v1/notices").json()
    assert [n["id"] for n in body["items"]] == [world.cancel_notice.pk, world.establish_notice.pk]
    assert all(set(n) == NOTICE_KEYS for n in body["items"])
    assert body["items"][0]["url"] == (
        f"https://gs.example.gov.cn/portal/notices/{world.cancel_notice.pk}/"
    )
    kind = client.get("/api/v1/notices", {"kind": "cancel"}).json()
    assert [n["id"] for n in kind["items"]] == [world.cancel_notice.pk]
    assert client.get("/api/v1/notices", {"region": "11"}).json()["items"] == []
    assert len(client.get("/api/v1/notices", {"since": "2020-01-01"}).json()["items"]) == 2
    assert client.get("/api/v1/notices", {"since": "2999-01-01"}).json()["items"] == []
    monkeypatch.setattr("bianzhi.public.queries.PAGE_SIZE", 1)
    first = client.get("/api/v1/notices").json()
    assert first["next"] == 2 and len(first["items"]) == 1
    second = client.get("/api/v1/notices", {"page": 2}).json()
    assert second["next"] is None and second["items"][0]["id"] == world.establish_notice.pk


@pytest.mark.parametrize(
    ("params", "field"), [({"kind": "nope"}, "kind"), ({"since": "yesterday"}, "since")]
)
def test_bad_notice_filters_are_400(client, world, params, field):
    response = client.get("/api/v1/notices", params)
    assert response.status_code == 400 and response.json()["field"] == field


def test_one_notice(client, world):
    response = client.get(f"/api/v1/notices/{world.establish_notice.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == NOTICE_KEYS
    assert set(body["institution"]) == {"name", "credit_code"}
    assert set(body["body"]) == ITEM_KEYS  # "remarks" and "id_no" of the stored body dropped
    assert client.get("/api/v1/notices/999999").status_code == 404


def test_the_cursor_walks_every_match_once_across_regions(client, world, monkeypatch):
    monkeypatch.setattr("bianzhi.public.queries.PAGE_SIZE", 2)
    seen, after = [], ""
    for _ in range(5):
        page = client.get("/api/v1/institutions", {"q": "市", "after": after}).json()
        seen += [(row["region_code"], row["credit_code"]) for row in page["items"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert len(seen) == 5 and seen == sorted(set(seen))
    assert seen[0] == ("110101", world.beijing.credit_code)

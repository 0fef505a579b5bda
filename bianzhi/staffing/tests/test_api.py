import datetime

import pytest
from django.test import Client

from bianzhi.accounts.services import api_token_issue
from bianzhi.core.identifiers import ric_check_digit
from bianzhi.personnel import services as people
from bianzhi.staffing import services as staffing
from bianzhi.staffing.models import LeaderPost, Quota, QuotaChange, QuotaPool, Reservation
from bianzhi.testing import establish, make_document

pytestmark = pytest.mark.django_db
D = datetime.date
START, HIRED = D(2020, 1, 1), D(2021, 1, 1)
DOC = {
    "issuer": "江苏省委编办",
    "number": "苏编办〔2026〕30号",
    "issued_on": "2026-01-05",
    "title": "关于调整机构编制的批复",
}


def rid(first17: str) -> str:
    return first17 + ric_check_digit(first17)


@pytest.fixture
def bearer(users):
    def make(who: str) -> Client:
        _token, raw = api_token_issue(actor=None, user=users[who], name=f"{who} 对接", scopes=["*"])
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


@pytest.fixture
def api(bearer):
    return bearer("province")


def set_quota(org, n: int, on=START, est_type="admin"):
    return staffing.quota_set(
        actor=None,
        org=org,
        est_type=est_type,
        approved=n,
        document=make_document(issued_on=on),
        effective_date=on,
    )


def place(org, first17: str, name: str = "张三", start=HIRED):
    person = people.person_register(actor=None, resident_id=rid(first17), name=name)
    return people.assignment_onboard(
        actor=None,
        person=person,
        org=org,
        est_type="admin",
        start_date=start,
        entry_way="exam",
        document=make_document(),
    )


@pytest.fixture
def bureau(db):
    org = establish("吴中区统计局")
    set_quota(org, 2)
    place(org, "11010119900307001")
    return org


def post(client, path, body):
    return client.post(f"/api/v1{path}", body, content_type="application/json")


def change(client, kind, org, count=1, **extra):
    body = {
        "kind": kind,
        "org_id": org.pk,
        "est_type": "admin",
        "count": count,
        "document": DOC,
        "effective_date": "2026-02-01",
    }
    return post(client, "/quota-changes", body | extra)


# --- quotas ---------------------------------------------------------------------------------


def test_quota_list_today_and_as_of_a_past_date(api, bureau):
    staffing.quota_adjust(
        actor=None,
        org=bureau,
        est_type="admin",
        delta=1,
        document=make_document(issued_on=D(2024, 6, 1)),
        effective_date=D(2024, 6, 1),
    )
    [row] = api.get("/api/v1/quotas").json()
    assert row | {"id": 0} == {
        "id": 0,
        "org_id": bureau.pk,
        "org_name": "吴中区统计局",
        "region_code": "320506",
        "est_type": "admin",
        "est_type_name": "行政编制",
        "approved": 3,
        "occupied": 1,
        "reserved": 0,
        "vacancy": 2,
        "state": "vacant",
        "frozen": False,
    }
    [past] = api.get("/api/v1/quotas", {"as_of": "2020-06-01"}).json()
    assert (past["approved"], past["occupied"], past["reserved"]) == (2, 0, None)
    [mid] = api.get("/api/v1/quotas", {"as_of": "2022-01-01"}).json()
    assert (mid["approved"], mid["occupied"], mid["vacancy"]) == (2, 1, 1)
    assert api.get("/api/v1/quotas", {"state": "over"}).json() == []
    assert api.get("/api/v1/quotas", {"state": "bogus"}).status_code == 422


def test_quota_list_filters_by_region_type_and_state(api, bureau):
    city = establish("苏州市统计局", region="320500")
    set_quota(city, 1)
    place(city, "11010119900307003", "李四")
    set_quota(city, 4, est_type="worker")
    full = api.get("/api/v1/quotas", {"state": "full"}).json()
    assert [(r["org_name"], r["est_type"]) for r in full] == [("苏州市统计局", "admin")]
    assert [r["est_type"] for r in api.get("/api/v1/quotas", {"est_type": "worker"}).json()] == [
        "worker"
    ]
    county = api.get("/api/v1/quotas", {"region": "320506"}).json()
    assert [r["org_id"] for r in county] == [bureau.pk]
    assert len(api.get("/api/v1/quotas", {"limit": 1}).json()) == 1


def test_set_raise_cut_and_the_ledger_newest_first(api, bureau):
    response = change(api, "set", bureau, 5, civil_servant_managed=True)
    assert response.status_code == 201, response.content
    assert response.json()[0]["approved"] == 5
    assert Quota.objects.get(org=bureau).civil_servant_managed is True
    assert change(api, "raise", bureau, 2).json()[0]["approved"] == 7
    cut = change(api, "cut", bureau, 7).json()[0]
    assert (cut["approved"], cut["occupied"], cut["state"]) == (0, 1, "over")
    ledger = api.get("/api/v1/quota-changes", {"org_id": bureau.pk}).json()
    assert [(c["kind"], c["delta"], c["approved_after"]) for c in ledger] == [
        ("cut", -7, 0),
        ("raise", 2, 7),
        ("set", 3, 5),
        ("set", 2, 2),
    ]
    assert ledger[0]["document"]["number"] == "苏编办〔2026〕30号"
    assert ledger[0]["effective_date"] == "2026-02-01"
    assert (
        api.get("/api/v1/quota-changes", {"org_id": bureau.pk, "est_type": "worker"}).json() == []
    )


def test_bad_changes_are_refused(api, bureau):
    assert change(api, "grow", bureau).status_code == 422
    assert change(api, "raise", bureau, -1).status_code == 422
    zero = change(api, "raise", bureau, 0)
    assert zero.status_code == 400 and zero.json()["field"] == "count"
    below = change(api, "cut", bureau, 3)
    assert below.status_code == 400 and below.json()["code"] == "below_zero"
    assert Quota.objects.get(org=bureau).approved == 2


def test_transfer_moves_posts_between_bodies(api, bureau):
    other = establish("吴中区审计局")
    response = change(api, "transfer", bureau, 1, target_org_id=other.pk)
    assert response.status_code == 201, response.content
    source, target = response.json()
    assert (source["org_id"], source["approved"]) == (bureau.pk, 1)
    assert (target["org_id"], target["approved"]) == (other.pk, 1)
    assert Quota.objects.get(org=other, est_type="admin").approved == 1
    kinds = QuotaChange.objects.filter(effective_date=D(2026, 2, 1)).values_list("kind", flat=True)
    assert sorted(kinds) == ["transfer_in", "transfer_out"]
    missing = change(api, "transfer", bureau, 1)
    assert missing.status_code == 400 and missing.json()["field"] == "target_org_id"
    too_many = change(api, "transfer", bureau, 5, target_org_id=other.pk)
    assert too_many.status_code == 400 and too_many.json()["code"] == "below_zero"


def test_transfer_to_a_body_outside_scope_is_404(bearer, bureau):
    county = bearer("county")
    city = establish("苏州市审计局", region="320500")
    assert change(county, "transfer", bureau, 1, target_org_id=city.pk).status_code == 404
    assert Quota.objects.get(org=bureau).approved == 2


def test_freeze_blocks_reservations_and_unfreeze(api, bureau):
    assert change(api, "freeze", bureau).json()[0]["frozen"] is True
    again = change(api, "freeze", bureau)
    assert again.status_code == 400 and again.json()["code"] == "unchanged"
    refused = post(
        api,
        "/reservations",
        {"org_id": bureau.pk, "est_type": "admin", "count": 1, "expires_on": "2099-12-31"}
        | {"document": DOC},
    )
    assert refused.status_code == 409
    error = refused.json()
    assert error["code"] == "quota_frozen" and "吴中区统计局" in error["message"]
    assert "冻结" in error["message"]
    assert change(api, "unfreeze", bureau).json()[0]["frozen"] is False


def test_the_revolving_pool(api, bureau):
    assert change(api, "withdraw", bureau, 1).json()[0]["approved"] == 1
    pool = QuotaPool.objects.get(region_code="320506", est_type="admin")
    assert (pool.available, pool.lent) == (1, 0)
    assert change(api, "lend", bureau, 1).json()[0]["approved"] == 2
    empty = change(api, "lend", bureau, 1)
    assert empty.status_code == 400 and empty.json()["code"] == "pool_empty"
    assert change(api, "recover", bureau, 1).json()[0]["approved"] == 1
    pool.refresh_from_db()
    assert (pool.available, pool.lent) == (1, 0)


# --- leader posts ---------------------------------------------------------------------------


def leader_post(org, approved=1, title="局长"):
    return staffing.leader_post_set(
        actor=None,
        org=org,
        title=title,
        level="principal",
        approved=approved,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )


def test_leader_posts_set_and_list(api, bureau):
    body = {
        "org_id": bureau.pk,
        "title": "副局长",
        "level": "deputy",
        "rank": "vice_section",
        "approved": 2,
        "document": DOC,
        "effective_date": "2026-02-01",
    }
    response = post(api, "/leader-posts", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created | {"id": 0} == {
        "id": 0,
        "org_id": bureau.pk,
        "org_name": "吴中区统计局",
        "title": "副局长",
        "level": "deputy",
        "rank": "vice_section",
        "approved": 2,
        "filled": 0,
        "over": False,
        "valid_from": "2026-02-01",
    }
    assert post(api, "/leader-posts", body | {"level": "chief"}).status_code == 422
    full = leader_post(bureau)
    LeaderPost.objects.filter(pk=full.pk).update(filled=2)
    over = api.get("/api/v1/leader-posts", {"over": "true"}).json()
    assert [(p["title"], p["over"]) for p in over] == [("局长", True)]
    listed = api.get("/api/v1/leader-posts", {"org_id": bureau.pk, "over": "false"}).json()
    assert [p["title"] for p in listed] == ["副局长"]


# --- reservations ---------------------------------------------------------------------------


def reserve(client, org, count=1):
    body = {"org_id": org.pk, "est_type": "admin", "count": count, "purpose": "2026年公务员考录"}
    return post(client, "/reservations", body | {"expires_on": "2099-12-31", "document": DOC})


def test_reserve_list_and_cancel(api, bureau):
    response = reserve(api, bureau)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["remaining"], created["org_id"]) == ("active", 1, bureau.pk)
    assert Quota.objects.get(org=bureau).reserved == 1
    listed = api.get("/api/v1/reservations", {"org_id": bureau.pk, "status": "active"}).json()
    assert [r["id"] for r in listed] == [created["id"]]
    cancelled = post(api, f"/reservations/{created['id']}/cancel", {"document": DOC})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Quota.objects.get(org=bureau).reserved == 0
    assert api.get("/api/v1/reservations", {"status": "active"}).json() == []
    twice = post(api, f"/reservations/{created['id']}/cancel", {"document": DOC})
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"


def test_reserving_beyond_the_vacancy_is_409(api, bureau):
    response = reserve(api, bureau, 2)
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "over_quota"
    assert error["message"] == "“吴中区统计局”空编仅 1 名，不能预留 2 名"
    assert error["details"] == {"approved": 2, "occupied": 1, "reserved": 0}
    assert Reservation.objects.count() == 0 and Quota.objects.get(org=bureau).reserved == 0


# --- alerts ---------------------------------------------------------------------------------


def test_alerts(api, bureau):
    archive = establish("吴中区档案馆")
    set_quota(archive, 1)
    retired = place(archive, "11010119600101001", "王五", start=D(1990, 1, 1))
    twins = establish("吴中区水务局")
    set_quota(twins, 2)
    place(twins, "11010119900307003", "张三")
    staffing.quota_adjust(
        actor=None,
        org=bureau,
        est_type="admin",
        delta=-2,
        document=make_document(issued_on=D(2024, 6, 1)),
        effective_date=D(2024, 6, 1),
    )
    body = api.get("/api/v1/alerts", {"as_of": "2026-03-01"}).json()
    assert [r["org_name"] for r in body["over_quota"]] == ["吴中区统计局"]
    assert body["over_quota"][0]["reserved"] is None
    assert [p["name"] for p in body["past_retirement"]] == ["王五"]
    assert body["past_retirement"][0]["resident_id"] == "110101********0011"
    assert body["past_retirement"][0]["assignment_id"] == retired.pk
    [dup] = body["duplicate_identities"]
    assert (dup["name"], dup["birth_date"], dup["count"]) == ("张三", "1990-03-07", 2)
    assert sorted(p["resident_id"] for p in dup["persons"]) == [
        "110101********0011",
        "110101********0038",
    ]
    earlier = api.get("/api/v1/alerts", {"as_of": "2020-06-01"}).json()
    assert earlier["over_quota"] == [] and earlier["due_to_retire"] == []
    assert [p["name"] for p in earlier["past_retirement"]] == ["王五"]
    assert api.get("/api/v1/alerts").json()["over_quota"][0]["reserved"] == 0


# --- access ---------------------------------------------------------------------------------


def test_anonymous_requests_get_401(bureau):
    client = Client()
    for path in ("/quotas", "/quota-changes?org_id=1", "/leader-posts", "/reservations"):
        assert client.get(f"/api/v1{path}").status_code == 401, path
    assert client.get("/api/v1/alerts").status_code == 401
    assert change(client, "raise", bureau).status_code == 401


def test_viewer_reads_but_cannot_write(bearer, bureau):
    viewer = bearer("viewer")
    assert len(viewer.get("/api/v1/quotas").json()) == 1
    assert viewer.get("/api/v1/quota-changes", {"org_id": bureau.pk}).status_code == 200
    assert viewer.get("/api/v1/alerts").status_code == 200
    assert change(viewer, "raise", bureau).status_code == 403
    assert reserve(viewer, bureau).status_code == 403
    leader = {"org_id": bureau.pk, "title": "局长", "level": "principal", "approved": 1}
    assert (
        post(
            viewer, "/leader-posts", leader | {"document": DOC, "effective_date": "2026-02-01"}
        ).status_code
        == 403
    )
    assert Quota.objects.get(org=bureau).approved == 2


def test_outsiders_see_nothing_and_get_404(bearer, bureau):
    outsider = bearer("outsider")
    reservation = reserve(bearer("province"), bureau).json()
    leader_post(bureau)
    assert outsider.get("/api/v1/quotas").json() == []
    assert outsider.get("/api/v1/quota-changes", {"org_id": bureau.pk}).status_code == 404
    assert outsider.get("/api/v1/leader-posts").json() == []
    assert outsider.get("/api/v1/leader-posts", {"org_id": bureau.pk}).status_code == 404
    assert outsider.get("/api/v1/reservations").json() == []
    assert outsider.get("/api/v1/reservations", {"org_id": bureau.pk}).status_code == 404
    alerts = outsider.get("/api/v1/alerts").json()
    assert alerts["over_quota"] == [] and alerts["over_leader_posts"] == []
    assert change(outsider, "raise", bureau).status_code == 404
    assert reserve(outsider, bureau).status_code == 404
    cancel = post(outsider, f"/reservations/{reservation['id']}/cancel", {"document": DOC})
    assert cancel.status_code == 404
    assert Reservation.objects.get().status == "active"
    assert Quota.objects.get(org=bureau).approved == 2

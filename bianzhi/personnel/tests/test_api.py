import datetime

import pytest
from django.test import Client

from bianzhi.accounts.services import api_token_issue
from bianzhi.audit.models import AuditEvent
from bianzhi.core.identifiers import ric_check_digit
from bianzhi.personnel import services as people
from bianzhi.personnel.models import Assignment, Person
from bianzhi.staffing import services as staffing
from bianzhi.staffing.models import LeaderPost, Quota, Reservation
from bianzhi.testing import establish, make_document


def _views():
    return AuditEvent.objects.filter(action="personnel.person.viewed")


pytestmark = pytest.mark.django_db
D = datetime.date
START = D(2020, 1, 1)
DOC = {
    "issuer": "吴中区委组织部",
    "number": "吴组〔2026〕8号",
    "issued_on": "2026-01-05",
    "title": "关于人员调整的通知",
}
FIRST = "110101199003070011"
MASKED = "110101********0011"


def rid(seq: int) -> str:
    first17 = f"11010119900307{seq:03d}"
    return first17 + ric_check_digit(first17)


@pytest.fixture
def bearer(users):
    def make(who: str) -> Client:
        _token, raw = api_token_issue(
            actor=None, user=users[who], name=f"{who} 实名制对接", scopes=["*"]
        )
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


@pytest.fixture
def api(bearer):
    return bearer("province")


def body_with_quota(name: str, approved: int, region: str = "320506"):
    org = establish(name, region=region)
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=approved,
        document=make_document(),
        effective_date=START,
    )
    return org


def register(seq: int, name: str = "张三") -> Person:
    return people.person_register(actor=None, resident_id=rid(seq), name=name)


@pytest.fixture
def bureau(db):
    return body_with_quota("吴中区统计局", 2)


@pytest.fixture
def audit(db):
    return body_with_quota("吴中区审计局", 1)


def post(client, path, body):
    return client.post(f"/api/v1{path}", body, content_type="application/json")


def onboard(client, person, org, **extra):
    body = {
        "person_id": person.pk,
        "org_id": org.pk,
        "est_type": "admin",
        "start_date": "2026-02-01",
        "entry_way": "exam",
        "document": DOC,
    }
    return post(client, "/assignments", body | extra)


def placed(person, org) -> Assignment:
    return people.assignment_onboard(
        actor=None,
        person=person,
        org=org,
        est_type="admin",
        start_date=D(2021, 1, 1),
        entry_way="exam",
        document=make_document(),
    )


def counters(*orgs) -> list[int]:
    return [Quota.objects.get(org=org, est_type="admin").occupied for org in orgs]


# --- persons --------------------------------------------------------------------------------


def test_register_returns_the_masked_id(api):
    response = post(
        api, "/persons", {"resident_id": FIRST, "name": "张三", "ethnicity": "汉族", "cadre": True}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["resident_id"] == MASKED
    assert (body["gender"], body["birth_date"], body["org_id"]) == ("M", "1990-03-07", None)
    assert Person.objects.get().resident_id == FIRST
    again = post(api, "/persons", {"resident_id": FIRST, "name": "张三"})
    assert again.status_code == 400 and again.json()["code"] == "duplicate"
    wrong = post(api, "/persons", {"resident_id": FIRST[:-1] + "2", "name": "李四"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "ric.checksum"
    assert wrong.json()["field"] == "resident_id"
    mismatch = post(api, "/persons", {"resident_id": rid(3), "name": "李四", "gender": "F"})
    assert mismatch.status_code == 400 and mismatch.json()["code"] == "ric.inconsistent"


def test_list_is_scoped_masked_searchable_and_paged(api, bearer, bureau, audit):
    placed(register(1, "张三"), bureau)
    placed(register(3, "张三丰"), bureau)
    placed(register(5, "李四"), audit)
    register(7, "王五")  # on no post: a national user only
    page = api.get("/api/v1/persons", {"limit": 2}).json()
    assert [p["name"] for p in page["items"]] == ["张三", "张三丰"]
    assert page["items"][0]["resident_id"] == MASKED
    assert page["items"][0]["org_name"] == "吴中区统计局"
    rest = api.get("/api/v1/persons", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [p["name"] for p in rest["items"]] == ["李四"] and rest["next_cursor"] is None
    assert [p["name"] for p in api.get("/api/v1/persons", {"q": "张"}).json()["items"]] == [
        "张三",
        "张三丰",
    ]
    by_id = api.get("/api/v1/persons", {"q": rid(3)}).json()["items"]
    assert [p["name"] for p in by_id] == ["张三丰"]
    assert api.get("/api/v1/persons", {"q": rid(3)[:10]}).json()["items"] == []
    in_audit = api.get("/api/v1/persons", {"org_id": audit.pk}).json()["items"]
    assert [p["name"] for p in in_audit] == ["李四"]
    national = bearer("national").get("/api/v1/persons").json()["items"]
    assert [p["name"] for p in national] == ["张三", "张三丰", "李四", "王五"]
    assert bearer("outsider").get("/api/v1/persons").json()["items"] == []
    assert bearer("outsider").get("/api/v1/persons", {"org_id": audit.pk}).status_code == 404


def test_detail_shows_the_full_id_and_records_the_view(api, users, bureau):
    person = register(1)
    a = placed(person, bureau)
    response = api.get(f"/api/v1/persons/{person.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["resident_id"] == FIRST
    assert [x["id"] for x in body["assignments"]] == [a.pk]
    assert body["assignments"][0]["resident_id"] == MASKED
    event = _views().get()
    assert (event.action, event.entity, event.entity_id) == (
        "personnel.person.viewed",
        "personnel.person",
        str(person.pk),
    )
    assert event.actor == users["province"]
    assert api.get("/api/v1/persons").json()["items"][0]["resident_id"] == MASKED
    api.get(f"/api/v1/persons/{person.pk}")
    assert _views().count() == 2


def test_detail_needs_the_full_permission_and_scope(bearer, bureau):
    person = register(1)
    placed(person, bureau)
    assert bearer("viewer").get(f"/api/v1/persons/{person.pk}").status_code == 403
    assert bearer("outsider").get(f"/api/v1/persons/{person.pk}").status_code == 404
    assert bearer("province").get("/api/v1/persons/999999").status_code == 404
    assert _views().count() == 0


# --- onboard ---------------------------------------------------------------------------------


def test_onboard(api, bureau):
    person = register(1)
    response = onboard(api, person, bureau)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body | {"id": 0} == {
        "id": 0,
        "person_id": person.pk,
        "person_name": "张三",
        "resident_id": MASKED,
        "org_id": bureau.pk,
        "org_name": "吴中区统计局",
        "est_type": "admin",
        "leader_post_id": None,
        "leader_title": None,
        "start_date": "2026-02-01",
        "end_date": None,
        "entry_way": "exam",
        "exit_way": "",
        "override_by": "",
    }
    assert counters(bureau) == [1]
    listed = api.get("/api/v1/assignments", {"org_id": bureau.pk, "active": "true"}).json()
    assert [a["id"] for a in listed] == [body["id"]]
    assert api.get("/api/v1/assignments", {"active": "false"}).json() == []


def test_onboard_over_quota_is_409_naming_body_and_numbers(api, audit):
    placed(register(1), audit)
    response = onboard(api, register(3, "李四"), audit)
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "over_quota" and error["field"] == "org"
    assert error["message"] == "“吴中区审计局”行政编制已无空编：核定 1 名，实有 1 名，预留 0 名"
    assert error["details"]["approved"] == 1
    assert counters(audit) == [1] and Assignment.objects.count() == 1


def test_onboard_twice_is_409_already_on_establishment(api, bureau, audit):
    person = register(1)
    placed(person, bureau)
    response = onboard(api, person, audit)
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "already_on_establishment"
    assert "张三" in error["message"] and "吴中区统计局" in error["message"]
    assert counters(bureau, audit) == [1, 0]


def test_onboard_into_a_frozen_quota_is_409(api, bureau):
    staffing.quota_freeze(
        actor=None,
        org=bureau,
        est_type="admin",
        frozen=True,
        document=make_document(),
        effective_date=START,
    )
    response = onboard(api, register(1), bureau)
    assert response.status_code == 409
    assert response.json()["code"] == "quota_frozen"
    assert "吴中区统计局" in response.json()["message"]


def test_onboard_with_a_reservation_and_with_bad_input(api, audit):
    reservation = staffing.reservation_create(
        actor=None,
        org=audit,
        est_type="admin",
        count=1,
        purpose="考录",
        expires_on=D(2099, 12, 31),
        document=make_document(),
    )
    response = onboard(api, register(1), audit, reservation_id=reservation.pk)
    assert response.status_code == 201, response.content
    quota = Quota.objects.get(org=audit)
    assert (quota.occupied, quota.reserved) == (1, 0)
    assert Reservation.objects.get().status == "used"
    missing = onboard(api, register(3), audit, reservation_id=999999)
    assert missing.status_code == 400 and missing.json()["field"] == "reservation_id"
    bad_way = onboard(api, register(5), audit, entry_way="bribe")
    assert bad_way.status_code == 400 and bad_way.json()["field"] == "entry_way"


def test_onboard_over_quota_with_an_override_in_warn_mode(api, audit):
    from bianzhi.staffing.models import StaffingPolicy

    StaffingPolicy.objects.create(org=audit, mode="warn")
    placed(register(1), audit)
    override = {"override_by": "区编委", "override_document": {**DOC, "number": "吴编〔2026〕1号"}}
    response = onboard(api, register(3, "李四"), audit, **override)
    assert response.status_code == 201, response.content
    assert response.json()["override_by"] == "区编委"
    assert counters(audit) == [2]


# --- transfer, appoint, relieve, exit ----------------------------------------------------------


def test_transfer(api, bureau, audit):
    a = placed(register(1), bureau)
    response = post(
        api,
        f"/assignments/{a.pk}/transfer",
        {"to_org_id": audit.pk, "date": "2026-03-01", "document": DOC},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["org_id"], body["entry_way"], body["start_date"]) == (
        audit.pk,
        "transfer_in",
        "2026-03-01",
    )
    a.refresh_from_db()
    assert (a.end_date, a.exit_way) == (D(2026, 3, 1), "transfer_out")
    assert counters(bureau, audit) == [0, 1]


def test_transfer_to_a_full_body_is_409_and_changes_nothing(api, bureau, audit):
    placed(register(1), audit)
    a = placed(register(3, "李四"), bureau)
    response = post(
        api,
        f"/assignments/{a.pk}/transfer",
        {"to_org_id": audit.pk, "date": "2026-03-01", "document": DOC},
    )
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "over_quota" and "吴中区审计局" in error["message"]
    assert "核定 1 名" in error["message"] and "实有 1 名" in error["message"]
    assert counters(bureau, audit) == [1, 1]
    a.refresh_from_db()
    assert (a.end_date, a.exit_way) == (None, "")
    assert Assignment.objects.filter(end_date__isnull=True).count() == 2


def test_transfer_out_of_scope_is_404(bearer, bureau):
    a = placed(register(1), bureau)
    city = body_with_quota("苏州市统计局", 3, region="320500")
    move = {"to_org_id": city.pk, "date": "2026-03-01", "document": DOC}
    assert post(bearer("county"), f"/assignments/{a.pk}/transfer", move).status_code == 404
    assert post(bearer("outsider"), f"/assignments/{a.pk}/transfer", move).status_code == 404
    assert counters(bureau, city) == [1, 0]


def test_appoint_relieve_and_over_leader_posts(api, bureau):
    post_ = staffing.leader_post_set(
        actor=None,
        org=bureau,
        title="局长",
        level="principal",
        approved=1,
        document=make_document(),
        effective_date=START,
    )
    first, second = placed(register(1), bureau), placed(register(3, "李四"), bureau)
    appoint = {"leader_post_id": post_.pk, "date": "2026-02-01", "document": DOC}
    response = post(api, f"/assignments/{first.pk}/appoint", appoint)
    assert response.status_code == 200, response.content
    assert (response.json()["leader_post_id"], response.json()["leader_title"]) == (
        post_.pk,
        "局长",
    )
    refused = post(api, f"/assignments/{second.pk}/appoint", appoint)
    assert refused.status_code == 409
    error = refused.json()
    assert error["code"] == "over_leader_posts"
    assert error["message"] == "“吴中区统计局”局长职数已满：核定 1 名，已配 1 名"
    assert LeaderPost.objects.get().filled == 1
    relieved = post(
        api, f"/assignments/{first.pk}/relieve", {"date": "2026-04-01", "document": DOC}
    )
    assert relieved.status_code == 200 and relieved.json()["leader_post_id"] is None
    assert LeaderPost.objects.get().filled == 0
    again = post(api, f"/assignments/{first.pk}/relieve", {"date": "2026-04-02", "document": DOC})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_exit(api, bureau):
    a = placed(register(1), bureau)
    leave = {"end_date": "2026-05-01", "exit_way": "retire", "document": DOC}
    response = post(api, f"/assignments/{a.pk}/exit", leave)
    assert response.status_code == 200, response.content
    assert (response.json()["end_date"], response.json()["exit_way"]) == ("2026-05-01", "retire")
    assert counters(bureau) == [0]
    again = post(api, f"/assignments/{a.pk}/exit", leave)
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert post(api, f"/assignments/{a.pk}/exit", leave | {"exit_way": "x"}).status_code == 400
    history = api.get("/api/v1/assignments", {"person_id": a.person_id}).json()
    assert [h["exit_way"] for h in history] == ["retire"]


# --- access ---------------------------------------------------------------------------------


def test_anonymous_requests_get_401(bureau):
    client = Client()
    a = placed(register(1), bureau)
    for path in ("/persons", f"/persons/{a.person_id}", "/assignments"):
        assert client.get(f"/api/v1{path}").status_code == 401, path
    assert onboard(client, register(3), bureau).status_code == 401
    exit_ = {"end_date": "2026-05-01", "exit_way": "retire", "document": DOC}
    assert post(client, f"/assignments/{a.pk}/exit", exit_).status_code == 401


def test_viewer_reads_masked_but_cannot_write(bearer, bureau):
    viewer = bearer("viewer")
    a = placed(register(1), bureau)
    assert viewer.get("/api/v1/persons").json()["items"][0]["resident_id"] == MASKED
    assert viewer.get("/api/v1/assignments").json()[0]["resident_id"] == MASKED
    assert post(viewer, "/persons", {"resident_id": rid(3), "name": "李四"}).status_code == 403
    assert onboard(viewer, register(5), bureau).status_code == 403
    leave = {"end_date": "2026-05-01", "exit_way": "retire", "document": DOC}
    assert post(viewer, f"/assignments/{a.pk}/exit", leave).status_code == 403
    assert counters(bureau) == [1]


def test_outsiders_get_404(bearer, bureau):
    outsider = bearer("outsider")
    a = placed(register(1), bureau)
    post_ = staffing.leader_post_set(
        actor=None,
        org=bureau,
        title="局长",
        level="principal",
        approved=1,
        document=make_document(),
        effective_date=START,
    )
    assert outsider.get("/api/v1/assignments").json() == []
    assert outsider.get("/api/v1/assignments", {"org_id": bureau.pk}).status_code == 404
    assert onboard(outsider, register(3), bureau).status_code == 404
    appoint = {"leader_post_id": post_.pk, "date": "2026-02-01", "document": DOC}
    assert post(outsider, f"/assignments/{a.pk}/appoint", appoint).status_code == 404
    relieve = {"date": "2026-02-01", "document": DOC}
    assert post(outsider, f"/assignments/{a.pk}/relieve", relieve).status_code == 404
    leave = {"end_date": "2026-05-01", "exit_way": "retire", "document": DOC}
    assert post(outsider, f"/assignments/{a.pk}/exit", leave).status_code == 404
    a.refresh_from_db()
    assert a.end_date is None and counters(bureau) == [1]

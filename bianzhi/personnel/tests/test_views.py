"""Staff pages of the real-name register: list and full record (audited), and the forms for
every way in, across and out of a post, with control refusals that change nothing."""

import datetime

import pytest

from bianzhi.audit.models import AuditEvent
from bianzhi.personnel import services as people
from bianzhi.personnel.models import Assignment, LeaderTenure, Person
from bianzhi.staffing import services as staffing
from bianzhi.staffing.models import ControlMode, Quota, Reservation, StaffingPolicy
from bianzhi.testing import establish, make_document


def _views():
    return AuditEvent.objects.filter(action="personnel.person.viewed")


pytestmark = pytest.mark.django_db
D = datetime.date
DOC = {
    "document_issuer": "吴中区委组织部",
    "document_number": "吴组〔2026〕5号",
    "document_title": "关于人员录用的通知",
    "document_date": "2026-01-05",
    "effective_date": "2026-02-01",
}
IDS = ["110101199003070011", "110101199003070038", "110101199003070054", "110101196501010018"]
MASKED = ["110101********0011", "110101********0038", "110101********0054"]


def quota_set(org, n):
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=n,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )


@pytest.fixture
def full(db):
    """A body with one approved post, taken by 张伟."""
    org = establish("吴中区统计局")
    quota_set(org, 1)
    person = people.person_register(actor=None, resident_id=IDS[0], name="张伟")
    people.assignment_onboard(
        actor=None,
        person=person,
        org=org,
        est_type="admin",
        start_date=D(2021, 1, 1),
        entry_way="exam",
        document=make_document(),
    )
    return org


@pytest.fixture
def vacant(db):
    org = establish("吴中区审计局")
    quota_set(org, 2)
    return org


@pytest.fixture
def zhang(full):
    return Person.objects.get(resident_id=IDS[0])


@pytest.fixture
def staff(client, users):
    client.force_login(users["province"])
    return client


def occupied(org):
    return Quota.objects.get(org=org, est_type="admin").occupied


def onboard_data(**extra):
    return {**DOC, "est_type": "admin", "entry_way": "exam", "cadre": "on", **extra}


def test_list_masks_ids_and_searches(staff, zhang, vacant):
    page = staff.get("/persons/").content.decode()
    assert "张伟" in page and MASKED[0] in page and IDS[0] not in page
    assert [p.name for p in staff.get("/persons/", {"q": "张"}).context["page"]] == ["张伟"]
    assert list(staff.get("/persons/", {"q": "伟"}).context["page"]) == []
    assert [p.name for p in staff.get("/persons/", {"q": IDS[0]}).context["page"]] == ["张伟"]
    assert _views().count() == 0


def test_list_is_scoped_to_open_posts(client, users, zhang):
    loner = people.person_register(actor=None, resident_id=IDS[1], name="李娜")
    client.force_login(users["outsider"])
    assert list(client.get("/persons/").context["page"]) == []
    client.force_login(users["province"])
    assert [p.name for p in client.get("/persons/").context["page"]] == ["张伟"]
    client.force_login(users["national"])
    assert {p.name for p in client.get("/persons/").context["page"]} == {"张伟", loner.name}


def test_an_outsider_gets_404_and_the_attempt_is_audited_on_page_and_api(client, users, zhang):
    client.force_login(users["outsider"])
    assert client.get(f"/persons/{zhang.pk}/").status_code == 404
    assert client.get(f"/api/v1/persons/{zhang.pk}").status_code == 404
    assert client.get("/persons/999999/").status_code == 404  # missing: nothing to audit
    attempts = AuditEvent.objects.filter(action="access.out_of_scope", actor=users["outsider"])
    assert [(a.entity, a.entity_id, a.result) for a in attempts] == [
        ("personnel.person", str(zhang.pk), "refused")
    ] * 2
    assert not AuditEvent.objects.filter(action="personnel.person.viewed").exists()


def test_person_page_shows_the_full_record_and_is_audited(staff, users, zhang):
    page = staff.get(f"/persons/{zhang.pk}/").content.decode()
    assert f'id="resident-id">{IDS[0]}<' in page
    assert "1990-03-07" in page and "吴中区统计局" in page
    assert 'id="retirement-month"><strong>2053-03<' in page  # born 1990-03, male 60 → 63
    (event,) = _views().all()
    assert (event.action, event.entity, event.entity_id, event.actor) == (
        "personnel.person.viewed",
        "personnel.person",
        str(zhang.pk),
        users["province"],
    )


def test_person_page_refused_to_viewer_and_hidden_from_outsiders(client, users, zhang):
    client.force_login(users["viewer"])
    assert client.get("/persons/").status_code == 200
    assert client.get(f"/persons/{zhang.pk}/").status_code == 403
    client.force_login(users["outsider"])
    assert client.get(f"/persons/{zhang.pk}/").status_code == 404
    assert _views().count() == 0


def test_every_form_renders_for_a_clerk(staff, full, zhang):
    for url in (
        "/persons/new/",
        f"/persons/onboard/{full.pk}/",
        f"/persons/{zhang.pk}/transfer/",
        f"/persons/{zhang.pk}/exit/",
        f"/persons/{zhang.pk}/appoint/",
        f"/persons/{zhang.pk}/relieve/",
    ):
        assert staff.get(url).status_code == 200, url


def test_writes_are_refused_to_viewers_and_outsiders(client, users, full, zhang):
    urls = [
        "/persons/new/",
        f"/persons/onboard/{full.pk}/",
        f"/persons/{zhang.pk}/transfer/",
        f"/persons/{zhang.pk}/exit/",
        f"/persons/{zhang.pk}/appoint/",
        f"/persons/{zhang.pk}/relieve/",
    ]
    client.force_login(users["viewer"])
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {**DOC, "exit_way": "retire"}).status_code == 403, url
    client.force_login(users["outsider"])
    for url in urls[1:]:
        assert client.get(url).status_code == 404, url
    assert Assignment.objects.get().end_date is None


def test_register_form(staff):
    response = staff.post(
        "/persons/new/",
        {"resident_id": IDS[2], "name": "孙丽", "cadre": "on", "education": "大学本科"},
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert (person.name, person.gender, person.birth_date, person.education) == (
        "孙丽",
        "M",
        D(1990, 3, 7),
        "大学本科",
    )
    bad = staff.post("/persons/new/", {"resident_id": "110101199003070012", "name": "某"})
    assert "公民身份号码校验码错误" in bad.content.decode()


def test_onboard_an_existing_person(staff, vacant):
    person = people.person_register(actor=None, resident_id=IDS[1], name="李娜")
    response = staff.post(
        f"/persons/onboard/{vacant.pk}/", onboard_data(resident_id=IDS[1], entry_way="rotation")
    )
    assert response.status_code == 302 and response["Location"] == f"/orgs/{vacant.pk}/"
    assignment = Assignment.objects.get(person=person)
    assert (
        assignment.org,
        assignment.est_type,
        assignment.entry_way,
        assignment.start_date,
        assignment.entry_document.number,
    ) == (vacant, "admin", "rotation", D(2026, 2, 1), "吴组〔2026〕5号")
    assert occupied(vacant) == 1


def test_onboard_registers_a_new_person_in_the_same_form(staff, vacant):
    url = f"/persons/onboard/{vacant.pk}/"
    nameless = staff.post(url, onboard_data(resident_id=IDS[2]))
    assert "name" in nameless.context["form"].errors and Person.objects.count() == 0
    assert staff.post(url, onboard_data(resident_id=IDS[2], name="孙丽")).status_code == 302
    assert Assignment.objects.get(person__name="孙丽").org == vacant


def test_onboard_into_a_full_body_is_refused_and_changes_nothing(staff, full):
    before = (Person.objects.count(), Assignment.objects.count(), occupied(full))
    response = staff.post(
        f"/persons/onboard/{full.pk}/", onboard_data(resident_id=IDS[2], name="孙丽")
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="refusal"' in page
    assert "“吴中区统计局”行政编制已无空编：核定 1 名，实有 1 名，预留 0 名" in page
    assert response.context["form"].refusal.code == "over_quota"
    assert (Person.objects.count(), Assignment.objects.count(), occupied(full)) == before


def test_override_fields_only_under_a_warn_policy(staff, full):
    url = f"/persons/onboard/{full.pk}/"
    assert "override_by" not in staff.get(url).context["form"].fields
    StaffingPolicy.objects.create(org=full, mode=ControlMode.WARN)
    assert "override_by" in staff.get(url).context["form"].fields
    half = staff.post(url, onboard_data(resident_id=IDS[2], name="孙丽", override_by="县长"))
    assert "override_title" in half.context["form"].errors
    override = {
        "override_by": "吴中区政府常务会议",
        "override_issuer": "吴中区人民政府",
        "override_title": "关于超编进人的批复",
        "override_date": "2026-01-20",
    }
    response = staff.post(url, onboard_data(resident_id=IDS[2], name="孙丽", **override))
    assert response.status_code == 302
    assignment = Assignment.objects.get(person__name="孙丽")
    assert assignment.override_by == "吴中区政府常务会议"
    assert assignment.override_document.title == "关于超编进人的批复"
    assert occupied(full) == 2


def test_onboard_with_a_recruitment_plan(staff, vacant):
    staffing.quota_adjust(
        actor=None,
        org=vacant,
        est_type="admin",
        delta=-1,
        document=make_document(),
        effective_date=D(2024, 1, 1),
    )
    plan = staffing.reservation_create(
        actor=None,
        org=vacant,
        est_type="admin",
        count=1,
        purpose="2026年度考录",
        expires_on=D(2099, 1, 1),
        document=make_document(),
    )
    response = staff.post(
        f"/persons/onboard/{vacant.pk}/",
        onboard_data(resident_id=IDS[2], name="孙丽", reservation=plan.pk),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    quota = Quota.objects.get(org=vacant)
    assert (plan.status, quota.reserved, quota.occupied) == (Reservation.Status.USED, 0, 1)


def test_transfer_moves_the_person(staff, full, vacant, zhang):
    response = staff.post(
        f"/persons/{zhang.pk}/transfer/", {**DOC, "to_org": vacant.pk, "entry_way": "transfer_in"}
    )
    assert response.status_code == 302 and response["Location"] == f"/orgs/{vacant.pk}/"
    (old, new) = Assignment.objects.order_by("pk")
    assert (old.end_date, old.exit_way) == (D(2026, 2, 1), "transfer_out")
    assert (new.org, new.start_date, new.entry_way) == (vacant, D(2026, 2, 1), "transfer_in")
    assert (occupied(full), occupied(vacant)) == (0, 1)


def test_transfer_into_a_full_body_is_refused(staff, full, vacant, zhang):
    quota_set(vacant, 0)
    response = staff.post(
        f"/persons/{zhang.pk}/transfer/", {**DOC, "to_org": vacant.pk, "entry_way": "transfer_in"}
    )
    assert 'id="refusal"' in response.content.decode()
    assert "“吴中区审计局”行政编制已无空编" in response.content.decode()
    assert Assignment.objects.get().end_date is None and occupied(full) == 1


def test_exit(staff, full, zhang):
    response = staff.post(f"/persons/{zhang.pk}/exit/", {**DOC, "exit_way": "retire"})
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.end_date, assignment.exit_way, assignment.exit_document.title) == (
        D(2026, 2, 1),
        "retire",
        "关于人员录用的通知",
    )
    assert occupied(full) == 0
    assert staff.get(f"/persons/{zhang.pk}/exit/").status_code == 404


def test_appoint_refuse_and_relieve(staff, full, zhang):
    post = staffing.leader_post_set(
        actor=None,
        org=full,
        title="局长",
        level="principal",
        approved=1,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    url = f"/persons/{zhang.pk}/appoint/"
    assert staff.post(url, {**DOC, "leader_post": post.pk}).status_code == 302
    post.refresh_from_db()
    assert post.filled == 1 and Assignment.objects.get().leader_post == post
    assert LeaderTenure.objects.get().start_date == D(2026, 2, 1)
    deputy = staffing.leader_post_set(
        actor=None,
        org=full,
        title="副局长",
        level="deputy",
        approved=0,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    refused = staff.post(url, {**DOC, "leader_post": deputy.pk})
    assert "“吴中区统计局”副局长职数已满：核定 0 名，已配 0 名" in refused.content.decode()
    post.refresh_from_db()
    assert post.filled == 1 and Assignment.objects.get().leader_post == post
    response = staff.post(f"/persons/{zhang.pk}/relieve/", DOC)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.filled == 0 and Assignment.objects.get().leader_post is None
    assert LeaderTenure.objects.get().end_date == D(2026, 2, 1)

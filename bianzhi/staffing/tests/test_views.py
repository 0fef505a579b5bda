"""Staff pages of the quota ledger: the panel on a body's page, the change forms, recruitment
plans and the monitoring lists."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bianzhi.core.identifiers import ric_check_digit
from bianzhi.personnel import services as people
from bianzhi.staffing import services as staffing
from bianzhi.staffing.models import LeaderPost, Quota, QuotaChange, Reservation
from bianzhi.testing import establish, make_document

pytestmark = pytest.mark.django_db
D = datetime.date
DOC = {
    "document_issuer": "江苏省委编办",
    "document_number": "苏编办〔2026〕7号",
    "document_title": "关于核定编制的批复",
    "document_date": "2026-01-05",
    "effective_date": "2026-01-10",
}
IDS = ["110101199003070011", "110101199003070038", "110101199003070054", "110101196501010018"]


def quota_set(org, n, est_type="admin"):
    staffing.quota_set(
        actor=None,
        org=org,
        est_type=est_type,
        approved=n,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )


def put_on_post(org, i, name="张伟"):
    person = people.person_register(actor=None, resident_id=IDS[i], name=name)
    return people.assignment_onboard(
        actor=None,
        person=person,
        org=org,
        est_type="admin",
        start_date=D(2021, 1, 1),
        entry_way="exam",
        document=make_document(),
    )


@pytest.fixture
def bureau(db):
    org = establish("吴中区统计局")
    quota_set(org, 2)
    put_on_post(org, 0)
    return org


@pytest.fixture
def other(db):
    org = establish("吴中区审计局")
    quota_set(org, 1)
    return org


@pytest.fixture
def staff(client, users):
    client.force_login(users["province"])
    return client


def approved(org, est_type="admin"):
    return Quota.objects.get(org=org, est_type=est_type).approved


def test_panel_on_the_body_page_shows_quotas_posts_and_masked_people(staff, bureau):
    staffing.leader_post_set(
        actor=None,
        org=bureau,
        title="局长",
        level="principal",
        approved=1,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    page = staff.get(f"/orgs/{bureau.pk}/").content.decode()
    assert 'id="staffing-panel"' in page
    assert '<td class="num approved">2</td>' in page and '<td class="num vacancy">1</td>' in page
    assert "局长" in page and "张伟" in page
    assert "110101********0011" in page and IDS[0] not in page
    assert f"/staffing/orgs/{bureau.pk}/quota/" in page and f"/persons/onboard/{bureau.pk}/" in page


def test_panel_as_of_a_past_date_and_hidden_without_the_permission(client, users, bureau):
    client.force_login(users["province"])
    page = client.get(f"/orgs/{bureau.pk}/", {"as_of": "2020-06-01"}).content.decode()
    assert '<td class="num occupied">0</td>' in page and "张伟" not in page
    client.force_login(users["viewer"])
    viewer_page = client.get(f"/orgs/{bureau.pk}/").content.decode()
    assert 'id="staffing-panel"' in viewer_page
    assert f"/staffing/orgs/{bureau.pk}/quota/" not in viewer_page
    assert f"/persons/{bureau.assignments.get().person_id}/" not in viewer_page


def test_every_page_renders_for_a_clerk(staff, bureau):
    plan = staffing.reservation_create(
        actor=None,
        org=bureau,
        est_type="admin",
        count=1,
        purpose="2026年度考录",
        expires_on=D(2099, 1, 1),
        document=make_document(),
    )
    for url in (
        f"/staffing/orgs/{bureau.pk}/quota/?kind=transfer",
        f"/staffing/orgs/{bureau.pk}/leader-posts/",
        f"/staffing/orgs/{bureau.pk}/reservations/",
        f"/staffing/reservations/{plan.pk}/cancel/",
        "/staffing/monitor/",
    ):
        assert staff.get(url).status_code == 200, url
    for tab in ("over", "full", "vacant", "leaders", "past", "due", "duplicates"):
        assert staff.get("/staffing/monitor/", {"tab": tab}).status_code == 200, tab


def test_a_viewer_may_look_but_not_change(client, users, bureau):
    client.force_login(users["viewer"])
    assert client.get("/staffing/monitor/").status_code == 200
    for url in (
        f"/staffing/orgs/{bureau.pk}/quota/",
        f"/staffing/orgs/{bureau.pk}/leader-posts/",
        f"/staffing/orgs/{bureau.pk}/reservations/",
    ):
        assert client.get(url).status_code == 403, url
        assert (
            client.post(url, {**DOC, "kind": "set", "est_type": "admin", "count": 9}).status_code
            == 403
        )
    assert approved(bureau) == 2


def test_outsiders_get_not_found(client, users, bureau):
    plan = staffing.reservation_create(
        actor=None,
        org=bureau,
        est_type="admin",
        count=1,
        purpose="考录",
        expires_on=D(2099, 1, 1),
        document=make_document(),
    )
    client.force_login(users["outsider"])
    for url in (
        f"/staffing/orgs/{bureau.pk}/quota/",
        f"/staffing/orgs/{bureau.pk}/leader-posts/",
        f"/staffing/orgs/{bureau.pk}/reservations/",
        f"/staffing/reservations/{plan.pk}/cancel/",
    ):
        assert client.get(url).status_code == 404, url
    page = client.get("/staffing/monitor/", {"tab": "full"}).content.decode()
    assert "吴中区统计局" not in page


@pytest.mark.parametrize(
    ("kind", "count", "expected"),
    [("set", 5, 5), ("raise", 3, 5), ("cut", 1, 1), ("withdraw", 1, 1)],
)
def test_quota_form_calls_the_service(staff, bureau, kind, count, expected):
    response = staff.post(
        f"/staffing/orgs/{bureau.pk}/quota/",
        {**DOC, "kind": kind, "est_type": "admin", "count": count},
    )
    assert response.status_code == 302 and response["Location"] == f"/orgs/{bureau.pk}/"
    assert approved(bureau) == expected
    change = QuotaChange.objects.filter(quota__org=bureau).latest("id")
    assert change.effective_date == D(2026, 1, 10)
    assert change.document.number == "苏编办〔2026〕7号"


def test_transfer_moves_posts_to_the_picked_body(staff, bureau, other):
    url = f"/staffing/orgs/{bureau.pk}/quota/"
    missing = staff.post(url, {**DOC, "kind": "transfer", "est_type": "admin", "count": 1})
    assert "target" in missing.context["form"].errors
    response = staff.post(
        url, {**DOC, "kind": "transfer", "est_type": "admin", "count": 1, "target": other.pk}
    )
    assert response.status_code == 302
    assert (approved(bureau), approved(other)) == (1, 2)


def test_freeze_then_unfreeze(staff, bureau):
    url = f"/staffing/orgs/{bureau.pk}/quota/"
    staff.post(url, {**DOC, "kind": "freeze", "est_type": "admin"})
    assert Quota.objects.get(org=bureau).frozen
    again = staff.post(url, {**DOC, "kind": "freeze", "est_type": "admin"})
    assert again.status_code == 200 and "编制已处于该状态" in again.content.decode()
    staff.post(url, {**DOC, "kind": "unfreeze", "est_type": "admin"})
    assert not Quota.objects.get(org=bureau).frozen


def test_cut_below_zero_shows_the_error_and_changes_nothing(staff, bureau):
    response = staff.post(
        f"/staffing/orgs/{bureau.pk}/quota/",
        {**DOC, "kind": "cut", "est_type": "admin", "count": 9},
    )
    assert response.status_code == 200
    assert "核减后核定数不能小于 0" in response.content.decode()
    assert approved(bureau) == 2 and QuotaChange.objects.filter(quota__org=bureau).count() == 1


def test_leader_post_form(staff, bureau):
    response = staff.post(
        f"/staffing/orgs/{bureau.pk}/leader-posts/",
        {**DOC, "post_title": "副局长", "level": "deputy", "rank": "", "approved": 2},
    )
    assert response.status_code == 302
    post = LeaderPost.objects.get(org=bureau)
    assert (post.title, post.level, post.approved, post.valid_from) == (
        "副局长",
        "deputy",
        2,
        D(2026, 1, 10),
    )


def test_reserve_refuse_and_cancel(staff, bureau):
    url = f"/staffing/orgs/{bureau.pk}/reservations/"
    plan = {**DOC, "est_type": "admin", "purpose": "2026年度考录", "expires_on": "2099-01-01"}
    refused = staff.post(url, {**plan, "count": 2})
    body = refused.content.decode()
    assert 'id="refusal"' in body and "空编仅 1 名，不能预留 2 名" in body
    assert Reservation.objects.count() == 0 and Quota.objects.get(org=bureau).reserved == 0
    assert staff.post(url, {**plan, "count": 1}).status_code == 302
    reservation = Reservation.objects.get()
    assert (reservation.count, reservation.purpose, Quota.objects.get(org=bureau).reserved) == (
        1,
        "2026年度考录",
        1,
    )
    assert "2026年度考录" in staff.get(url).content.decode()
    cancel = f"/staffing/reservations/{reservation.pk}/cancel/"
    assert staff.post(cancel, DOC).status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == "cancelled" and Quota.objects.get(org=bureau).reserved == 0


def test_monitor_lists_each_state_with_links(staff, bureau, other):
    third = establish("吴中区财政局")
    quota_set(third, 1)
    put_on_post(third, 1, name="李娜")
    staffing.quota_adjust(
        actor=None,
        org=third,
        est_type="admin",
        delta=-1,
        document=make_document(),
        effective_date=D(2023, 1, 1),
    )
    over = staff.get("/staffing/monitor/", {"tab": "over"}).context["rows"]
    assert [r["org__name"] for r in over] == ["吴中区财政局"]
    vacant = staff.get("/staffing/monitor/", {"tab": "vacant"}).content.decode()
    assert f'href="/orgs/{bureau.pk}/"' in vacant and f'href="/orgs/{other.pk}/"' in vacant
    past = staff.get("/staffing/monitor/", {"tab": "full", "as_of": "2022-01-01"})
    assert [r["org__name"] for r in past.context["rows"]] == ["吴中区财政局"]
    by_region = staff.get("/staffing/monitor/", {"tab": "vacant", "region": "320583"})
    assert by_region.context["rows"] == []


def test_monitor_people_lists_and_duplicates(staff, bureau, other):
    elder = put_on_post(other, 3, name="王强")  # born 1965-01, retires 2025-02
    page = staff.get("/staffing/monitor/", {"tab": "past", "as_of": "2026-03-01"})
    assert [a.person for a in page.context["rows"]] == [elder.person]
    assert "110101********0018" in page.content.decode()
    due = staff.get("/staffing/monitor/", {"tab": "due", "as_of": "2024-06-01"})
    assert [a.person for a in due.context["rows"]] == [elder.person]
    twin = people.person_register(actor=None, resident_id=IDS[1], name="张伟")
    staffing.quota_adjust(
        actor=None,
        org=other,
        est_type="admin",
        delta=1,
        document=make_document(),
        effective_date=D(2024, 1, 1),
    )
    people.assignment_onboard(
        actor=None,
        person=twin,
        org=other,
        est_type="admin",
        start_date=D(2024, 1, 1),
        entry_way="exam",
        document=make_document(),
    )
    dupes = staff.get("/staffing/monitor/", {"tab": "duplicates"})
    (group,) = dupes.context["rows"]
    assert group["name"] == "张伟" and len(group["rows"]) == 2
    assert "110101********0038" in dupes.content.decode()


def test_monitor_leader_posts_over(staff, bureau):
    post = staffing.leader_post_set(
        actor=None,
        org=bureau,
        title="局长",
        level="principal",
        approved=1,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    people.leader_appoint(
        actor=None,
        assignment=bureau.assignments.get(),
        leader_post=post,
        date=D(2022, 1, 1),
        document=make_document(),
    )
    staffing.leader_post_set(
        actor=None,
        org=bureau,
        title="局长",
        level="principal",
        approved=0,
        document=make_document(),
        effective_date=D(2023, 1, 1),
    )
    rows = staff.get("/staffing/monitor/", {"tab": "leaders"}).context["rows"]
    assert rows == [post]
    assert "st-over" in staff.get(f"/orgs/{bureau.pk}/").content.decode()


def _many(n: int, start: int) -> None:
    """n bodies, each full on one type and vacant on another, with an elderly namesake on a
    post (past retirement, and one more duplicate identity)."""
    for i in range(start, start + n):
        org = establish(f"吴中区第{i}事务中心")
        quota_set(org, 0)
        quota_set(org, 3, est_type="worker")
        first17 = f"11010119640501{i:03d}"
        person = people.person_register(
            actor=None, resident_id=first17 + ric_check_digit(first17), name="同名"
        )
        people.assignment_onboard(
            actor=None,
            person=person,
            org=org,
            est_type="worker",
            start_date=D(2021, 1, 1),
            entry_way="exam",
            document=make_document(),
        )


@pytest.mark.parametrize("tab", ["over", "full", "vacant", "leaders", "past", "due", "duplicates"])
def test_monitor_query_count_does_not_grow_with_rows(staff, bureau, tab):
    _many(3, 0)
    staff.get("/staffing/monitor/", {"tab": tab})  # warm the reference caches
    with CaptureQueriesContext(connection) as small:
        staff.get("/staffing/monitor/", {"tab": tab})
    _many(20, 100)
    with CaptureQueriesContext(connection) as large:
        response = staff.get("/staffing/monitor/", {"tab": tab, "as_of": "2026-01-01"})
    assert response.status_code == 200
    assert len(large.captured_queries) <= len(small.captured_queries)
    if tab == "vacant":
        assert len(response.context["rows"]) >= 23

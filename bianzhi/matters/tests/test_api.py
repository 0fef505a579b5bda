"""The matters API (/api/v1/matters): list and filters, a new matter with its change set in one
transaction, one matter with its preview, allowed actions and trail, transitions and their
refusals, and the documents with audited downloads."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from bianzhi.accounts.services import api_token_issue
from bianzhi.audit.models import AuditEvent
from bianzhi.matters import services
from bianzhi.matters.models import Matter, MatterState
from bianzhi.testing import establish, make_user

from .conftest import act, cut_meanwhile, raise_matter, to_approved

S = MatterState
pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def new_matter(office, **extra) -> dict:
    return {
        "type": "quota_raise",
        "applicant": office.body.pk,
        "title": "关于调增行政编制的请示",
        "reason": "职能增加",
        "items": [
            {
                "op": "quota.raise",
                "org": office.body.pk,
                "params": {"est_type": "admin", "count": 5},
            }
        ],
    } | extra


def test_a_body_account_creates_a_matter_with_its_changes(office):
    response = post(as_user(office.unit), "/api/v1/matters", new_matter(office))
    assert response.status_code == 201, response.content
    body = response.json()
    matter = Matter.objects.get(pk=body["id"])
    assert (body["state"], body["applicant_id"], body["node"]) == (
        "draft",
        office.body.pk,
        "320506",
    )
    assert [i["op"] for i in body["items"]] == ["quota.raise"]
    assert body["items"][0]["description"]
    assert [a["name"] for a in body["allowed_actions"]] == ["submit", "withdraw"]
    (diff,) = body["preview"]
    quota = diff["quotas"][0]
    assert (diff["org_id"], quota["approved_before"], quota["approved_after"]) == (
        office.body.pk,
        20,
        25,
    )
    assert quota["state_after"] == "vacant"
    assert matter.created_by == office.unit
    assert [e["action"] for e in body["timeline"]] == ["create"]


def test_creation_is_all_or_nothing_and_names_the_item_field(office):
    bad = new_matter(
        office,
        items=[
            {
                "op": "quota.raise",
                "org": office.body.pk,
                "params": {"est_type": "admin", "count": 2},
            },
            {
                "op": "quota.raise",
                "org": office.body.pk,
                "params": {"est_type": "admin", "count": 0},
            },
        ],
    )
    response = post(as_user(office.clerk), "/api/v1/matters", bad)
    assert response.status_code == 400
    error = response.json()
    assert error["field"] == "items[1].params.count"
    assert error["message"].startswith("第 2 项") and error["message_en"].startswith("item 2")
    assert not Matter.objects.exists()
    wrong_op = new_matter(office, items=[{"op": "org.abolish", "org": office.body.pk}])
    refused = post(as_user(office.clerk), "/api/v1/matters", wrong_op)
    assert (refused.status_code, refused.json()["field"]) == (400, "items[0].op")
    assert not Matter.objects.exists()


def test_an_applicant_outside_the_callers_reach_is_refused(office):
    foreign = establish("北京市某局", region="110101")
    refused = post(
        as_user(office.clerk), "/api/v1/matters", new_matter(office, applicant=foreign.pk)
    )
    assert (refused.status_code, refused.json()["field"]) == (400, "applicant")
    other = establish("苏州市吴中区统计局")
    by_body = post(as_user(office.unit), "/api/v1/matters", new_matter(office, applicant=other.pk))
    assert (by_body.status_code, by_body.json()["code"]) == (400, "not_found")
    viewer = make_user("viewer2", office.clerk.node, role="viewer")
    assert post(as_user(viewer), "/api/v1/matters", new_matter(office)).status_code == 403
    assert not Matter.objects.exists()


def test_list_filters_and_pages(office):
    first = raise_matter(office, title="调增一")
    act(first, office.unit, "submit")
    act(first, office.clerk, "accept")
    Matter.objects.filter(pk=first.pk).update(due_on=datetime.date(2020, 1, 6))
    second = raise_matter(office, title="调增二")
    third = services.matter_create(
        actor=office.clerk, applicant=office.body, matter_type="quota_cut", title="核减"
    )
    client = as_user(office.clerk)
    page = client.get("/api/v1/matters", {"limit": 2}).json()
    assert [m["id"] for m in page["items"]] == [third.pk, second.pk]
    more = client.get("/api/v1/matters", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [m["id"] for m in more["items"]] == [first.pk] and more["next_cursor"] is None
    overdue = client.get("/api/v1/matters", {"overdue": "true"}).json()["items"]
    assert [m["id"] for m in overdue] == [first.pk]
    assert overdue[0]["deadline"]["overdue"] and overdue[0]["deadline"]["days_left"] < 0
    by_type = client.get("/api/v1/matters", {"type": "quota_cut"}).json()["items"]
    assert [m["id"] for m in by_type] == [third.pk]
    by_state = client.get("/api/v1/matters", {"state": "draft"}).json()["items"]
    assert {m["id"] for m in by_state} == {second.pk, third.pk}
    assert client.get("/api/v1/matters", {"applicant": office.body.pk + 99}).json()["items"] == []
    assert as_user(office.outsider).get("/api/v1/matters").json()["items"] == []
    admin = make_user("sys", None, role="sysadmin")
    assert as_user(admin).get("/api/v1/matters").status_code == 403


def test_the_list_costs_the_same_queries_for_more_matters(office, django_assert_max_num_queries):
    client = as_user(office.clerk)
    raise_matter(office)
    with django_assert_max_num_queries(7):
        client.get("/api/v1/matters")
    for _n in range(8):
        act(raise_matter(office), office.unit, "submit")
    with django_assert_max_num_queries(7):
        assert len(client.get("/api/v1/matters").json()["items"]) == 9


def test_transitions_move_the_matter_and_refusals_are_flat(office):
    matter = raise_matter(office)
    url = f"/api/v1/matters/{matter.pk}/transitions"
    unit, clerk = as_user(office.unit), as_user(office.clerk)
    done = post(unit, url, {"action": "submit"})
    assert done.status_code == 200 and done.json()["state"] == "submitted"
    early = post(clerk, url, {"action": "issue"})
    assert early.status_code == 409
    assert early.json() == {
        "code": "invalid_transition",
        "field": "action",
        "message": early.json()["message"],
        "message_en": "a matter in state 'submitted' cannot take the action 'issue'",
    }
    assert post(clerk, url, {"action": "accept"}).json()["state"] == "reviewing"
    forbidden = post(clerk, url, {"action": "approve"})
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    missing = post(clerk, url, {"action": "return", "comment": ""})
    assert (missing.status_code, missing.json()["field"]) == (400, "comment")
    unknown = post(clerk, url, {"action": "teleport"})
    assert (unknown.status_code, unknown.json()["field"]) == (400, "action")
    bad_date = post(clerk, url, {"action": "pass", "data": {"meeting_date": "yesterday"}})
    assert bad_date.status_code == 422
    trail = clerk.get(url).json()
    assert [(e["action"], e["from_state"], e["to_state"]) for e in trail] == [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
        ("accept", "submitted", "reviewing"),
    ]
    assert trail[2]["actor"] == "wz_clerk" and trail[2]["action_label"]


def test_detail_shows_the_callers_actions_and_the_deadline(office):
    matter = raise_matter(office)
    act(matter, office.unit, "submit")
    act(matter, office.clerk, "accept")
    clerk = as_user(office.clerk).get(f"/api/v1/matters/{matter.pk}").json()
    assert [a["name"] for a in clerk["allowed_actions"]] == ["return", "pass", "withdraw"]
    assert clerk["deadline"]["due_on"] and clerk["deadline"]["days_left"] > 0
    assert (clerk["current_role"], clerk["steps"]) == (
        "clerk",
        ["clerk", "division_head", "leader"],
    )
    head = as_user(office.head).get(f"/api/v1/matters/{matter.pk}").json()
    assert head["allowed_actions"] == []
    assert as_user(office.outsider).get(f"/api/v1/matters/{matter.pk}").status_code == 404
    assert as_user(office.outsider).get(f"/api/v1/matters/{matter.pk}/documents").status_code == 404


def test_issue_through_the_api_and_the_documents(office):
    matter = to_approved(office, raise_matter(office))
    services.attachment_add(
        actor=office.unit,
        matter=matter,
        upload=SimpleUploadedFile("说明.pdf", PDF, content_type="application/pdf"),
    )
    _token, raw = api_token_issue(actor=None, user=office.clerk, name="办公系统", scopes=["*"])
    system = Client(headers={"Authorization": f"Bearer {raw}"})
    effective = timezone.localdate() + datetime.timedelta(days=3)
    issued = post(
        system,
        f"/api/v1/matters/{matter.pk}/transitions",
        {"action": "issue", "data": {"effective_date": effective.isoformat(), "signer": "王五"}},
    )
    assert issued.status_code == 200, issued.content
    assert (issued.json()["state"], issued.json()["effective_date"]) == (
        "issued",
        effective.isoformat(),
    )
    docs = system.get(f"/api/v1/matters/{matter.pk}/documents").json()
    matter.refresh_from_db()
    document = docs["document"]
    assert (document["number"], document["sha256"]) == (
        matter.document.number,
        matter.document.sha256,
    )
    assert document["size"] > 0 and document["effective_date"] == effective.isoformat()
    pdf = system.get(document["download_url"])
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="core.document.downloaded").count() == 1
    (attachment,) = docs["attachments"]
    assert (attachment["name"], attachment["size"], attachment["content_type"]) == (
        "说明.pdf",
        len(PDF),
        "application/pdf",
    )
    file = system.get(attachment["download_url"])
    assert b"".join(file.streaming_content) == PDF
    event = AuditEvent.objects.get(action="matters.attachment.downloaded")
    assert event.entity_id == str(attachment["id"])


def test_a_refused_execution_comes_back_with_its_report(office):

    matter = to_approved(office, raise_matter(office))
    act(matter, office.clerk, "issue")
    cut_meanwhile(office)
    client = as_user(office.clerk)
    refused = post(client, f"/api/v1/matters/{matter.pk}/transitions", {"action": "execute"})
    assert refused.status_code == 409
    assert refused.json()["details"]["conflicts"][0]["found"] == 17
    detail = client.get(f"/api/v1/matters/{matter.pk}").json()
    assert detail["state"] == "issued" and detail["execution_report"]["code"] == "conflict"

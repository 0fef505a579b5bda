"""The registration API (/api/v1/registrations): an institution drafts, completes and submits
its own application; registrars list their region's and take the steps; problems, allowed
actions, flags and the trail come with each application; refusals name the field (403
forbidden, 409 a step the state does not allow, 400 bad input); outsiders get 404."""

import pytest
from django.test import Client

from bianzhi.registration.models import Application, ApplicationState
from bianzhi.registration.testing import make_institution
from bianzhi.testing import make_user

from .test_applications import act, attach_required, draft_change, make_world

S = ApplicationState
pytestmark = pytest.mark.django_db
URL = "/api/v1/registrations"


@pytest.fixture
def world(nodes):
    return make_world(nodes)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, data: dict):
    return getattr(client, method)(url, data, content_type="application/json")


def test_an_institution_drafts_completes_and_submits_its_application(world):
    client = as_user(world.unit)
    created = send(
        client,
        "post",
        URL,
        {
            "kind": "change",
            "institution": world.institution.credit_code,
            "data": {"changes": {"legal_rep": "李华"}},
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["state"], body["institution"], body["registrar"]) == (
        "draft",
        world.institution.credit_code,
        "320506",
    )
    assert [p["field"] for p in body["problems"]] == [
        "event_date",
        "materials.application_form",
        "materials.change_decision",
        "materials.legal_rep",
    ]
    assert [a["name"] for a in body["allowed_actions"]] == ["submit", "withdraw"]
    url = f"{URL}/{body['id']}"
    refused = send(client, "post", f"{url}/transitions", {"action": "submit"})
    assert refused.status_code == 400
    error = refused.json()
    assert (error["code"], error["field"]) == ("invalid", "event_date")
    assert len(error["details"]["errors"]) == 4
    updated = send(
        client,
        "put",
        url,
        {"data": {"changes": {"legal_rep": "李华"}}, "event_date": "2026-09-15"},
    )
    assert updated.status_code == 200 and updated.json()["event_date"] == "2026-09-15"
    attach_required(Application.objects.get(pk=body["id"]), world.unit)
    submitted = send(client, "post", f"{url}/transitions", {"action": "submit"})
    assert submitted.status_code == 200, submitted.content
    answer = submitted.json()
    assert answer["state"] == "submitted" and answer["problems"] == []
    assert "late" in answer["flags"]  # decided on 15 September, submitted today
    trail = client.get(f"{url}/transitions").json()
    assert [(e["action"], e["state_after"]) for e in trail] == [
        ("created", "draft"),
        ("submit", "submitted"),
    ]


def test_registrars_take_the_steps_and_refusals_are_mapped(world):
    app = act(draft_change(world), world.unit, "submit")
    url = f"{URL}/{app.pk}/transitions"
    reg, boss = as_user(world.reg), as_user(world.boss)
    detail = reg.get(f"{URL}/{app.pk}").json()
    assert [a["name"] for a in detail["allowed_actions"]] == ["return", "accept", "refuse"]
    forbidden = send(reg, "post", url, {"action": "approve"})
    assert forbidden.status_code == 409  # the state answers first
    assert send(reg, "post", url, {"action": "accept"}).status_code == 200
    no_comment = send(reg, "post", url, {"action": "examine", "opinion": "approve"})
    assert (no_comment.status_code, no_comment.json()["field"]) == (400, "comment")
    examined = send(
        reg, "post", url, {"action": "examine", "opinion": "approve", "comment": "符合规定"}
    )
    assert examined.json()["opinion"] == "approve"
    mine = send(reg, "post", url, {"action": "approve"})
    assert (mine.status_code, mine.json()["code"], mine.json()["field"]) == (
        403,
        "forbidden",
        "action",
    )
    approved = send(boss, "post", url, {"action": "approve"})
    assert approved.status_code == 200 and approved.json()["decision_number"]
    unknown = send(reg, "post", url, {"action": "fly"})
    assert (unknown.status_code, unknown.json()["field"]) == (400, "action")
    assert send(reg, "post", url, {"action": "certify"}).json()["state"] == "published"


def test_lists_are_scoped_and_filtered(world):
    mine = draft_change(world)
    other = make_institution("苏州市吴中区图书馆", registrar=world.county)
    library = make_user("library", world.county, role="unit")
    library.org = other.org
    library.save()
    theirs = act(
        draft_change(type(world)(**{**vars(world), "institution": other, "unit": library})),
        library,
        "submit",
    )
    ids = lambda client, q="": [a["id"] for a in client.get(f"{URL}{q}").json()["items"]]  # noqa: E731
    assert ids(as_user(world.reg)) == [theirs.pk, mine.pk]
    assert ids(as_user(world.reg), "?state=submitted") == [theirs.pk]
    assert ids(as_user(world.reg), "?kind=cancel") == []
    assert ids(as_user(world.unit)) == [mine.pk]
    assert ids(as_user(library)) == [theirs.pk]
    outsider = make_user("bj_reg", world.nodes["other"], role="registrar")
    assert ids(as_user(outsider)) == []
    clerk = as_user(make_user("clerk", world.county, role="clerk"))
    assert clerk.get(URL).status_code == 403  # neither a registrar nor an institution
    page = as_user(world.reg).get(f"{URL}?limit=1").json()
    assert len(page["items"]) == 1 and page["next_cursor"] == theirs.pk


def test_outsiders_get_404(world):
    app = draft_change(world)
    other = make_institution("苏州市吴中区图书馆", registrar=world.county)
    library = make_user("library", world.county, role="unit")
    library.org = other.org
    library.save()
    outsider = make_user("bj_reg", world.nodes["other"], role="registrar")
    for user in (library, outsider):
        client = as_user(user)
        assert client.get(f"{URL}/{app.pk}").status_code == 404
        assert send(client, "put", f"{URL}/{app.pk}", {"data": {}}).status_code == 404
        assert (
            send(client, "post", f"{URL}/{app.pk}/transitions", {"action": "withdraw"}).status_code
            == 404
        )
    assert Application.objects.get(pk=app.pk).state == S.DRAFT
    assert Client().get(URL).status_code == 401


def test_a_draft_for_a_body_outside_ones_reach_is_refused_naming_the_field(world):
    other = make_institution("苏州市吴中区图书馆", registrar=world.county)
    response = send(
        as_user(world.unit), "post", URL, {"kind": "replace", "institution": other.credit_code}
    )
    assert (response.status_code, response.json()["field"]) == (404, "institution")
    elsewhere = make_institution("北京市档案馆", registrar=world.nodes["other"], region="110000")
    response = send(
        as_user(world.reg), "post", URL, {"kind": "replace", "institution": elsewhere.credit_code}
    )
    assert (response.status_code, response.json()["field"]) == (404, "institution")
    bad_kind = send(as_user(world.reg), "post", URL, {"kind": "merge"})
    assert (bad_kind.status_code, bad_kind.json()["field"]) == (400, "kind")
    assert not Application.objects.exists()


def test_editing_a_submitted_application_is_409(world):
    app = act(draft_change(world), world.unit, "submit")
    response = send(as_user(world.unit), "put", f"{URL}/{app.pk}", {"data": {}})
    assert (response.status_code, response.json()["field"]) == (409, "state")

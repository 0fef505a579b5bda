"""The registrar's pages (/registration/): the queue with its overdue flags and filters, the
list, one application with one form per allowed step and what posting them does (and
refuses), filing on a body's behalf, the register and an institution's page; scoped by region,
with pinned query counts."""

import datetime

import pytest
from django.utils import timezone

from bianzhi.registration import views_registrar
from bianzhi.registration.models import Application, ApplicationState, Institution
from bianzhi.registration.testing import ensure_code_block, make_institution
from bianzhi.testing import make_user

from .test_applications import DAY, ESTABLISH_ITEMS, act, attach_required, draft_change, make_world

S = ApplicationState
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(nodes):
    return make_world(nodes)


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def offered(response) -> list[str]:
    return [form.act.name for form in response.context["action_forms"]]


def queue(world, n: int) -> list[Application]:
    """`n` submitted change applications of as many institutions."""
    apps, start = [], Institution.objects.count()
    for i in range(start, start + n):
        institution = make_institution(f"苏州市吴中区第{i + 1}中心", registrar=world.county)
        own = make_user(f"own{i}", world.county, role="unit")
        own.org = institution.org
        own.save()
        w = type(world)(**{**vars(world), "institution": institution, "unit": own})
        today = timezone.localdate()
        app = draft_change(w, event_date=today - datetime.timedelta(days=3))
        apps.append(act(app, own, "submit", today=today))
    return apps


# --- the queue and the list ------------------------------------------------------------------


def test_the_inbox_lists_what_waits_with_overdue_flags(client, world):
    late, waiting = queue(world, 2)
    draft_change(world)  # a draft waits for nobody
    overdue = timezone.localdate() - datetime.timedelta(days=1)
    Application.objects.filter(pk=late.pk).update(accept_due_on=overdue)
    response = page(client, world.reg, "/registration/")
    assert response.status_code == 200
    rows = {app.pk: [code for code, _label in flags] for app, flags in response.context["rows"]}
    assert rows == {late.pk: ["accept_overdue"], waiting.pk: []}
    content = response.content.decode()
    assert f'<tr data-application="{late.pk}" class="row-overdue">' in content
    assert 'data-flag="accept_overdue"' in content
    flagged = page(client, world.reg, "/registration/?flag=accept_overdue")
    assert [app.pk for app, _f in flagged.context["rows"]] == [late.pk]
    by_kind = page(client, world.reg, "/registration/?kind=cancel&state=submitted")
    assert by_kind.context["rows"] == []


def test_the_inbox_is_scoped_and_its_queries_pinned(client, world, django_assert_num_queries):
    queue(world, 3)
    outsider = make_user("bj_reg", world.nodes["other"], role="registrar")
    assert page(client, outsider, "/registration/").context["rows"] == []
    city = make_user("city_reg", world.nodes["city"], role="registrar")
    assert len(page(client, city, "/registration/").context["rows"]) == 3
    client.force_login(world.reg)
    client.get("/registration/")
    # session, user, two for permissions, the user's node (scope), the page of applications
    with django_assert_num_queries(6):
        client.get("/registration/")
    queue(world, 2)
    with django_assert_num_queries(6):
        assert len(client.get("/registration/").context["rows"]) == 5


def test_the_list_pages_by_keyset_and_filters(client, world, monkeypatch):
    monkeypatch.setattr(views_registrar, "PAGE_SIZE", 2)
    apps = queue(world, 3)
    first = page(client, world.reg, "/registration/applications/?state=submitted")
    assert [a.pk for a, _f in first.context["rows"]] == [apps[2].pk, apps[1].pk]
    cursor = first.context["next_cursor"]
    second = page(client, world.reg, f"/registration/applications/?state=submitted&cursor={cursor}")
    assert [a.pk for a, _f in second.context["rows"]] == [apps[0].pk]
    assert second.context["next_cursor"] is None
    name = apps[1].institution.name
    by_name = page(client, world.reg, f"/registration/applications/?q={name}")
    assert [a.pk for a, _f in by_name.context["rows"]] == [apps[1].pk]


# --- one application --------------------------------------------------------------------------


def test_the_application_page_offers_each_person_their_steps(client, world):
    app = act(draft_change(world), world.unit, "submit")
    url = f"/registration/applications/{app.pk}/"
    response = page(client, world.reg, url)
    assert offered(response) == ["return", "accept", "refuse"]
    assert response.context["editable"] is False
    content = response.content.decode()
    assert "王明" in content and "李华" in content  # current and proposed
    materials = {m["kind"]: len(m["files"]) for m in response.context["materials"]}
    assert materials == {"application_form": 1, "change_decision": 1, "legal_rep": 1}
    assert f"/registration/applications/{app.pk}/files/" in content
    assert offered(page(client, world.boss, url)) == []
    act(app, world.reg, "accept")
    examine = page(client, world.reg, url)
    assert offered(examine) == ["examine"]
    assert 'name="examine-opinion"' in examine.content.decode()


def test_posting_the_steps_moves_the_application_to_its_notice(client, world):
    app = act(draft_change(world), world.unit, "submit")
    url = f"/registration/applications/{app.pk}/act/"
    client.force_login(world.reg)
    assert client.post(url, {"action": "accept"}).status_code == 302
    no_opinion = client.post(url, {"action": "examine", "examine-comment": "符合规定"})
    assert no_opinion.status_code == 400
    assert "opinion" in no_opinion.context["action_forms"][0].errors
    response = client.post(
        url, {"action": "examine", "examine-opinion": "approve", "examine-comment": "符合规定"}
    )
    assert response.status_code == 302
    assert client.post(url, {"action": "approve"}).status_code == 403  # the leader's
    client.force_login(world.boss)
    assert client.post(url, {"action": "approve"}).status_code == 302
    client.force_login(world.reg)
    assert client.post(url, {"action": "certify"}).status_code == 302
    app.refresh_from_db()
    assert app.state == S.PUBLISHED and app.decision is not None
    done = client.get(f"/registration/applications/{app.pk}/")
    assert app.decision.number in done.content.decode() and offered(done) == []


def test_return_needs_a_comment_and_a_wrong_state_is_409(client, world):
    app = act(draft_change(world), world.unit, "submit")
    url = f"/registration/applications/{app.pk}/act/"
    client.force_login(world.reg)
    response = client.post(url, {"action": "return", "return-comment": " "})
    assert response.status_code == 400
    form = next(f for f in response.context["action_forms"] if f.act.name == "return")
    assert "comment" in form.errors
    assert client.post(url, {"action": "certify"}).status_code == 409
    assert Application.objects.get(pk=app.pk).state == S.SUBMITTED


def test_flags_are_explained(client, world):
    app = draft_change(world, {"capital": "200"}, event_date=DAY)
    app = act(app, world.unit, "submit")
    response = page(client, world.reg, f"/registration/applications/{app.pk}/")
    flags = [code for code, _label in response.context["flags"]]
    assert flags == ["capital_over_20", "accept_overdue"]  # accepted by 12 October 2026
    content = response.content.decode()
    assert 'data-flag="capital_over_20"' in content and "开办资金变动超过20%" in content
    assert 'data-flag="accept_overdue"' in content and "受理超期" in content


def test_registrars_elsewhere_get_404(client, world):
    app = draft_change(world)
    outsider = make_user("bj_reg", world.nodes["other"], role="registrar")
    assert page(client, outsider, f"/registration/applications/{app.pk}/").status_code == 404
    attachment = app.attachments.first()
    url = f"/registration/applications/{app.pk}/files/{attachment.pk}/"
    assert page(client, outsider, url).status_code == 404
    unit = page(client, world.unit, "/registration/")
    assert unit.status_code == 403


# --- filing on a body's behalf ----------------------------------------------------------------


def test_a_registrar_files_a_change_for_an_institution_in_scope(client, world):
    client.force_login(world.reg)
    response = client.post(
        "/registration/applications/new/replace/",
        {"subject": world.institution.credit_code.lower(), "reason": "damaged"},
    )
    app = Application.objects.get()
    assert response["Location"] == f"/registration/applications/{app.pk}/"
    assert (app.institution, app.applicant, app.data["reason"]) == (
        world.institution,
        world.reg,
        "damaged",
    )
    edit = client.get(response["Location"])
    assert edit.context["editable"] is True and offered(edit) == ["submit", "withdraw"]


def test_filing_from_the_register_shows_the_current_items(client, world):
    code = world.institution.credit_code
    response = page(client, world.reg, f"/registration/applications/new/change/?subject={code}")
    assert response.status_code == 200
    assert response.context["subject_form"]["subject"].value() == code
    current = {row["field"].name: row.get("current") for row in response.context["form_rows"]}
    assert current["new_legal_rep"] == "王明"


def test_filing_refuses_a_body_out_of_scope_naming_the_field(client, world):
    elsewhere = make_institution("北京市档案馆", registrar=world.nodes["other"], region="110000")
    client.force_login(world.reg)
    response = client.post(
        "/registration/applications/new/change/", {"subject": elsewhere.credit_code}
    )
    assert response.status_code == 400
    assert list(response.context["subject_form"].errors) == ["subject"]
    assert not Application.objects.exists()


def test_a_registrar_files_an_establishment_by_its_approval(client, world):
    ensure_code_block(world.county)
    client.force_login(world.reg)
    data = {**ESTABLISH_ITEMS, "pi_class": "public1", "approval_number": "吴编〔2026〕5号"}
    response = client.post("/registration/applications/new/establish/", data)
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.org is None and app.data["items"]["name"] == ESTABLISH_ITEMS["name"]
    attach_required(app, world.reg)
    problems = client.get(response["Location"]).context["problems"]
    assert problems == []


# --- the register ------------------------------------------------------------------------------


def names(response) -> list[str]:
    return [i.name for i in response.context["rows"]]


def test_the_register_searches_and_filters_in_scope(client, world):
    make_institution("苏州市吴中区图书馆", registrar=world.county)
    make_institution("北京市档案馆", registrar=world.nodes["other"], region="110000")
    in_scope = Institution.objects.filter(region_code="320506").order_by("credit_code")
    assert names(page(client, world.reg, "/registration/institutions/")) == [
        i.name for i in in_scope
    ]
    assert len(in_scope) == 2
    assert names(page(client, world.reg, "/registration/institutions/?q=图书")) == [
        "苏州市吴中区图书馆"
    ]
    code = world.institution.credit_code
    assert names(page(client, world.reg, f"/registration/institutions/?q={code}")) == [
        "苏州市吴中区档案馆"
    ]
    assert names(page(client, world.reg, "/registration/institutions/?status=cancelled")) == []


def test_the_institution_page_shows_history_certificates_and_applications(client, world):
    app = act(draft_change(world), world.unit, "submit", today=datetime.date(2026, 9, 29))
    for user, action, extra in (
        (world.reg, "accept", {}),
        (world.reg, "examine", {"opinion": "approve", "comment": "符合规定"}),
        (world.boss, "approve", {}),
        (world.reg, "certify", {}),
    ):
        app = act(app, user, action, today=datetime.date(2026, 9, 29), **extra)
    url = f"/registration/institutions/{world.institution.pk}/"
    response = page(client, world.reg, url)
    assert response.status_code == 200
    versions = [(v.legal_rep, v.valid_to) for v in response.context["versions"]]
    assert versions == [("李华", None), ("王明", datetime.date(2026, 9, 28))]
    statuses = [c.status for c, _links in response.context["certificates"]]
    assert statuses == ["valid", "replaced"]
    assert [a.pk for a in response.context["applications"]] == [app.pk]
    content = response.content.decode()
    certificate = world.institution.certificates.get(status="valid")
    assert f"/registration/certificates/{certificate.pk}/pdf/?copy=original" in content
    assert f'href="/supervision/institutions/{world.institution.pk}/"' in content
    assert "Full budget allocation" in content or "全额" in content
    file_change = (
        f'href="/registration/applications/new/change/?subject={world.institution.credit_code}"'
    )
    assert file_change in content
    outsider = make_user("bj_reg", world.nodes["other"], role="registrar")
    assert page(client, outsider, url).status_code == 404

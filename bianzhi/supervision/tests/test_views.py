"""The supervision pages through the test client: who sees what (permissions, scope), the draw
form and the replay check, recording a result, imposing and lifting penalties with their
field errors, the audited decision download, and the institution's record with its query
count."""

import datetime

import pytest
from django.utils import timezone

from bianzhi.audit.models import AuditEvent
from bianzhi.registration.models import Certificate
from bianzhi.supervision import services
from bianzhi.supervision.models import InspectionDraw, Penalty
from bianzhi.testing import make_user

pytestmark = pytest.mark.django_db
D = datetime.date


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


def a_draw(office, seed="99"):
    return services.draw_create(
        actor=office.registrar,
        title="2025年抽查",
        year=2025,
        institution_count=2,
        inspectors_per_institution=2,
        seed=seed,
    )


def a_penalty(office, kind="suspend", institution=None):
    return services.penalty_impose(
        actor=office.leader,
        institution=institution or office.institutions[0],
        kind=kind,
        reason="未按规定办理变更登记",
        decided_on=D(2025, 3, 1),
        suspend_until=D(2025, 9, 1) if kind == "suspend" else None,
    )


# --- who sees what -----------------------------------------------------------------------------


def test_readers_in_scope_see_the_pages_and_outsiders_get_404(client, office, nodes):
    made = a_draw(office)
    penalty = a_penalty(office)
    institution = office.institutions[0]
    urls = [
        "/supervision/",
        "/supervision/penalties/",
        f"/supervision/draws/{made.pk}/",
        f"/supervision/institutions/{institution.pk}/",
    ]
    viewer = make_user("prov_viewer", nodes["province"], role="viewer")
    for user in (office.registrar, office.leader, office.city_registrar, viewer):
        for url in urls:
            assert page(client, user, url).status_code == 200, (user, url)
    scoped = [*urls[2:], f"/supervision/penalties/{penalty.pk}/decision.pdf"]
    for url in scoped:
        assert page(client, office.outsider, url).status_code == 404, url
    assert AuditEvent.objects.filter(action="access.out_of_scope").count() == 3
    # Lists of the outsider's own region are empty.
    assert institution.name not in page(client, office.outsider, urls[1]).content.decode()


def test_users_without_the_permission_are_refused(client, office):
    made = a_draw(office)
    inspection = made.inspections.first()
    penalty = a_penalty(office)
    for url in ("/supervision/", f"/supervision/institutions/{office.institutions[0].pk}/"):
        assert page(client, office.clerk, url).status_code == 403
    assert page(client, office.leader, "/supervision/draws/new/").status_code == 403
    record_url = f"/supervision/inspections/{inspection.pk}/record/"
    assert page(client, office.leader, record_url).status_code == 403
    assert page(client, office.registrar, "/supervision/penalties/new/").status_code == 403
    lift = f"/supervision/penalties/{penalty.pk}/lift/"
    assert post(client, office.registrar, lift, {"on": "2025-03-05"}).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").count() == 6
    penalty.refresh_from_db()
    assert penalty.lifted_on is None


# --- draws -----------------------------------------------------------------------------------


def test_a_registrar_draws_from_the_form_and_sees_the_replay_check(client, office):
    response = page(client, office.registrar, "/supervision/draws/new/")
    assert "5" in response.content.decode()  # institutions in the pool
    data = {
        "title": "2025年抽查",
        "year": "2025",
        "institution_count": "3",
        "inspectors_per_institution": "1",
        "seed": "424242",
    }
    response = post(client, office.registrar, "/supervision/draws/new/", data)
    made = InspectionDraw.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/draws/{made.pk}/"
    assert made.seed == "424242" and made.inspections.count() == 3
    body = page(client, office.registrar, response["Location"]).content.decode()
    assert 'id="draw-seed">424242<' in body
    assert '<dd id="replay"><span class="badge active">' in body  # reproduced from the seed
    for inspection in made.inspections.select_related("institution"):
        assert inspection.institution.name in body
        assert f"/supervision/inspections/{inspection.pk}/record/" in body


def test_a_draw_whose_stored_picks_were_altered_is_not_shown_as_reproduced(client, office):
    made = a_draw(office)
    inspection = made.inspections.first()
    spare = next(
        u
        for u in (office.registrar, office.registrar2, office.registrar3)
        if not inspection.inspectors.filter(pk=u.pk).exists()
    )
    inspection.inspectors.set([spare])
    body = page(client, office.registrar, f"/supervision/draws/{made.pk}/").content.decode()
    assert '<dd id="replay"><span class="badge st-over">' in body  # does not reproduce


def test_a_count_above_the_pool_re_renders_the_form_with_the_values(client, office):
    data = {
        "title": "2025年抽查",
        "year": "2025",
        "institution_count": "9",
        "inspectors_per_institution": "1",
        "seed": "",
    }
    response = post(client, office.registrar, "/supervision/draws/new/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "institution_count" in form.errors
    assert "超过" in form.errors["institution_count"][0]
    assert 'value="2025年抽查"' in response.content.decode()
    assert InspectionDraw.objects.count() == 0


# --- inspection results ------------------------------------------------------------------------


def test_an_inspector_records_a_result_and_errors_name_the_field(client, office):
    made = a_draw(office)
    inspection = made.inspections.first()
    inspector = inspection.inspectors.first()
    url = f"/supervision/inspections/{inspection.pk}/record/"
    today = timezone.localdate()
    bad = {"inspected_on": today.isoformat(), "findings": "年度报告未公示", "result": "rectify"}
    response = post(client, inspector, url, bad)
    assert response.status_code == 400
    assert "rectify_by" in response.context["form"].errors
    assert "年度报告未公示" in response.content.decode()
    good = bad | {"rectify_by": (today + datetime.timedelta(days=20)).isoformat()}
    response = post(client, inspector, url, good)
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == "done" and inspection.result == "rectify"
    assert post(client, inspector, url, good).status_code == 409  # recorded once
    record = page(client, inspector, f"/supervision/institutions/{inspection.institution_id}/")
    assert "年度报告未公示" in record.content.decode()


def test_a_registrar_of_another_office_in_scope_cannot_record(client, office):
    inspection = a_draw(office).inspections.first()
    url = f"/supervision/inspections/{inspection.pk}/record/"
    data = {"inspected_on": timezone.localdate().isoformat(), "findings": "合格", "result": "pass"}
    assert post(client, office.city_registrar, url, data).status_code == 403
    inspection.refresh_from_db()
    assert inspection.state == "planned"


# --- penalties ----------------------------------------------------------------------------------


def test_a_leader_imposes_a_suspension_from_the_form(client, office):
    institution = office.institutions[1]
    response = page(
        client, office.leader, f"/supervision/penalties/new/?institution={institution.pk}"
    )
    assert f'value="{institution.pk}"' in response.content.decode()
    data = {
        "institution": institution.credit_code,
        "kind": "suspend",
        "reason": "擅自变更住所",
        "decided_on": "2025-03-01",
        "suspend_until": "2025-09-01",
    }
    response = post(client, office.leader, "/supervision/penalties/new/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/supervision/institutions/{institution.pk}/"
    penalty = Penalty.objects.get()
    assert penalty.kind == "suspend" and penalty.decided_by == office.leader
    body = page(client, office.leader, response["Location"]).content.decode()
    assert penalty.document.number in body
    assert "Suspended (暂扣)" in body or "暂扣" in body


def test_penalty_form_errors_keep_the_values(client, office):
    institution = office.institutions[1]
    data = {
        "institution": str(institution.pk),
        "kind": "suspend",
        "reason": "擅自变更住所",
        "decided_on": "2025-03-01",
        "suspend_until": "",
    }
    response = post(client, office.leader, "/supervision/penalties/new/", data)
    assert response.status_code == 400
    assert "suspend_until" in response.context["form"].errors
    assert "擅自变更住所" in response.content.decode()
    unknown = data | {"institution": "999999", "suspend_until": "2025-09-01"}
    response = post(client, office.leader, "/supervision/penalties/new/", unknown)
    assert response.status_code == 400
    assert "institution" in response.context["form"].errors
    assert Penalty.objects.count() == 0


def test_penalising_a_revoked_institution_is_refused_with_409(client, office):
    institution = office.institutions[0]
    a_penalty(office, kind="revoke", institution=institution)
    data = {
        "institution": str(institution.pk),
        "kind": "warning",
        "reason": "再次违规",
        "decided_on": "2025-04-01",
    }
    response = post(client, office.leader, "/supervision/penalties/new/", data)
    assert response.status_code == 409
    assert "institution" in response.context["form"].errors
    assert Penalty.objects.count() == 1


def test_a_leader_lifts_a_suspension_from_the_list(client, office):
    penalty = a_penalty(office)
    body = page(client, office.leader, "/supervision/penalties/").content.decode()
    assert f"/supervision/penalties/{penalty.pk}/lift/" in body
    assert (
        f"/supervision/penalties/{penalty.pk}/lift/"
        not in page(client, office.registrar, "/supervision/penalties/").content.decode()
    )
    url = f"/supervision/penalties/{penalty.pk}/lift/"
    response = post(client, office.leader, url, {"on": "2025-02-01"})
    assert response.status_code == 400
    assert client.get(url).status_code == 405
    response = post(client, office.leader, url, {"on": "2025-04-01"})
    assert response.status_code == 302
    assert Certificate.objects.get(institution=penalty.institution).status == "valid"
    assert post(client, office.leader, url, {"on": "2025-04-02"}).status_code == 409


def test_the_decision_download_is_a_pdf_and_audited(client, office):
    penalty = a_penalty(office, kind="warning")
    response = page(client, office.registrar, f"/supervision/penalties/{penalty.pk}/decision.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="core.document.downloaded")
    assert event.data["penalty"] == penalty.pk


# --- the record of an institution ----------------------------------------------------------


def test_the_record_shows_items_certificates_inspections_penalties_and_journal(client, office):
    institution = office.institutions[0]
    from bianzhi.registration import services as register

    register.institution_change_items(
        actor=None,
        institution=institution,
        changes={"address": "苏州市吴中区宝带西路8号"},
        effective_date=D(2024, 5, 1),
    )
    a_draw(office, seed="1")
    penalty = a_penalty(office, institution=institution)
    response = page(client, office.registrar, f"/supervision/institutions/{institution.pk}/")
    body = response.content.decode()
    record = response.context["record"]
    assert [v.address for v in record.versions] == [
        "苏州市吴中区宝带西路8号",
        "苏州市吴中区东吴北路101号",
    ]
    assert record.certificates[0].status == "suspended"
    assert penalty.document.number in body
    actions = [e.action for e in record.journal]
    assert "registration.institution.registered" in actions
    assert "registration.institution.changed" in actions
    assert "registration.certificate.issued" in actions
    assert "registration.certificate.suspended" in actions
    assert "supervision.penalty.imposed" in actions
    assert actions.index("supervision.penalty.imposed") < actions.index(
        "registration.institution.registered"
    )  # newest first
    other = office.institutions[1]
    assert all(
        e.entity_id != other.pk or e.entity != "registration.institution" for e in record.journal
    )


def test_the_record_page_costs_the_same_queries_however_much_it_holds(
    client, office, django_assert_num_queries
):
    institution = office.institutions[0]
    url = f"/supervision/institutions/{institution.pk}/"
    client.force_login(office.registrar)
    # Session, user, permissions (2), node, institution, versions, certificates, applications,
    # inspections, penalties, notices, journal; the inspectors' prefetch once there are any.
    with django_assert_num_queries(13):
        assert client.get(url).status_code == 200
    for seed in ("1", "2", "3"):
        services.draw_create(
            actor=office.registrar,
            title="抽查",
            year=2025,
            institution_count=5,
            inspectors_per_institution=2,
            seed=seed,
        )
    a_penalty(office, kind="warning", institution=institution)
    a_penalty(office, kind="suspend", institution=institution)
    with django_assert_num_queries(14):
        response = client.get(url)
    assert len(response.context["record"].inspections) == 3
    assert len(response.context["record"].penalties) == 2

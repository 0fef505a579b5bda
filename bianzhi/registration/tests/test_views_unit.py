"""An institution's own pages (/unit/): its registration and certificate, drafting an
application of each kind with its content, the problems listed beside the fields and
re-checked on every save, materials (uploaded, removed, downloads audited), submitting and
withdrawing, and nothing of anybody else's."""

import pytest
from django.utils import timezone

from bianzhi.audit.models import AuditEvent
from bianzhi.registration.models import Application, ApplicationState, FundingSource
from bianzhi.registration.testing import make_institution
from bianzhi.testing import establish, make_user

from .test_applications import act, draft_change, make_world, pdf

S = ApplicationState
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(nodes):
    return make_world(nodes)


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


def offered(response) -> list[str]:
    return [form.act.name for form in response.context["action_forms"]]


def test_home_shows_the_registration_the_certificate_and_the_applications(client, world):
    app = draft_change(world)
    response = page(client, world.unit, "/unit/")
    assert response.status_code == 200
    content = response.content.decode()
    certificate = world.institution.certificates.get()
    assert world.institution.credit_code in content and certificate.number in content
    assert f"/registration/certificates/{certificate.pk}/pdf/?copy=original" in content
    assert f"/registration/certificates/{certificate.pk}/pdf/?copy=duplicate" in content
    assert [a.pk for a, _flags in response.context["rows"]] == [app.pk]
    assert [k for k, _label in response.context["kinds"]] == ["change", "cancel", "replace"]
    assert 'href="/unit/applications/new/establish/"' not in content


def test_a_body_not_yet_registered_may_only_apply_to_be_established(client, world):
    body = establish("苏州市吴中区青少年活动中心", category="institution", pi_class="public1")
    own = make_user("centre", world.county, role="unit")
    own.org = body
    own.save()
    response = page(client, own, "/unit/")
    assert [k for k, _label in response.context["kinds"]] == ["establish"]
    assert page(client, own, "/unit/applications/new/change/").status_code == 404
    form = page(client, own, "/unit/applications/new/establish/").context["form"]
    assert form.initial["name"] == body.name
    assert page(client, world.unit, "/unit/applications/new/establish/").status_code == 404


def test_a_change_is_drafted_with_the_ticked_items_only(client, world):
    response = post(
        client,
        world.unit,
        "/unit/applications/new/change/",
        {
            "change_legal_rep": "on",
            "new_legal_rep": "李华",
            "new_address": "not ticked, not kept",
            "event_date": "2026-09-15",
        },
    )
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/unit/applications/{app.pk}/"
    assert (app.kind, app.state, app.institution) == ("change", S.DRAFT, world.institution)
    assert app.data == {"changes": {"legal_rep": "李华"}}
    assert str(app.event_date) == "2026-09-15"


def test_a_bad_date_is_refused_naming_the_field_and_keeps_the_values(client, world):
    response = post(
        client,
        world.unit,
        "/unit/applications/new/change/",
        {"change_legal_rep": "on", "new_legal_rep": "李华", "event_date": "2026-13-45"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["event_date"]
    assert 'value="李华"' in response.content.decode()
    assert not Application.objects.exists()


def test_the_page_lists_the_problems_beside_the_fields_and_rechecks_on_save(client, world):
    client.force_login(world.unit)
    client.post(
        "/unit/applications/new/change/",
        {"change_capital": "on", "new_capital": "abc"},
    )
    app = Application.objects.get()
    url = f"/unit/applications/{app.pk}/"
    response = client.get(url)
    fields = [p["field"] for p in response.context["problems"]]
    assert fields == [
        "changes.capital",
        "event_date",
        "materials.application_form",
        "materials.change_decision",
        "materials.capital_proof",
    ]
    rows = {row["field"].name: row["problems"] for row in response.context["form_rows"]}
    assert rows["new_capital"] == [
        "开办资金应为大于0的金额（万元，两位小数） (starting capital must be > 0)"
    ]
    assert rows["event_date"] and rows["new_name"] == []
    current = {row["field"].name: row.get("current") for row in response.context["form_rows"]}
    assert current["new_capital"] == "100.00" and current["new_legal_rep"] == "王明"
    assert current["new_funding_source"] == str(FundingSource.FULL.label)
    saved = client.post(
        url, {"change_capital": "on", "new_capital": "110", "event_date": "2026-09-15"}
    )
    assert saved.status_code == 302
    fields = [p["field"] for p in client.get(url).context["problems"]]
    assert fields == [
        "materials.application_form",
        "materials.change_decision",
        "materials.capital_proof",
    ]


def test_materials_are_uploaded_removed_and_their_downloads_audited(client, world):
    app = draft_change(world)
    client.force_login(world.unit)
    url = f"/unit/applications/{app.pk}/files/"
    response = client.post(url, {"kind": "legal_rep", "file": pdf("任职文件.pdf")})
    assert response.status_code == 302
    attachment = app.attachments.get(name="任职文件.pdf")
    download = client.get(f"{url}{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert download["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.get(action="registration.application.downloaded")
    assert event.entity_id == str(app.pk) and event.data["file"] == attachment.pk
    assert client.post(f"{url}{attachment.pk}/remove/").status_code == 302
    assert not app.attachments.filter(pk=attachment.pk).exists()
    bad = client.post(url, {"kind": "legal_rep", "file": pdf("note.txt")})
    assert bad.status_code == 400
    assert "file" in bad.context["attachment_form"].errors


def test_submit_refused_while_problems_remain_then_accepted(client, world):
    app = draft_change(world, {"legal_rep": "王明"})
    client.force_login(world.unit)
    url = f"/unit/applications/{app.pk}/act/"
    refused = client.post(url, {"action": "submit"})
    assert refused.status_code == 400
    message = next(str(m) for m in refused.context["messages"])
    assert message.startswith("[changes.legal_rep] 法定代表人与现登记事项相同")
    client.post(
        f"/unit/applications/{app.pk}/",
        {"change_legal_rep": "on", "new_legal_rep": "李华", "event_date": "2026-09-15"},
    )
    assert client.post(url, {"action": "submit"}).status_code == 302
    app.refresh_from_db()
    assert app.state == S.SUBMITTED and app.submitted_on == timezone.localdate()
    response = client.get(f"/unit/applications/{app.pk}/")
    assert offered(response) == ["withdraw"] and response.context["editable"] is False


def test_withdraw_and_steps_the_institution_may_not_take(client, world):
    app = act(draft_change(world), world.unit, "submit")
    client.force_login(world.unit)
    url = f"/unit/applications/{app.pk}/act/"
    assert client.post(url, {"action": "accept"}).status_code == 403
    assert client.post(url, {"action": "submit"}).status_code == 409
    assert client.post(url, {"action": "withdraw"}).status_code == 302
    assert Application.objects.get(pk=app.pk).state == S.WITHDRAWN


def test_the_registrars_remarks_show_on_the_returned_application(client, world):
    app = act(draft_change(world), world.unit, "submit")
    act(app, world.reg, "return", comment="请补充举办单位的变更决定原件。")
    response = page(client, world.unit, f"/unit/applications/{app.pk}/")
    content = response.content.decode()
    assert 'id="remarks"' in content and "请补充举办单位的变更决定原件。" in content
    assert offered(response) == ["submit", "withdraw"] and response.context["editable"]
    assert [row["event"].action for row in response.context["trail"]] == [
        "created",
        "submit",
        "return",
    ]


def test_nothing_of_another_institution_and_nothing_for_other_roles(client, world):
    app = draft_change(world)
    attachment = app.attachments.first()
    other = make_institution("苏州市吴中区图书馆", registrar=world.county)
    stranger = make_user("library", world.county, role="unit")
    stranger.org = other.org
    stranger.save()
    base = f"/unit/applications/{app.pk}/"
    assert page(client, stranger, base).status_code == 404
    assert page(client, stranger, f"{base}files/{attachment.pk}/").status_code == 404
    assert post(client, stranger, f"{base}act/", {"action": "withdraw"}).status_code == 404
    assert page(client, stranger, "/unit/").context["rows"] == []
    assert AuditEvent.objects.filter(action="access.out_of_scope").count() == 3
    clerk = make_user("clerk", world.county, role="clerk")
    assert page(client, clerk, "/unit/").status_code == 403
    assert page(client, clerk, base).status_code == 403
    assert Application.objects.get(pk=app.pk).state == S.DRAFT


def test_the_application_page_reads_in_a_fixed_number_of_queries(
    client, world, django_assert_num_queries
):
    from bianzhi.registration.applications import attachment_add

    app = draft_change(world)
    client.force_login(world.unit)
    url = f"/unit/applications/{app.pk}/"
    client.get(url)
    # the same count however many files: materials, checks and trail are one query each
    with django_assert_num_queries(11):  # 10, and the top bar reads the account's body
        client.get(url)
    for n in range(3):
        attachment_add(actor=world.unit, application=app, kind="legal_rep", upload=pdf(f"{n}.pdf"))
    with django_assert_num_queries(11):  # 10, and the top bar reads the account's body
        materials = {m["kind"]: m["files"] for m in client.get(url).context["materials"]}
    assert len(materials["legal_rep"]) == 4

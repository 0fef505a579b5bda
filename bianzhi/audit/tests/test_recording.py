"""What gets audited: every write (through the journal), login, logout and failures, full-record
views, exports and downloads."""

import pytest
from django.db import transaction

from bianzhi.audit.models import AuditEvent
from bianzhi.core.journal import journal_record
from bianzhi.testing import PASSWORD, establish

pytestmark = pytest.mark.django_db


def test_every_journaled_write_is_an_audit_event_with_the_same_action(users):
    body = establish("吴中区审计测试局", actor=users["county"])
    event = AuditEvent.objects.get(action="orgs.org.established")
    assert (event.actor, event.entity, event.entity_id) == (
        users["county"],
        "orgs.org",
        str(body.pk),
    )
    assert event.data["journal"] > 0
    assert event.result == "success" and event.node == "000000"


def test_an_audit_row_rolls_back_with_its_write(users, document):
    with pytest.raises(RuntimeError), transaction.atomic():
        journal_record(obj=document, action="core.document.touched", actor=users["county"])
        raise RuntimeError("the write fails")
    assert not AuditEvent.objects.filter(action="core.document.touched").exists()


def test_login_logout_and_failure_are_audited(client, users):
    client.post("/accounts/login/", {"username": "county", "password": "wrong"})
    failed = AuditEvent.objects.get(action="auth.login.failed")
    assert (failed.result, failed.actor, failed.actor_name) == ("refused", None, "county")
    assert failed.data == {"username": "county"}
    response = client.post("/accounts/login/", {"username": "county", "password": PASSWORD})
    assert response.status_code == 302
    login = AuditEvent.objects.get(action="auth.login.succeeded")
    assert (login.actor, login.address, login.result) == (users["county"], "127.0.0.1", "success")
    client.post("/accounts/logout/")
    assert AuditEvent.objects.get(action="auth.logout").actor == users["county"]


def test_the_orgs_export_is_audited_with_filters_and_rows(client, users):
    establish("吴中区导出测试局")
    client.force_login(users["county"])
    response = client.get("/orgs/export.xlsx", {"q": "导出测试"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="orgs.org.exported")
    assert event.actor == users["county"]
    assert event.data == {"rows": 1, "filters": {"q": "导出测试"}}
    assert event.path.startswith("/orgs/export.xlsx")


def test_the_api_export_is_audited(client, users):
    client.force_login(users["province"])
    response = client.get("/api/v1/orgs/export.xlsx")
    assert response.status_code == 200, response.content
    assert AuditEvent.objects.filter(action="orgs.org.exported", actor=users["province"]).exists()


def test_template_downloads_are_audited(client, users):
    client.force_login(users["province"])
    assert client.get("/orgs/import/template.xlsx").status_code == 200
    assert client.get("/persons/import/template.xlsx").status_code == 200
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"orgs.template.downloaded", "personnel.template.downloaded"} <= actions


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_standalone_rows_commit_asynchronously_on_postgresql_business_rows_durably(settings):
    from django.db import connection

    from bianzhi.audit.services import audit_record

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is a PostgreSQL setting")
    statements: list[str] = []

    def spy(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        audit_record("personnel.person.viewed", entity="personnel.person", entity_id=1)
        assert "SET LOCAL synchronous_commit TO OFF" in statements
        statements.clear()
        with transaction.atomic():
            audit_record("orgs.org.renamed", entity="orgs.org", entity_id=1)
        assert "SET LOCAL synchronous_commit TO OFF" not in statements  # (the seal's own differs)
        settings.AUDIT_ASYNC_STANDALONE = False
        audit_record("personnel.person.viewed", entity="personnel.person", entity_id=2)
        assert "SET LOCAL synchronous_commit TO OFF" not in statements
    assert AuditEvent.objects.filter(action="personnel.person.viewed").count() == 2

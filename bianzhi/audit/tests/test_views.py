"""The auditor's pages: who sees which events, search, keyset pages, detail, audited export."""

import csv
import io

import pytest
from openpyxl import load_workbook

from bianzhi.audit import queries
from bianzhi.audit.models import AuditEvent
from bianzhi.audit.services import audit_record
from bianzhi.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(users):
    return {role: make_user(role, None, role=role) for role in ("sysadmin", "secadmin", "auditor")}


@pytest.fixture
def trail(users, admins):
    """Events by a clerk, a failed login (no account), the sysadmin and the auditor."""
    return {
        "clerk": audit_record("personnel.person.viewed", actor=users["county"], entity_id=7),
        "failed": audit_record("auth.login.failed", actor="mallory", result="refused"),
        "sysadmin": audit_record("accounts.user.created", actor=admins["sysadmin"]),
        "auditor": audit_record("audit.event.exported", actor=admins["auditor"]),
    }


def seqs(response) -> set[int]:
    return {event.seq for event in response.context["rows"]}


def test_the_auditor_sees_everyone_but_the_auditors(client, admins, trail):
    client.force_login(admins["auditor"])
    response = client.get("/audit/")
    assert response.status_code == 200
    expected = {trail[k].seq for k in ("clerk", "failed", "sysadmin")}
    assert seqs(response) & {e.seq for e in trail.values()} == expected
    assert client.get(f"/audit/{trail['auditor'].seq}/").status_code == 404
    assert client.get(f"/audit/{trail['clerk'].seq}/").status_code == 200


def test_the_security_administrator_sees_only_the_auditors(client, admins, trail):
    client.force_login(admins["secadmin"])
    assert seqs(client.get("/audit/")) == {trail["auditor"].seq}
    assert client.get(f"/audit/{trail['auditor'].seq}/").status_code == 200
    assert client.get(f"/audit/{trail['clerk'].seq}/").status_code == 404
    assert client.get("/audit/export.csv").status_code == 403


def test_others_are_refused(client, users, admins, trail):
    for who in (users["county"], admins["sysadmin"]):
        client.force_login(who)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.xlsx").status_code == 403
    client.logout()
    assert client.get("/audit/").status_code == 302


def test_search_filters(client, admins, trail):
    client.force_login(admins["auditor"])
    assert seqs(client.get("/audit/", {"action": "personnel."})) == {trail["clerk"].seq}
    assert seqs(client.get("/audit/", {"result": "refused"})) == {trail["failed"].seq}
    assert seqs(client.get("/audit/", {"actor": "mallory"})) == {trail["failed"].seq}
    assert seqs(client.get("/audit/", {"entity_id": "7"})) == {trail["clerk"].seq}
    assert seqs(client.get("/audit/", {"start": "2000-01-01", "end": "2000-01-02"})) == set()
    bad = client.get("/audit/", {"start": "2026-02-01", "end": "2026-01-01"})
    assert seqs(bad) == set() and "起始日期不能晚于截止日期" in bad.content.decode()


def test_keyset_pages(client, admins, users, monkeypatch):
    monkeypatch.setattr(queries, "PAGE", 3)
    made = [audit_record("test.thing.made", actor=users["county"]).seq for _ in range(7)]
    client.force_login(admins["auditor"])
    first = client.get("/audit/", {"action": "test."})
    assert [e.seq for e in first.context["rows"]] == made[:-4:-1]
    second = client.get("/audit/", {"action": "test.", "before": first.context["next"]})
    third = client.get("/audit/", {"action": "test.", "before": second.context["next"]})
    assert [e.seq for e in third.context["rows"]] == [made[0]]
    assert third.context["next"] is None


def test_exports_are_filtered_and_audited(client, admins, trail):
    client.force_login(admins["auditor"])
    response = client.get("/audit/export.csv", {"action": "personnel."})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "序号 seq" and [r[6] for r in rows[1:]] == ["personnel.person.viewed"]
    response = client.get("/audit/export.xlsx", {"result": "refused"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["auth.login.failed"]
    exports = AuditEvent.objects.filter(action="audit.event.exported", actor=admins["auditor"])
    assert [e.data for e in exports.order_by("seq")][-2:] == [
        {"format": "csv", "rows": 1, "filters": {"action": "personnel."}},
        {"format": "xlsx", "rows": 1, "filters": {"result": "refused"}},
    ]
    # The auditor's own exports are for the security administrator to see.
    client.force_login(admins["secadmin"])
    assert len(seqs(client.get("/audit/", {"action": "audit.event.exported"}))) == 3

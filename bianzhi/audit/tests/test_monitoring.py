"""Monitoring rules: N audit events of a kind within M minutes raise one alert per burst;
off-hours activity once per account a day; every permission change; refusals outside scope;
the scan command catches up on a window; alerts are acknowledged with a note, audited."""

import copy
import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from bianzhi.accounts import administration as admin
from bianzhi.audit import monitoring
from bianzhi.audit.models import AuditEvent, SecurityAlert
from bianzhi.audit.services import audit_record
from bianzhi.core.errors import DomainError
from bianzhi.testing import make_user

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def rules(settings):
    """Small thresholds, off-hours off unless a test turns it on."""
    rules = copy.deepcopy(settings.SECURITY_RULES)
    rules["login_failures"] = {"count": 3, "minutes": 15}
    rules["bulk_export"] = {"count": 3, "minutes": 10}
    rules["full_record_views"] = {"count": 4, "minutes": 10}
    rules["out_of_scope"] = {"count": 2, "minutes": 60}
    rules["off_hours"]["enabled"] = False
    settings.SECURITY_RULES = rules
    monitoring._off_hours_seen.clear()
    monitoring._recent_bursts.clear()
    return rules


def event(action, *, at=None, actor=None, address="10.0.0.9", actor_name="", **fields):
    """An audit row at a given moment (the receiver runs as for any row)."""
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=actor,
        actor_name=actor_name or getattr(actor, "username", ""),
        address=address,
        action=action,
        **fields,
    )


def test_repeated_login_failures_for_one_username_raise_one_alert(users):
    for i in range(5):
        event("auth.login.failed", actor_name="province", address=f"10.0.0.{i}", result="refused")
    alert = SecurityAlert.objects.get()
    assert alert.rule == "login_failures"
    assert alert.details["key"] == "user:province" and alert.details["count"] == 5
    assert "3 login failures for province" in alert.summary


def test_repeated_login_failures_from_one_address_across_usernames(db):
    for name in ("a", "b", "c"):
        event("auth.login.failed", actor_name=name, address="192.0.2.7", result="refused")
    alert = SecurityAlert.objects.get()
    assert alert.details["key"] == "addr:192.0.2.7" and str(alert.address) == "192.0.2.7"


def test_failures_spread_beyond_the_window_raise_nothing(db):
    start = timezone.now() - datetime.timedelta(hours=2)
    for i in range(3):
        event("auth.login.failed", actor_name="x", at=start + datetime.timedelta(minutes=20 * i))
    assert not SecurityAlert.objects.exists()


def test_a_second_burst_after_the_window_raises_a_second_alert(db):
    start = timezone.now() - datetime.timedelta(hours=3)
    for burst in (0, 2):
        for i in range(3):
            at = start + datetime.timedelta(hours=burst, minutes=i)
            event("auth.login.failed", actor_name="x", address=None, at=at)
    assert SecurityAlert.objects.filter(rule="login_failures").count() == 2


def test_bulk_export_by_one_account(users):
    clerk, viewer = users["province"], users["viewer"]
    event("orgs.org.exported", actor=viewer)
    event("orgs.org.exported", actor=clerk)
    event("personnel.person.exported", actor=clerk)
    assert not SecurityAlert.objects.exists()
    event("audit.event.exported", actor=clerk)
    alert = SecurityAlert.objects.get()
    assert (alert.rule, alert.subject, alert.details["count"]) == ("bulk_export", clerk, 3)


def test_many_full_record_views_by_one_account(users):
    start = timezone.now()
    for second in range(6):
        event(
            "personnel.person.viewed",
            actor=users["city"],
            entity="personnel.person",
            at=start + datetime.timedelta(seconds=second),
        )
    alert = SecurityAlert.objects.get()
    assert (alert.rule, alert.subject, alert.details["count"]) == (
        "full_record_views",
        users["city"],
        4,  # raised at the 4th; views within the next minute cost no query
    )
    later = start + datetime.timedelta(seconds=70)
    event("personnel.person.viewed", actor=users["city"], entity="personnel.person", at=later)
    alert.refresh_from_db()
    assert alert.details["count"] == 7 and SecurityAlert.objects.count() == 1


def test_activity_outside_working_hours_once_per_account_a_day(rules, users):
    rules["off_hours"]["enabled"] = True
    saturday = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    weekday_night = datetime.datetime(2026, 11, 26, 23, 30, tzinfo=SHANGHAI)
    weekday_noon = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=SHANGHAI)
    event("orgs.org.changed", actor=users["county"], at=weekday_noon)
    assert not SecurityAlert.objects.exists()
    event("orgs.org.changed", actor=users["county"], at=saturday)
    event("orgs.org.changed", actor=users["county"], at=saturday + datetime.timedelta(hours=2))
    event("orgs.org.changed", actor=users["county"], at=weekday_night)
    event("orgs.org.changed", actor=users["city"], at=weekday_night)
    alerts = SecurityAlert.objects.filter(rule="off_hours").order_by("id")
    assert [(a.subject.username, a.details["key"][-10:]) for a in alerts] == [
        ("county", "2026-11-28"),
        ("county", "2026-11-26"),
        ("city", "2026-11-26"),
    ]


def test_every_permission_change_raises_an_alert(users):
    sec = make_user("sec", None, role="secadmin")
    target = users["viewer"]
    admin.role_grant(actor=sec, user=target, role="clerk")
    admin.clearance_set(actor=sec, user=target, clearance=2)
    admin.scope_set(actor=sec, user=target, node=None)
    alerts = SecurityAlert.objects.filter(rule="permission_change").order_by("id")
    assert [a.details["action"] for a in alerts] == [
        "accounts.role.granted",
        "accounts.clearance.changed",
        "accounts.scope.changed",
    ]
    assert all(a.subject == target for a in alerts)
    assert "by sec" in alerts[0].summary


def test_refused_role_changes_are_not_permission_changes(users):
    with pytest.raises(DomainError):
        admin.role_grant(actor=users["province"], user=users["viewer"], role="clerk")
    assert not SecurityAlert.objects.filter(rule="permission_change").exists()


def test_access_attempts_outside_scope(client, users):
    from bianzhi.testing import establish

    org = establish("吴中区统计局")  # in 320506; the outsider is in 110000
    client.force_login(users["outsider"])
    assert client.get(f"/staffing/orgs/{org.pk}/quota/").status_code == 404
    refused = AuditEvent.objects.get(action="access.out_of_scope")
    assert (refused.actor, refused.result, refused.entity, refused.entity_id) == (
        users["outsider"],
        "refused",
        "orgs.org",
        str(org.pk),
    )
    assert not SecurityAlert.objects.exists()
    client.force_login(users["viewer"])
    assert client.get("/orgs/new/").status_code == 403
    denied = AuditEvent.objects.get(action="access.denied")
    assert (denied.actor, denied.reason, denied.path) == (
        users["viewer"],
        "orgs.manage_org",
        "/orgs/new/",
    )
    client.force_login(users["outsider"])
    assert client.get(f"/api/v1/orgs/{org.pk}").status_code == 404
    alert = SecurityAlert.objects.get(rule="out_of_scope")
    assert alert.subject == users["outsider"] and alert.details["count"] == 2


def test_a_missing_object_is_not_an_out_of_scope_attempt(client, users):
    client.force_login(users["outsider"])
    assert client.get("/staffing/orgs/999999/quota/").status_code == 404
    assert not AuditEvent.objects.filter(action="access.out_of_scope").exists()


def test_security_scan_raises_missed_alerts_once(rules, settings, capsys):
    settings.SECURITY_RULES = {**rules, "enabled": False}
    for _ in range(3):
        audit_record("auth.login.failed", actor="ghost", result="refused")
    assert not SecurityAlert.objects.exists()
    settings.SECURITY_RULES = rules
    call_command("security_scan", minutes=30)
    assert "1 new alert(s)" in capsys.readouterr().out
    call_command("security_scan", minutes=30)
    assert "0 new alert(s)" in capsys.readouterr().out
    assert SecurityAlert.objects.get().details["key"] == "user:ghost"


def test_alerts_page_and_acknowledgement(client, users):
    sec = make_user("sec", None, role="secadmin")
    alert = SecurityAlert.objects.create(rule="bulk_export", summary="5 exports by x", details={})
    client.force_login(users["province"])
    assert client.get("/security/alerts/").status_code == 403
    client.force_login(sec)
    page = client.get("/security/alerts/").content.decode()
    assert "5 exports by x" in page and f"/security/alerts/{alert.pk}/acknowledge/" in page
    url = f"/security/alerts/{alert.pk}/acknowledge/"
    assert client.post(url, {"note": ""}).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    client.post(url, {"note": "已核实为年度报表导出"})
    alert.refresh_from_db()
    assert alert.acknowledged_by == sec and alert.details["note"] == "已核实为年度报表导出"
    row = AuditEvent.objects.get(action="audit.alert.acknowledged")
    assert row.actor == sec and row.data["note"] == "已核实为年度报表导出"
    assert "5 exports by x" not in client.get("/security/alerts/").content.decode()
    assert "5 exports by x" in client.get("/security/alerts/?state=acknowledged").content.decode()


def test_the_auditor_cannot_acknowledge(client):
    auditor = make_user("aud", None, role="auditor")
    alert = SecurityAlert.objects.create(rule="bulk_export", summary="x", details={})
    client.force_login(auditor)
    assert (
        client.post(f"/security/alerts/{alert.pk}/acknowledge/", {"note": "n"}).status_code == 403
    )
    with pytest.raises(DomainError):
        monitoring.alert_acknowledge(actor=auditor, alert=alert, note="n")
    alert.refresh_from_db()
    assert alert.acknowledged_at is None

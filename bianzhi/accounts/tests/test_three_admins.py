"""三员分立: the three administrator roles exclude each other and every business role, on
every path; only the security administrator changes roles, clearances and scopes; only the
system administrator runs the account lifecycle; nobody changes their own; every change and
every refusal is audited; in production no superuser bypasses any of it."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

from bianzhi.accounts import administration as admin
from bianzhi.accounts.models import User
from bianzhi.audit.models import AuditEvent
from bianzhi.core.classification import Classification
from bianzhi.core.errors import DomainError
from bianzhi.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(db):
    return {role: make_user(role, None, role=role) for role in ("sysadmin", "secadmin", "auditor")}


@pytest.fixture
def target(nodes):
    return make_user("zhang", nodes["county"], role="")


def last_audit(action):
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


# --- mutual exclusion -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "wanted"),
    [
        ("sysadmin", "secadmin"),
        ("sysadmin", "auditor"),
        ("secadmin", "auditor"),
        ("auditor", "sysadmin"),
        ("clerk", "auditor"),
        ("auditor", "viewer"),
        ("secadmin", "clerk"),
    ],
)
def test_role_grant_refuses_a_second_admin_role_or_a_mix_with_business(
    admins, target, held, wanted
):
    admin.role_grant(actor=admins["secadmin"], user=target, role=held)
    with pytest.raises(DomainError) as info:
        admin.role_grant(actor=admins["secadmin"], user=target, role=wanted)
    assert info.value.code == "admin_roles_exclusive"
    assert "三员互斥" in info.value.message_zh and "mutually exclusive" in info.value.message_en
    assert admin.user_roles(target) == {held}
    refused = last_audit("accounts.role.granted")
    assert (refused.result, refused.reason, refused.data) == (
        "refused",
        "admin_roles_exclusive",
        {"role": wanted},
    )


def test_business_roles_combine_freely(admins, target):
    admin.role_grant(actor=admins["secadmin"], user=target, role="clerk")
    admin.role_grant(actor=admins["secadmin"], user=target, role="viewer")
    assert admin.user_roles(target) == {"clerk", "viewer"}


def test_the_m2m_guard_refuses_other_paths_both_ways(admins, target):
    target.groups.add(Group.objects.get(name="auditor"))
    attempts = [
        lambda: target.groups.add(Group.objects.get(name="sysadmin")),
        lambda: Group.objects.get(name="clerk").user_set.add(target),
        lambda: admins["secadmin"].groups.add(Group.objects.get(name="viewer")),
        lambda: target.groups.set(Group.objects.filter(name__in=["auditor", "secadmin"])),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError, match="三员互斥"), transaction.atomic():
            attempt()
    assert admin.user_roles(target) == {"auditor"}
    assert admin.user_roles(admins["secadmin"]) == {"secadmin"}


# --- who may do what ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sysadmin", "auditor", "clerk"])
def test_only_the_security_administrator_grants_roles_and_sets_clearance_and_scope(
    admins, users, target, nodes, who
):
    actor = admins.get(who) or users["province"]
    calls = [
        lambda: admin.role_grant(actor=actor, user=target, role="viewer"),
        lambda: admin.role_revoke(actor=actor, user=target, role="viewer"),
        lambda: admin.clearance_set(actor=actor, user=target, clearance=Classification.SECRET),
        lambda: admin.scope_set(actor=actor, user=target, node=nodes["province"]),
    ]
    for call in calls:
        with pytest.raises(DomainError) as info:
            call()
        assert info.value.code == "admin_not_allowed"
    target.refresh_from_db()
    assert (admin.user_roles(target), target.clearance, target.node) == (
        set(),
        Classification.INTERNAL,
        nodes["county"],
    )
    assert AuditEvent.objects.filter(actor=actor, result="refused").count() == 4


@pytest.mark.parametrize("who", ["secadmin", "auditor", "clerk"])
def test_only_the_system_administrator_runs_the_account_lifecycle(admins, users, target, who):
    actor = admins.get(who) or users["province"]
    for call in (
        lambda: admin.account_create(actor=actor, username="new"),
        lambda: admin.account_deactivate(actor=actor, user=target),
        lambda: admin.account_password_reset(actor=actor, user=target),
    ):
        with pytest.raises(DomainError, match=r"accounts\.manage_account"):
            call()
    assert not User.objects.filter(username="new").exists()
    target.refresh_from_db()
    assert target.is_active and target.check_password(PASSWORD)


def test_nobody_changes_their_own_account_roles_clearance_or_scope(admins, nodes):
    sec, sys = admins["secadmin"], admins["sysadmin"]
    for call in (
        lambda: admin.role_revoke(actor=sec, user=sec, role="secadmin"),
        lambda: admin.role_grant(actor=sec, user=sec, role="viewer"),
        lambda: admin.clearance_set(actor=sec, user=sec, clearance=Classification.CONFIDENTIAL),
        lambda: admin.scope_set(actor=sec, user=sec, node=nodes["national"]),
        lambda: admin.account_deactivate(actor=sys, user=sys),
        lambda: admin.account_password_reset(actor=sys, user=sys),
    ):
        with pytest.raises(DomainError) as info:
            call()
        assert info.value.code == "admin_self_change"
    sec.refresh_from_db()
    assert admin.user_roles(sec) == {"secadmin"} and sec.node is None


def test_security_administrator_changes_are_applied_and_audited(admins, target, nodes):
    sec = admins["secadmin"]
    admin.role_grant(actor=sec, user=target, role="clerk")
    admin.clearance_set(actor=sec, user=target, clearance=Classification.SECRET)
    admin.scope_set(actor=sec, user=target, node=nodes["city"])
    admin.role_revoke(actor=sec, user=target, role="clerk")
    target.refresh_from_db()
    assert (admin.user_roles(target), target.clearance, target.node) == (
        set(),
        Classification.SECRET,
        nodes["city"],
    )
    rows = AuditEvent.objects.filter(actor=sec, entity_id=str(target.pk)).order_by("seq")
    assert [(r.action, r.result) for r in rows] == [
        ("accounts.role.granted", "success"),
        ("accounts.clearance.changed", "success"),
        ("accounts.scope.changed", "success"),
        ("accounts.role.revoked", "success"),
    ]
    assert rows[1].data == {"before": Classification.INTERNAL, "after": Classification.SECRET}
    assert rows[2].data == {"before": "320506", "after": "320500"}


def test_account_lifecycle_by_the_system_administrator(admins):
    sys = admins["sysadmin"]
    user, raw = admin.account_create(actor=sys, username="li", full_name="李娜")
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(raw) and len(raw) >= 12
    assert admin.user_roles(user) == set() and user.node is None
    with pytest.raises(DomainError) as info:
        admin.account_create(actor=sys, username="LI")
    assert info.value.field == "username"
    admin.account_deactivate(actor=sys, user=user)
    user.refresh_from_db()
    assert not user.is_active
    admin.account_reactivate(actor=sys, user=user)
    new = admin.account_password_reset(actor=sys, user=user)
    user.refresh_from_db()
    assert user.is_active and user.check_password(new) and not user.check_password(raw)
    actions = list(
        AuditEvent.objects.filter(actor=sys).order_by("seq").values_list("action", flat=True)
    )
    assert actions == [
        "accounts.account.created",
        "accounts.account.deactivated",
        "accounts.account.reactivated",
        "accounts.account.password_reset",
    ]
    assert raw not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_role_permissions_keep_the_three_apart(admins):
    sys, sec, aud = admins["sysadmin"], admins["secadmin"], admins["auditor"]
    business = ["orgs.view_org", "orgs.manage_org", "personnel.view_person", "staffing.view_quota"]
    for user in admins.values():
        assert not any(user.has_perm(p) for p in business)
    assert sys.has_perm("accounts.manage_account") and not sys.has_perm("accounts.manage_roles")
    assert not sys.has_perm("audit.view_auditevent")
    assert sec.has_perm("accounts.manage_roles") and sec.has_perm("audit.acknowledge_securityalert")
    assert not sec.has_perm("audit.export_auditevent") and not sec.has_perm(
        "accounts.manage_account"
    )
    assert aud.has_perm("audit.export_auditevent") and aud.get_all_permissions() == {
        "audit.view_auditevent",
        "audit.export_auditevent",
    }


# --- production: no superuser bypass --------------------------------------------------------


def test_production_refuses_a_superuser_on_save(settings, db):
    settings.PRODUCTION = True
    with pytest.raises(DomainError) as info:
        User.objects.create_superuser("root", password=PASSWORD)
    assert info.value.code == "superuser_refused"
    user = make_user("later", None, role="")
    user.is_superuser = True
    with pytest.raises(DomainError):
        user.save()
    assert not User.objects.filter(is_superuser=True).exists()


def test_production_ignores_a_superuser_flag_in_permission_checks(settings, admins):
    root = User.objects.create_superuser("root", password=PASSWORD)  # development: allowed
    assert root.has_perm("personnel.view_person_full")
    settings.PRODUCTION = True
    root = User.objects.get(pk=root.pk)
    assert not root.has_perm("personnel.view_person_full")
    assert not root.has_perm("audit.export_auditevent")
    assert not root.has_module_perms("orgs")


def test_production_admin_site_is_for_the_system_administrator_only(
    settings, client, admins, users
):
    settings.PRODUCTION = True
    client.force_login(admins["sysadmin"])
    index = client.get("/admin/")
    assert index.status_code == 200
    body = index.content.decode()
    assert "/admin/accounts/user/" in body and "/admin/core/node/" in body
    assert "/admin/orgs/" not in body and "/admin/audit/" not in body
    assert client.get("/admin/accounts/user/").status_code == 200
    for other in (admins["secadmin"], admins["auditor"], users["province"]):
        client.force_login(other)
        assert client.get("/admin/").status_code == 302, other


def test_node_changes_in_the_admin_are_audited(client, admins, nodes):
    client.force_login(admins["sysadmin"])
    node = nodes["city"]
    data = {"code": node.code, "name": "苏州市委机构编制委员会办公室", "region_code": "320500"}
    response = client.post(f"/admin/core/node/{node.pk}/change/", data)
    assert response.status_code == 302
    node.refresh_from_db()
    assert node.name == data["name"]
    row = last_audit("core.node.changed")
    assert row.actor == admins["sysadmin"] and row.data == {"fields": ["name"], "code": "320500"}


def test_bootstrap_admins_creates_the_three(capsys):
    call_command("bootstrap_admins", prefix="js_")
    out = capsys.readouterr().out
    for role in ("sysadmin", "secadmin", "auditor"):
        user = User.objects.get(username=f"js_{role}")
        assert admin.user_roles(user) == {role} and user.must_change_password
        password = next(
            line.split()[-1] for line in out.splitlines() if line.startswith(f"js_{role}")
        )
        assert user.check_password(password)
    assert User.objects.get(username="js_sysadmin").is_staff


def test_security_pages_call_the_services(client, admins, target):
    client.force_login(admins["sysadmin"])
    assert "zhang" in client.get("/security/accounts/", {"q": "zha"}).content.decode()
    page = client.post("/security/accounts/new/", {"username": "wang", "full_name": "王芳"})
    raw = page.content.decode().split('id="initial-password">')[1].split("<")[0]
    assert User.objects.get(username="wang").check_password(raw)
    assert client.get(f"/security/accounts/{target.pk}/deactivate/").status_code == 405
    client.post(f"/security/accounts/{target.pk}/deactivate/")
    target.refresh_from_db()
    assert not target.is_active
    assert (
        client.post(
            f"/security/accounts/{target.pk}/roles/", {"role": "clerk", "op": "grant"}
        ).status_code
        == 403
    )
    client.force_login(admins["secadmin"])
    client.post(f"/security/accounts/{target.pk}/roles/", {"role": "clerk", "op": "grant"})
    response = client.post(
        f"/security/accounts/{target.pk}/roles/", {"role": "auditor", "op": "grant"}, follow=True
    )
    assert "三员互斥" in response.content.decode()
    assert admin.user_roles(target) == {"clerk"}

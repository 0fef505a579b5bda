"""Roles as groups with named permissions, kept in step after every migrate.

Two kinds: the business roles (clerk, viewer, …) and the three administrators of 三员分立
(sysadmin 系统管理员, secadmin 安全保密管理员, auditor 安全审计员). Nobody holds two of the
three, and an administrator holds no business role (see docs/adr/0009)."""

from django.utils.translation import gettext_lazy as _

SYSADMIN, SECADMIN, AUDITOR = "sysadmin", "secadmin", "auditor"
ADMIN_ROLES = (SYSADMIN, SECADMIN, AUDITOR)

ROLES: dict[str, tuple[str, list[str]]] = {
    "clerk": (
        _("Establishment clerk (经办人)"),
        [
            "orgs.view_org",
            "orgs.manage_org",
            "orgs.import_org",
            "orgs.export_org",
            "core.view_document",
            "core.add_document",
            "staffing.view_quota",
            "staffing.manage_quota",
            "personnel.view_person",
            "personnel.manage_person",
            "personnel.view_person_full",
            "personnel.import_person",
            "matters.view_matter",
            "core.view_calendarday",
            "matters.handle_matter",
        ],
    ),
    "division_head": (
        _("Division head (处室负责人)"),
        [
            "orgs.view_org",
            "core.view_document",
            "staffing.view_quota",
            "personnel.view_person",
            "matters.view_matter",
            "core.view_calendarday",
            "matters.review_matter",
        ],
    ),
    "leader": (
        _("Leader in charge (分管领导)"),
        [
            "orgs.view_org",
            "core.view_document",
            "staffing.view_quota",
            "personnel.view_person",
            "matters.view_matter",
            "core.view_calendarday",
            "matters.decide_matter",
            "matters.change_reviewroute",
            "registration.view_institution",
            "registration.view_application",
            "annualreports.view_annualreport",
            "supervision.view_inspection",
            "registration.approve_application",
            "supervision.decide_penalty",
        ],
    ),
    # A body's own account: drafts, submits and follows its own matters, nothing else.
    "unit": (
        _("Body's own account (单位经办人)"),
        [
            "matters.apply_matter",
            "registration.apply_application",
            "annualreports.submit_annualreport",
        ],
    ),
    # The registration authority's staff (登记管理机关): accept, examine and certify
    # registrations, review annual reports, inspect; approval is the leader's.
    "registrar": (
        _("Registrar (登记管理人员)"),
        [
            "orgs.view_org",
            "core.view_document",
            "core.view_calendarday",
            "registration.view_institution",
            "registration.view_application",
            "annualreports.view_annualreport",
            "supervision.view_inspection",
            "registration.handle_application",
            "registration.export_institution",
            "annualreports.review_annualreport",
            "supervision.manage_inspection",
        ],
    ),
    "viewer": (
        _("Viewer (查阅人)"),
        [
            "orgs.view_org",
            "orgs.export_org",
            "core.view_document",
            "staffing.view_quota",
            "personnel.view_person",
            "matters.view_matter",
            "core.view_calendarday",
            "registration.view_institution",
            "registration.view_application",
            "annualreports.view_annualreport",
            "supervision.view_inspection",
        ],
    ),
    # System configuration and the account lifecycle; no business data, no audit.
    SYSADMIN: (
        _("System administrator (系统管理员)"),
        [
            "accounts.manage_account",
            "accounts.view_user",
            "core.view_node",
            "core.add_node",
            "core.change_node",
            "core.view_calendarday",
            "core.change_calendarday",
        ],
    ),
    # Roles, scopes and clearances; alerts; the audit of the auditors only (filtered by the
    # audit app). Cannot edit business data, cannot export the audit.
    SECADMIN: (
        _("Security administrator (安全保密管理员)"),
        [
            "accounts.manage_roles",
            "accounts.unlock_account",
            "accounts.view_user",
            "audit.view_auditevent",
            "audit.view_securityalert",
            "audit.acknowledge_securityalert",
        ],
    ),
    # Reads and exports the audit of everyone else; changes nothing.
    AUDITOR: (
        _("Security auditor (安全审计员)"),
        ["audit.view_auditevent", "audit.export_auditevent"],
    ),
}


def role_label(name: str) -> str:
    return str(ROLES[name][0]) if name in ROLES else name


def ensure_roles(sender=None, **_kwargs) -> None:
    """Create or update the role groups with exactly their listed permissions (after the last
    app has migrated, when every permission exists)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    if sender is not None and sender is not list(apps.get_app_configs())[-1]:
        return

    for name, (_label, perms) in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


# AccountsConfig.ready imports this module: load the guards of 三员分立 (m2m and superuser) and
# the monitoring receivers with it, so they are connected in every process.
from bianzhi.accounts import administration as _administration  # noqa: E402, F401
from bianzhi.audit import monitoring as _monitoring  # noqa: E402, F401

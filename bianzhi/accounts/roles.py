"""Business roles as groups with named permissions, kept in step after every migrate."""

from django.utils.translation import gettext_lazy as _

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
        ],
    ),
}


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

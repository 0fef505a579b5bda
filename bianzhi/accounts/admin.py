"""Django admin for the system administrator only (三员分立): accounts (read-only: their
lifecycle goes through /security/ and its audited services) and nodes, nothing else — no
business data, no audit. A site of its own, so that no business model can appear in it."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _

from bianzhi.audit.services import audit_record
from bianzhi.core.models import Node

from .models import User
from .roles import SYSADMIN


class BianzhiAdminSite(admin.AdminSite):
    site_header = _("Bianzhi system administration (系统管理)")
    site_title = _("System administration")

    def has_permission(self, request) -> bool:
        """Only a system administrator; a superuser only outside the production profile."""
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if user.is_superuser and not settings.PRODUCTION:
            return True
        return user.groups.filter(name=SYSADMIN).exists()

    def login(self, request, extra_context=None):
        """Sign in through the platform's own login (password rules, lockout, TOTP)."""
        return redirect_to_login(request.get_full_path())


admin_site = BianzhiAdminSite(name="admin")


class BianzhiUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Bianzhi", {"fields": ("node", "full_name", "clearance", "must_change_password")}),
    )
    list_display = ("username", "full_name", "node", "is_active")
    readonly_fields = ("groups", "user_permissions", "is_superuser", "clearance", "node")


class NodeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region_code")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        action = "core.node.changed" if change else "core.node.created"
        audit_record(
            action,
            request=request,
            obj=obj,
            data={"fields": sorted(form.changed_data), "code": obj.code},
        )


admin_site.register(User, BianzhiUserAdmin)
admin_site.register(Node, NodeAdmin)

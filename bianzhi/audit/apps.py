from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "bianzhi.audit"
    label = "audit"
    verbose_name = _("Security audit")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the login/logout receivers)

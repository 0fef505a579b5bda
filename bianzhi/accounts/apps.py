from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "bianzhi.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .roles import ensure_roles

        post_migrate.connect(ensure_roles)

        # Login security (ADR 0007): password history, live sessions, lockout audit.
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.db.models.signals import post_save

        from . import passwords, services, sessions

        post_save.connect(passwords.password_remember, sender=self.get_model("User"))
        user_logged_in.connect(sessions.on_logged_in)
        user_logged_out.connect(sessions.on_logged_out)
        user_locked_out.connect(services.on_locked_out)

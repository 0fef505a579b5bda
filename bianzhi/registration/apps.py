from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "bianzhi.registration"
    label = "registration"
    verbose_name = _("Public institution registration (事业单位登记)")

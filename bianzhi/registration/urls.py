"""The registrar's side (/registration/): applications, the register, certificates, codes."""

from . import urls_certificates, urls_registrar

app_name = "registration"
urlpatterns = [*urls_registrar.urlpatterns, *urls_certificates.urlpatterns]

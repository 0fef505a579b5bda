from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bianzhi.accounts import views as accounts_views
from bianzhi.accounts.admin import admin_site
from bianzhi.api import api
from bianzhi.core import views as core_views
from bianzhi.core.permissions import public

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("", core_views.home, name="home"),
    path("i18n/setlang/", core_views.language, name="set_language"),
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/", include("bianzhi.accounts.urls")),  # login steps, account page, unlock
    path("accounts/cert/", include("bianzhi.accounts.urls_cert")),  # certificate login
    path("orgs/", include("bianzhi.orgs.urls")),
    path("staffing/", include("bianzhi.staffing.urls")),
    path("persons/import/", include("bianzhi.personnel.urls_io")),
    path("persons/", include("bianzhi.personnel.urls")),
    path("matters/", include("bianzhi.matters.urls")),  # establishment matters
    path("calendar/", include("bianzhi.core.urls_calendar")),  # working-day calendar
    path("registration/accounts/", include("bianzhi.registration.urls_accounts")),
    path("registration/", include("bianzhi.registration.urls")),  # the registrar's side
    path("unit/signup/", include("bianzhi.registration.urls_signup")),  # self-service accounts
    path("unit/annual-reports/", include("bianzhi.annualreports.urls_unit")),
    path("unit/", include("bianzhi.registration.urls_unit")),  # an institution's own side
    path("annual-reports/", include("bianzhi.annualreports.urls")),  # the registrar's queue
    path("supervision/", include("bianzhi.supervision.urls")),  # inspections and penalties
    path("portal/", include("bianzhi.public.urls")),  # public search, notices, verification
    path("security/", include("bianzhi.accounts.urls_admin")),  # three administrators
    path("audit/", include("bianzhi.audit.urls")),  # the auditor's search and export
    path("api/v1/", api.urls),
    path("admin/", admin_site.urls),  # sysadmin only: accounts and nodes (ADR 0009)
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

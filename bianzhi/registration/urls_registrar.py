"""The registrar's applications and the register (namespace `registration`, in urls.py)."""

from django.urls import path

from . import views_registrar as views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("applications/", views.application_list, name="list"),
    path("applications/new/<str:kind>/", views.new, name="new"),
    path("applications/<int:application_id>/", views.application, name="application"),
    path("applications/<int:application_id>/act/", views.application_act, name="application_act"),
    path(
        "applications/<int:application_id>/files/",
        views.application_attach,
        name="application_attach",
    ),
    path(
        "applications/<int:application_id>/files/<int:file_id>/",
        views.application_file,
        name="application_file",
    ),
    path(
        "applications/<int:application_id>/files/<int:file_id>/remove/",
        views.application_file_remove,
        name="application_file_remove",
    ),
    path("institutions/", views.register, name="register"),
    path("institutions/<int:institution_id>/", views.institution, name="institution"),
]

"""An institution's own side (/unit/): its registration and its applications."""

from django.urls import path

from . import views_unit as views

app_name = "unit"
urlpatterns = [
    path("", views.home, name="home"),
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
]

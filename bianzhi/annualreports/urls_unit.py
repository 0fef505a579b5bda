"""The institution's own annual-report pages (/unit/annual-reports/)."""

from django.urls import path

from . import views_unit

app_name = "unit_reports"
urlpatterns = [
    path("", views_unit.report_list, name="list"),
    path("<int:year>/", views_unit.report_edit, name="edit"),
]

"""The registration authority's annual-report pages (/annual-reports/)."""

from django.urls import path

from . import views

app_name = "annualreports"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:report_id>/", views.detail, name="detail"),
    path("<int:report_id>/act/", views.act, name="act"),
    path("missed/", views.missed, name="missed"),
    path("missed/remind/", views.remind, name="remind"),
    path("export/", views.export, name="export"),
]

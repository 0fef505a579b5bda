"""The working-day calendar: /calendar/ (included by bianzhi/urls.py)."""

from django.urls import path

from . import views_calendar as views

app_name = "calendar"

urlpatterns = [
    path("", views.year_view, name="year"),
    path("upload/", views.upload, name="upload"),
    path("day/", views.day_set, name="day_set"),
    path("day/remove/", views.day_remove, name="day_remove"),
]

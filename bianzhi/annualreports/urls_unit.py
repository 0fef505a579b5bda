from django.urls import path  # noqa: F401

app_name = "unit_reports"
urlpatterns: list = []

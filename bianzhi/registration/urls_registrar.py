"""The registrar's applications and the register (namespace `registration`, in urls.py)."""

from django.urls import path

from . import views_registrar as views
from .views_common import application_urls

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("applications/", views.application_list, name="list"),
    path("applications/new/<str:kind>/", views.new, name="new"),
    *application_urls(views.VIEW, views.NS),
    path("institutions/", views.register, name="register"),
    path("institutions/<int:institution_id>/", views.institution, name="institution"),
]

"""The registrar's institution accounts (/registration/accounts/): requests and accounts."""

from django.urls import path

from . import views_accounts as views

app_name = "registration_accounts"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/approve/", views.request_approve, name="approve"),
    path("requests/<int:request_id>/reject/", views.request_reject, name="reject"),
    path("institutions/<int:institution_id>/", views.institution_accounts, name="institution"),
    path("institutions/<int:institution_id>/new/", views.account_create, name="create"),
    path("<int:account_id>/deactivate/", views.account_deactivate, name="deactivate"),
]

from django.urls import path

from . import views

app_name = "personnel"
urlpatterns = [
    path("", views.person_list, name="index"),
    path("new/", views.person_register, name="new"),
    path("onboard/<int:org_id>/", views.onboard, name="onboard"),
    path("<int:person_id>/", views.person_detail, name="detail"),
    path("<int:person_id>/transfer/", views.transfer, name="transfer"),
    path("<int:person_id>/exit/", views.exit_post, name="exit"),
    path("<int:person_id>/appoint/", views.appoint, name="appoint"),
    path("<int:person_id>/relieve/", views.relieve, name="relieve"),
]

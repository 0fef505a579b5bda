from django.urls import path

from . import views

app_name = "staffing"
urlpatterns = [
    path("monitor/", views.monitor, name="monitor"),
    path("orgs/<int:org_id>/quota/", views.quota_change, name="quota_change"),
    path("orgs/<int:org_id>/leader-posts/", views.leader_post, name="leader_post"),
    path("orgs/<int:org_id>/reservations/", views.reservations, name="reservations"),
    path(
        "reservations/<int:reservation_id>/cancel/",
        views.reservation_cancel,
        name="reservation_cancel",
    ),
]

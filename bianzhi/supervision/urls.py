from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.draw_list, name="draws"),
    path("draws/new/", views.draw_new, name="draw_new"),
    path("draws/<int:draw_id>/", views.draw_detail, name="draw"),
    path(
        "inspections/<int:inspection_id>/record/",
        views.inspection_record,
        name="inspection_record",
    ),
    path("penalties/", views.penalty_list, name="penalties"),
    path("penalties/new/", views.penalty_new, name="penalty_new"),
    path("penalties/<int:penalty_id>/lift/", views.penalty_lift, name="penalty_lift"),
    path("penalties/<int:penalty_id>/decision.pdf", views.penalty_decision, name="decision"),
    path("institutions/<int:institution_id>/", views.institution_record, name="record"),
]

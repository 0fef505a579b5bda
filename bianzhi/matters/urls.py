from django.urls import path

from . import views, views_detail

app_name = "matters"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.matter_new, name="new"),
    path("filings/", views.filings, name="filings"),
    path("notifications/", views.notifications, name="notifications"),
    path("routes/", views.review_routes, name="routes"),
    path("<int:matter_id>/", views_detail.matter_detail, name="detail"),
    path("<int:matter_id>/act/", views_detail.matter_act, name="act"),
    path("<int:matter_id>/edit/", views_detail.matter_edit, name="edit"),
    path("<int:matter_id>/items/", views_detail.item_add, name="item_add"),
    path("<int:matter_id>/items/remove/", views_detail.item_remove, name="item_remove"),
    path("<int:matter_id>/comments/", views_detail.comment_add, name="comment"),
    path("<int:matter_id>/attachments/", views_detail.attachment_add, name="attach"),
    path(
        "<int:matter_id>/attachments/<int:attachment_id>/",
        views_detail.attachment_download,
        name="attachment",
    ),
    path("<int:matter_id>/decision.pdf", views_detail.document_download, name="document"),
]

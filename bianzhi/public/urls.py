from django.urls import path

from . import feeds, views

app_name = "public"
urlpatterns = [
    path("", views.search, name="search"),
    path("institutions/<str:credit_code>/", views.institution, name="institution"),
    path("notices/", views.notices, name="notices"),
    path("notices/feed.atom", feeds.notices_atom, name="notices_atom"),
    path("notices/feed.rss", feeds.notices_rss, name="notices_rss"),
    path("notices/<int:notice_id>/", views.notice, name="notice"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:token>/", views.verify, name="verify"),
]

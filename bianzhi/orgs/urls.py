from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.org_list, name="list"),
    path("suggest/", views.org_suggest, name="suggest"),
    path("tree/", views.org_tree, name="tree"),
    path("tree/children/", views.org_tree_children, name="tree_children"),
    path("new/", views.org_establish, name="establish"),
    path("<int:org_id>/", views.org_detail, name="detail"),
    path("<int:org_id>/change/<slug:operation>/", views.org_change, name="change"),
]

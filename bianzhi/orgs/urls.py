from django.urls import path

from . import views, views_io

app_name = "orgs"
urlpatterns = [
    path("", views.org_list, name="list"),
    path("suggest/", views.org_suggest, name="suggest"),
    path("tree/", views.org_tree, name="tree"),
    path("tree/children/", views.org_tree_children, name="tree_children"),
    path("new/", views.org_establish, name="establish"),
    path("<int:org_id>/", views.org_detail, name="detail"),
    path("<int:org_id>/change/<slug:operation>/", views.org_change, name="change"),
    path("import/", views_io.import_page, name="import"),
    path("import/template.xlsx", views_io.import_template, name="import_template"),
    path("import/<int:job_id>/", views_io.import_job, name="import_job"),
    path("export.xlsx", views_io.export, name="export"),
]

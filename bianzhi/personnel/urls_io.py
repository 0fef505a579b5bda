"""Person import pages; the project's urls include these at persons/import/."""

from django.urls import path

from . import views_io

app_name = "personnel_io"
urlpatterns = [
    path("", views_io.import_page, name="import"),
    path("template.xlsx", views_io.import_template, name="template"),
    path("<int:job_id>/", views_io.import_job, name="job"),
]

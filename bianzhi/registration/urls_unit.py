"""An institution's own side (/unit/): its registration and its applications."""

from django.urls import path

from . import views_unit as views
from .views_common import application_urls

app_name = "unit"
urlpatterns = [
    path("", views.home, name="home"),
    path("applications/new/<str:kind>/", views.new, name="new"),
    *application_urls(views.APPLY, views.NS),
]

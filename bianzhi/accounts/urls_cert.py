from django.urls import path

from . import views_cert

app_name = "cert"
urlpatterns = [
    path("login/", views_cert.cert_login, name="login"),
]

"""Self-service institution accounts (/unit/signup/): open to everyone, on purpose."""

from django.urls import path

from . import views_accounts as views

app_name = "signup"
urlpatterns = [
    path("", views.signup, name="account_signup"),
    path("sent/", views.signup_sent, name="account_signup_sent"),
]

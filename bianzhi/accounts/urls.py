from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/otp/", views.login_otp, name="login_otp"),
    path("me/", views.account, name="me"),
    path("password/", views.password_change, name="password_change"),
    path("otp/enroll/", views.otp_enroll, name="otp_enroll"),
    path("otp/recovery/", views.otp_recovery, name="otp_recovery"),
    path("otp/reset/", views.otp_reset, name="otp_reset"),
    path("sessions/end-all/", views.logout_everywhere, name="logout_everywhere"),
    path("lockouts/", views.lockouts, name="lockouts"),
]

from django.urls import path

from bianzhi.audit import views_alerts

from . import views_admin as views

app_name = "security"
urlpatterns = [
    path("", views.security_home, name="home"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_new, name="account_new"),
    path("accounts/<int:user_id>/", views.account_detail, name="account"),
    path("accounts/<int:user_id>/deactivate/", views.account_deactivate, name="deactivate"),
    path("accounts/<int:user_id>/reactivate/", views.account_reactivate, name="reactivate"),
    path("accounts/<int:user_id>/password/", views.account_password, name="password"),
    path("accounts/<int:user_id>/roles/", views.account_roles, name="roles"),
    path("accounts/<int:user_id>/clearance/", views.account_clearance, name="clearance"),
    path("accounts/<int:user_id>/scope/", views.account_scope, name="scope"),
    path("alerts/", views_alerts.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", views_alerts.alert_acknowledge, name="acknowledge"),
]

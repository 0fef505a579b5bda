"""Who holds a permission: the people to notify or to draw from, found in the database (the
permission through a role, or given to the user directly)."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet


def holding(perm: str) -> Q:
    """Users holding "app.codename" through one of their roles or on their own."""
    app_label, codename = perm.split(".")
    return Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )


def users_holding(perm: str, **filters) -> QuerySet:
    """The active users holding `perm` and matching `filters` (e.g. node_id=…), once each."""
    users = get_user_model().objects.filter(is_active=True, **filters)
    return users.filter(holding(perm)).distinct()

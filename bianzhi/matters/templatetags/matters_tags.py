"""Template helpers of the matter pages, and the unread-notification count for the top bar
(`{% load matters_tags %}{% unread_notifications as n %}`)."""

from django import template

from bianzhi.accounts.roles import role_label
from bianzhi.matters.models import MatterState
from bianzhi.matters.queries import unread_notifications as unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in user's unread notifications (one COUNT query; 0 when signed out)."""
    user = getattr(context.get("request"), "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)


@register.filter
def state_label(value: str) -> str:
    return str(MatterState(value).label) if value in MatterState.values else value or "—"


@register.filter
def role_name(value: str) -> str:
    return role_label(value) if value else ""


@register.filter
def conflict_text(value) -> str:
    """One entry of an execution report: its message when it has one, else as stored."""
    if isinstance(value, dict):
        zh, en = value.get("message") or "", value.get("message_en") or ""
        if zh or en:
            return f"{zh} ({en})" if zh and en else zh or en
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


@register.filter
def absolute(value):
    return abs(value) if isinstance(value, int) else value

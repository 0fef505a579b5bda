"""Live login sessions: recorded at login, ended at logout, after idle or absolute timeouts, by a
newer login (one session per account) or by "log out everywhere".

The timestamps the middleware needs live in the session itself, so a request costs no extra
query; UserSession rows are written at login, logout and at most once a minute."""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.utils import timezone

from bianzhi.audit.services import audit_record

from .models import User, UserSession

STARTED = "_bz_started"
SEEN = "_bz_seen"


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def on_logged_in(sender, request, user, **_kwargs) -> None:
    """user_logged_in: record the session and, when SESSION_SINGLE, end the account's others."""
    from bianzhi.core.net import client_address

    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        session.save()
    now = time.time()
    session[STARTED] = now
    session[SEEN] = now
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "address": client_address(request), "ended_at": None},
    )
    if settings.SESSION_SINGLE:
        ended = sessions_end(user=user, keep=session.session_key)
        if ended:
            audit_record(
                "auth.session.replaced",
                actor=user,
                obj=user,
                data={"ended": ended},
                request=request,
            )


def on_logged_out(sender, request, user, **_kwargs) -> None:
    """user_logged_out: the session is over."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


@transaction.atomic
def sessions_end(*, user: User, keep: str | None = None) -> int:
    """End every live session of the account except `keep`: the session data is deleted, so
    the next request from it is anonymous. Returns how many ended."""
    live = UserSession.objects.filter(user=user, ended_at__isnull=True).exclude(session_key=keep)
    keys = list(live.values_list("session_key", flat=True))
    store = _store()
    for key in keys:
        store(session_key=key).delete()
    live.update(ended_at=timezone.now())
    return len(keys)


def sessions_end_everywhere(*, request) -> int:
    """ "Log out everywhere": end all of the user's sessions, this one included (audited)."""
    user = request.user
    ended = sessions_end(user=user, keep=request.session.session_key)
    audit_record(
        "auth.session.ended_all", actor=user, obj=user, data={"ended": ended + 1}, request=request
    )
    logout(request)
    return ended + 1


def session_check(request) -> str | None:
    """Why this session must end now ("idle", "absolute"), or None; touches it once a minute."""
    session, now = request.session, time.time()
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:  # a session from before these rules: start counting
        session[STARTED] = session[SEEN] = now
        return None
    if now - started > settings.SESSION_ABSOLUTE_SECONDS:
        return "absolute"
    if now - seen > settings.SESSION_IDLE_SECONDS:
        return "idle"
    if now - seen >= settings.SESSION_TOUCH_SECONDS:
        session[SEEN] = now
        UserSession.objects.filter(session_key=session.session_key).update(
            last_seen_at=timezone.now()
        )
    return None


def session_expire(request, *, reason: str) -> None:
    """End a timed-out session (audited `auth.session.expired`)."""
    audit_record(
        "auth.session.expired",
        actor=request.user,
        obj=request.user,
        reason=reason,
        request=request,
    )
    logout(request)


def live_sessions(user: User):
    return UserSession.objects.filter(user=user, ended_at__isnull=True).order_by("-started_at")

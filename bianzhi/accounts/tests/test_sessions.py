"""Sessions: idle and absolute timeouts, one live session per account, log out everywhere, and
no extra queries on an ordinary request."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bianzhi.accounts import sessions
from bianzhi.accounts.models import UserSession
from bianzhi.audit.models import AuditEvent
from bianzhi.testing import PASSWORD

pytestmark = pytest.mark.django_db


def login(username: str, address: str = "10.2.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def shift(client: Client, **seconds: float) -> None:
    """Move the session's clocks back by the given seconds (started=…, seen=…)."""
    session = client.session
    for name, value in seconds.items():
        key = {"started": sessions.STARTED, "seen": sessions.SEEN}[name]
        session[key] = session[key] - value
    session.save()


def test_login_records_the_session_with_its_address(users):
    client = login("county")
    live = UserSession.objects.get(user=users["county"])
    assert live.session_key == client.session.session_key and live.address == "10.2.0.1"
    assert live.ended_at is None


def test_an_idle_session_expires_and_is_audited(users, settings):
    client = login("county")
    shift(client, seen=settings.SESSION_IDLE_SECONDS + 1)
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/orgs/").status_code == 302  # logged out for good
    event = AuditEvent.objects.get(action="auth.session.expired")
    assert (event.actor, event.reason) == (users["county"], "idle")
    assert UserSession.objects.get(user=users["county"]).ended_at is not None


def test_an_active_session_still_ends_at_its_absolute_lifetime(users, settings):
    client = login("county")
    shift(client, started=settings.SESSION_ABSOLUTE_SECONDS + 1)
    assert client.get("/orgs/").status_code == 302
    assert AuditEvent.objects.get(action="auth.session.expired").reason == "absolute"


def test_a_session_within_its_limits_is_kept_and_touched_once_a_minute(users, settings):
    client = login("county")
    shift(client, seen=settings.SESSION_IDLE_SECONDS - 60)
    before = UserSession.objects.get().last_seen_at
    assert client.get("/orgs/").status_code == 200
    assert UserSession.objects.get().last_seen_at > before
    assert time.time() - client.session[sessions.SEEN] < 5


def test_an_ordinary_request_costs_no_session_query(users):
    client = login("county")
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    touched = [q["sql"] for q in queries if "accounts_usersession" in q["sql"]]
    assert touched == []


def test_a_new_login_ends_the_older_session(users):
    first = login("county", "10.2.0.1")
    second = login("county", "10.2.0.2")
    assert first.get("/orgs/").status_code == 302
    assert second.get("/orgs/").status_code == 200
    assert UserSession.objects.filter(user=users["county"], ended_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="auth.session.replaced").count() == 1


def test_several_sessions_when_single_is_off(users, settings):
    settings.SESSION_SINGLE = False
    first, second = login("county"), login("county")
    assert first.get("/orgs/").status_code == 200 and second.get("/orgs/").status_code == 200


def test_log_out_everywhere(users, settings):
    settings.SESSION_SINGLE = False
    first, second = login("county"), login("county")
    other = login("city")
    page = first.get("/accounts/me/")
    assert page.status_code == 200 and len(page.context["live_sessions"]) == 2
    assert first.post("/accounts/sessions/end-all/").status_code == 302
    assert first.get("/orgs/").status_code == 302 and second.get("/orgs/").status_code == 302
    assert other.get("/orgs/").status_code == 200
    assert not UserSession.objects.filter(user=users["county"], ended_at__isnull=True).exists()
    assert Session.objects.count() == 1
    event = AuditEvent.objects.get(action="auth.session.ended_all")
    assert event.data == {"ended": 2}


def test_logout_ends_the_session_record(users):
    client = login("county")
    client.post("/accounts/logout/")
    assert UserSession.objects.get().ended_at is not None

"""Every URL and API route declares what it needs (deny by default); the public ones are listed
here on purpose, and anonymous requests to everything else are turned away."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import PathView

from bianzhi.core.permissions import LOGIN, PUBLIC

PUBLIC_URLS = {"healthz", "set_language", "login", "logout", "login_otp"}
PUBLIC_URLS |= {"account_signup", "account_signup_sent"}  # an institution asks for an account
# The public registration service (公示): every page under /portal/ is open on purpose, and so
# are these API routes; nothing else is.
PUBLIC_PREFIX = "portal/"
PUBLIC_API = ("api/v1/institutions", "api/v1/notices")
EXEMPT_PREFIXES = ("admin/", "api/v1/", "static/", "media/")


def walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def declared(callback) -> str | None:
    view = getattr(callback, "view_class", None) or callback
    return getattr(callback, "required_permission", None) or getattr(
        view, "required_permission", None
    )


def site_patterns():
    return [
        (route, entry)
        for route, entry in walk(get_resolver())
        if not route.startswith(EXEMPT_PREFIXES)
    ]


def api_operations():
    """The bound ninja operations behind each /api/v1/ URL (found through its PathView)."""
    for route, entry in walk(get_resolver()):
        if not route.startswith("api/v1/"):
            continue
        cells = [c.cell_contents for c in getattr(entry.callback, "__closure__", None) or ()]
        for path_view in (c for c in cells if isinstance(c, PathView)):
            for operation in path_view.operations:
                yield route, operation


def test_every_site_url_declares_a_permission():
    missing = [route for route, entry in site_patterns() if declared(entry.callback) is None]
    assert missing == []
    public = {
        entry.name
        for route, entry in site_patterns()
        if declared(entry.callback) == PUBLIC and not route.startswith(PUBLIC_PREFIX)
    }
    assert public == PUBLIC_URLS
    portal = [route for route, entry in site_patterns() if route.startswith(PUBLIC_PREFIX)]
    assert all(declared(entry.callback) == PUBLIC for _r, entry in site_patterns() if _r in portal)


def test_every_api_route_needs_auth_and_a_permission():
    operations = list(api_operations())
    assert len(operations) > 15
    for route, operation in operations:
        permission = getattr(operation.view_func, "required_permission", None)
        if route.startswith(PUBLIC_API):
            assert permission == PUBLIC and not operation.auth_callbacks, route
            continue
        assert operation.auth_callbacks, route
        assert permission and permission != PUBLIC, route


@pytest.mark.django_db
def test_anonymous_requests_are_turned_away(client):
    for route, entry in site_patterns():
        if declared(entry.callback) == PUBLIC or "<" in route:
            continue
        response = client.get("/" + route)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], route
    assert client.get("/api/v1/orgs").status_code == 401
    assert client.get("/api/v1/regions").status_code == 401
    assert client.get("/api/v1/docs").status_code == 302


@pytest.mark.django_db
def test_a_user_without_the_permission_is_refused(client, users):
    client.force_login(users["viewer"])
    assert client.get("/orgs/new/").status_code == 403
    assert client.get("/orgs/").status_code == 200
    assert LOGIN not in {
        declared(e.callback) for _r, e in site_patterns() if e.name in {"establish", "change"}
    }


def test_security_administration_routes_declare_the_administrators_permissions():
    """三员分立: every /security/ page needs an administrator's named permission, never LOGIN."""
    declared_by_route = {
        route: declared(entry.callback)
        for route, entry in site_patterns()
        if route.startswith("security/")
    }
    assert len(declared_by_route) >= 10
    assert set(declared_by_route.values()) <= {
        "accounts.view_user",
        "accounts.manage_account",
        "accounts.manage_roles",
        "audit.view_securityalert",
        "audit.acknowledge_securityalert",
    }

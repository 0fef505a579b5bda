"""Network profiles: on the extranet (政务外网) every intranet URL and API route answers 404 with
a bilingual explanation and is audited; public-facing routes are served; no classified record is
served even to a cleared user."""

import re

import pytest
from django.test import override_settings

from bianzhi.audit.models import AuditEvent
from bianzhi.core.classification import Classification, classification_set, visible_to
from bianzhi.core.profiles import extranet_allows
from bianzhi.orgs.models import Org
from bianzhi.testing import establish
from bianzhi.tests.test_url_auth import api_operations, site_patterns

pytestmark = pytest.mark.django_db
EXTRANET = override_settings(NETWORK="extranet")


def _concrete(route: str) -> str:
    """A URL for a route pattern, with 1 for every parameter."""
    route = re.sub(r"<(?:int:|slug:|str:|path:)?\w+>", "1", route)
    return "/" + route.lstrip("^").rstrip("$")


def intranet_urls() -> list[str]:
    urls = {_concrete(route) for route, _entry in site_patterns()}
    urls |= {_concrete(route) for route, _op in api_operations()}
    return sorted(url for url in urls if not extranet_allows(url))


def test_the_route_list_is_real():
    urls = intranet_urls()
    assert "/orgs/" in urls and "/persons/1/" in urls and "/api/v1/orgs/1" in urls
    assert len(urls) > 30
    assert not any(url.startswith(("/accounts/", "/healthz")) for url in urls)


@EXTRANET
def test_every_intranet_route_is_refused_on_the_extranet(client, users):
    client.force_login(users["national"])
    urls = intranet_urls()
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (method, url, response.status_code)
            body = response.content.decode("unicode_escape" if "/api/" in url else "utf-8")
            assert "涉密内网" in body and "intranet only" in body, url
    events = AuditEvent.objects.filter(action="access.extranet_refused", result="refused")
    assert events.count() == 2 * len(urls)
    assert events.filter(entity_id="/orgs/", actor=users["national"]).count() == 2


@EXTRANET
def test_anonymous_requests_are_refused_too(client):
    assert client.get("/orgs/").status_code == 404
    assert client.get("/api/v1/orgs").status_code == 404
    assert client.get("/admin/").status_code == 404


@EXTRANET
def test_public_routes_are_served_on_the_extranet(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/accounts/cert/login/").status_code == 200
    assert not AuditEvent.objects.filter(action="access.extranet_refused").exists()


def test_the_intranet_serves_everything(client, users):
    client.force_login(users["national"])
    assert client.get("/orgs/").status_code == 200
    assert client.get("/api/v1/orgs").status_code == 200


def test_no_classified_record_is_visible_on_the_extranet(users):
    establish("吴中区统计局")
    classification_set(actor=None, obj=establish("吴中区档案馆"), level=Classification.INTERNAL)
    user = users["national"]
    user.clearance = Classification.CONFIDENTIAL
    assert visible_to(user, Org.objects.all()).count() == 2
    with override_settings(NETWORK="extranet"):
        assert [o.name for o in visible_to(user, Org.objects.all())] == ["吴中区统计局"]

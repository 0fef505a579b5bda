"""API tokens: scoped by area and read/write, expiring, revocable, stored hashed, use noted at
most once a minute."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from bianzhi.accounts.models import ApiToken
from bianzhi.accounts.services import api_token_issue, api_token_revoke
from bianzhi.api import SCOPE_AREAS, required_scope
from bianzhi.core.errors import InvalidInput
from bianzhi.tests.test_url_auth import api_operations

pytestmark = pytest.mark.django_db


def bearer(users, *scopes: str, who: str = "province") -> tuple[ApiToken, Client]:
    token, raw = api_token_issue(actor=None, user=users[who], name="对接", scopes=list(scopes))
    return token, Client(headers={"Authorization": f"Bearer {raw}"})


def test_a_read_scope_reads_its_area_only(users):
    _token, client = bearer(users, "orgs:read")
    assert client.get("/api/v1/orgs").status_code == 200
    refused = client.get("/api/v1/quotas")
    assert refused.status_code == 403
    assert (
        "staffing:read" in refused.json()["detail"] and "令牌缺少范围" in refused.json()["detail"]
    )
    write = client.post("/api/v1/orgs", {}, content_type="application/json")
    assert write.status_code == 403 and "orgs:write" in write.json()["detail"]


def test_a_write_scope_passes_on_to_the_permission_check(users):
    _token, client = bearer(users, "orgs:write", who="viewer")
    response = client.post("/api/v1/orgs", {}, content_type="application/json")
    assert response.status_code in {403, 422}
    assert "orgs:write" not in str(response.content, "utf-8")


def test_star_allows_every_area(users):
    _token, client = bearer(users, "*")
    for path in ("/api/v1/orgs", "/api/v1/quotas", "/api/v1/persons", "/api/v1/regions"):
        assert client.get(path).status_code == 200, path


def test_every_api_route_maps_to_an_area():
    """A new router must be added to SCOPE_AREAS (or it needs "*", which no one is given by
    accident)."""
    firsts = {route.removeprefix("api/v1/").split("/")[0] for route, _op in api_operations()}
    assert firsts - {""} <= set(SCOPE_AREAS), firsts - set(SCOPE_AREAS)


def test_required_scope_from_path_and_method(rf):
    assert required_scope(rf.get("/api/v1/persons/3")) == "personnel:read"
    assert required_scope(rf.post("/api/v1/reservations/1/cancel")) == "staffing:write"
    assert required_scope(rf.head("/api/v1/orgs")) == "orgs:read"
    assert required_scope(rf.get("/api/v1/something-new")) == "*"


def test_issue_refuses_no_or_unknown_scopes(users):
    with pytest.raises(InvalidInput):
        api_token_issue(actor=None, user=users["province"], name="x", scopes=[])
    with pytest.raises(InvalidInput) as exc:
        api_token_issue(actor=None, user=users["province"], name="x", scopes=["orgs:admin"])
    assert exc.value.details == {"unknown": ["orgs:admin"]}


def test_expired_and_revoked_tokens_are_refused(users):
    token, client = bearer(users, "orgs:read")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert client.get("/api/v1/orgs").status_code == 401
    token, client = bearer(users, "orgs:read")
    api_token_revoke(actor=None, token=token)
    assert client.get("/api/v1/orgs").status_code == 401


def test_only_the_hash_is_stored_and_use_is_noted_once_a_minute(users):
    token, raw = api_token_issue(actor=None, user=users["province"], name="x", scopes=["*"])
    assert not ApiToken.objects.filter(key_hash__contains=raw[3:]).exists()
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    client.get("/api/v1/orgs")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/v1/orgs")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get("/api/v1/orgs")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first

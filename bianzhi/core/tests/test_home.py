"""The start page: the registry overview for business roles; the three administrators, who see
no business data, land in their own workspace; refusals render a page naming the permission."""

import pytest

from bianzhi.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("sysadmin", "/security/accounts/"),
        ("secadmin", "/security/accounts/"),
        ("auditor", "/audit/"),
    ],
)
def test_administrators_start_in_their_workspace(client, role, target):
    client.force_login(make_user(role, None, role))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == target
    assert client.get(target).status_code == 200


def test_a_clerk_sees_the_overview_and_no_administration_links(client, users):
    client.force_login(users["county"])
    page = client.get("/")
    assert page.status_code == 200
    assert b'href="/orgs/"' in page.content and b'href="/security/' not in page.content


def test_the_auditor_has_no_business_links_and_a_refusal_names_the_permission(client):
    client.force_login(make_user("auditor", None, "auditor"))
    page = client.get("/audit/")
    assert b'href="/orgs/"' not in page.content and b'href="/api/v1/docs"' not in page.content
    refused = client.get("/orgs/")
    assert refused.status_code == 403
    assert (
        "orgs.view_org" in refused.content.decode() and "安全保密管理员" in refused.content.decode()
    )

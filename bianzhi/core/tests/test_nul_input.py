"""A NUL character is refused at the door with a 400 naming the field (PostgreSQL cannot store
it, and no text field may hold one) instead of failing deep inside a query."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_query_parameter_is_named(client, users):
    client.force_login(users["province"])
    response = client.get("/api/v1/orgs", {"q": "统计\x00局"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "q"
    assert "U+0000" in body["message"] and "not allowed" in body["message_en"]


def test_a_nul_in_a_json_body_is_refused(client, users):
    client.force_login(users["province"])
    response = client.post(
        "/api/v1/persons", data='{"name": "张\\u0000三"}', content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "body"


def test_web_pages_refuse_it_too_and_clean_input_passes(client, users):
    client.force_login(users["province"])
    refused = client.get("/orgs/", {"q": "\x00"})
    assert refused.status_code == 400 and "U+0000" in refused.content.decode()
    assert client.get("/orgs/", {"q": "统计局"}).status_code == 200

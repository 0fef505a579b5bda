"""Rate limit: a fixed window per client address; 429 with Retry-After over the limit."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from bianzhi.public.ratelimit import rate_limit

pytestmark = pytest.mark.django_db


def test_a_page_over_the_limit_is_429_with_retry_after(client, world, settings):
    settings.PUBLIC_RATE_LIMIT = "3/60"
    for _ in range(3):
        assert client.get(reverse("public:notices")).status_code == 200
    response = client.get(reverse("public:search"))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert "请求过于频繁" in html and "too many requests" in html


def test_the_api_over_the_limit_is_429_json(client, world, settings):
    settings.PUBLIC_RATE_LIMIT = "2/30"
    assert client.get("/api/v1/notices").status_code == 200
    assert client.get("/api/v1/institutions", {"q": "小学"}).status_code == 200
    response = client.get(f"/api/v1/institutions/{world.school.credit_code}")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 30
    body = response.json()
    assert body["code"] == "rate_limited"
    assert set(body) == {"code", "field", "message", "message_en"}


def test_each_address_has_its_own_window(client, world, settings):
    settings.PUBLIC_RATE_LIMIT = "1/60"
    assert client.get(reverse("public:notices"), REMOTE_ADDR="10.0.0.1").status_code == 200
    assert client.get(reverse("public:notices"), REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get(reverse("public:notices"), REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_new_window_starts_a_new_count(client, world, settings, monkeypatch):
    settings.PUBLIC_RATE_LIMIT = "1/60"
    now = [1_000_000.0]
    monkeypatch.setattr("bianzhi.public.ratelimit.time.time", lambda: now[0])
    assert client.get(reverse("public:verify_lookup")).status_code == 200
    response = client.get(reverse("public:verify_lookup"))
    assert response.status_code == 429 and response["Retry-After"] == "20"  # 1,000,020 ends it
    now[0] += 20
    assert client.get(reverse("public:verify_lookup")).status_code == 200
    cache.clear()


@pytest.mark.parametrize("value", ["120", "a/60", "0/60", "10/0"])
def test_a_bad_setting_fails_loudly(settings, value):
    settings.PUBLIC_RATE_LIMIT = value
    with pytest.raises(ImproperlyConfigured):
        rate_limit()

"""Pinned query counts of the search and the institution (page and API), whatever the number
of results."""

import pytest
from django.urls import reverse

from bianzhi.registration.testing import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def warm(client, world):
    """The region table is read once per process, not per request."""
    client.get(reverse("public:search"))


def test_search_is_one_query(client, world, warm, nodes, django_assert_num_queries):
    for i in range(5):
        make_institution(f"吴中区第{i}实验幼儿园", registrar=nodes["county"], certificate=False)
    with django_assert_num_queries(1):
        response = client.get(reverse("public:search"), {"q": "吴中", "region": "320506"})
    assert response.content.decode().count("data-code=") == 9
    with django_assert_num_queries(1):
        assert len(client.get("/api/v1/institutions", {"q": "吴中"}).json()["items"]) == 9


def test_institution_is_four_queries(client, world, warm, django_assert_num_queries):
    url = reverse("public:institution", args=[world.school.credit_code])
    with django_assert_num_queries(4):  # institution with registrar, certificate, reports, notices
        assert client.get(url).status_code == 200
    with django_assert_num_queries(4):
        assert client.get(f"/api/v1/institutions/{world.school.credit_code}").status_code == 200


def test_notices_and_verification(client, world, warm, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get(reverse("public:notices"))
    with django_assert_num_queries(1):
        client.get(reverse("public:verify", args=[world.first_certificate.token]))

"""No public answer shows private data: the applicant, remarks, resident ID numbers,
attachments, the internal reason of a certificate's status, or internal ids of other records;
and every public address answers without login."""

import pytest
from django.urls import reverse

from .conftest import SECRETS

pytestmark = pytest.mark.django_db


def public_urls(world) -> list[str]:
    codes = [world.school.credit_code, world.hospital.credit_code, world.archive.credit_code]
    tokens = [world.first_certificate.token, world.certificate.token]
    tokens += [world.hospital.certificates.get().token, world.station.certificates.get().token]
    notices = [world.establish_notice.pk, world.cancel_notice.pk]
    return [
        reverse("public:search") + "?q=吴中",
        reverse("public:search") + "?region=320506",
        reverse("public:notices"),
        reverse("public:notices_atom"),
        reverse("public:notices_rss"),
        reverse("public:verify_lookup") + f"?number={world.certificate.number}",
        "/api/v1/institutions?q=吴中",
        "/api/v1/notices",
        *[reverse("public:institution", args=[code]) for code in codes],
        *[f"/api/v1/institutions/{code}" for code in codes],
        *[reverse("public:verify", args=[token]) for token in tokens],
        *[reverse("public:notice", args=[pk]) for pk in notices],
        *[f"/api/v1/notices/{pk}" for pk in notices],
    ]


def test_no_public_answer_shows_private_data(client, world):
    for url in public_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in SECRETS:
            assert secret not in text, (url, secret)


def test_signed_out_requests_are_not_sent_to_login(client, world):
    for url in public_urls(world):
        response = client.get(url)
        assert response.status_code == 200 and "/accounts/login/" not in response.get(
            "Location", ""
        ), url


def test_the_api_names_no_internal_id_of_other_records(client, world):
    body = client.get(f"/api/v1/institutions/{world.school.credit_code}").json()
    flat = repr(body)
    for key in ("'id'", "org_id", "application", "registrar_id", "token", "applicant"):
        if key == "'id'":
            assert all(set(n) >= {"id"} for n in body["notices"])  # a notice's own id only
            assert "'id'" not in repr({k: v for k, v in body.items() if k != "notices"})
        else:
            assert key not in flat, key

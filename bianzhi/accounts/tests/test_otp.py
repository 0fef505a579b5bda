"""TOTP enrolment (QR code, confirmation, recovery codes shown once), regeneration, reset, and
the production rule that every interactive account has a second factor."""

from binascii import unhexlify

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bianzhi.accounts import otp
from bianzhi.accounts.tests.conftest import code_for
from bianzhi.audit.models import AuditEvent
from bianzhi.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_enrolment_shows_a_qr_code_and_confirms_with_a_real_code(client, users):
    user = users["city"]
    client.force_login(user)
    page = client.get("/accounts/otp/enroll/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in body and "otpauth://totp/" in body
    key = client.session[otp.ENROLL_KEY]
    assert client.get("/accounts/otp/enroll/").context["uri"] == page.context["uri"]  # stable

    wrong = client.post("/accounts/otp/enroll/", {"code": "12345x"})
    assert "the code is wrong" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()

    code = f"{TOTP(unhexlify(key)).token():06d}"
    done = client.post("/accounts/otp/enroll/", {"code": code})
    codes = done.context["codes"]
    assert done.status_code == 200 and len(codes) == 10
    assert all(c in done.content.decode() for c in codes)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert device.key == key
    assert AuditEvent.objects.filter(action="auth.otp.enrolled", actor=user).count() == 1
    # The codes are not kept anywhere the account page could show them again.
    assert codes[0] not in client.get("/accounts/me/").content.decode()


def test_an_enrolled_account_is_sent_to_the_account_page(client, enrolled):
    user, _device, _codes = enrolled
    client.force_login(user)
    response = client.get("/accounts/otp/enroll/")
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"


def test_new_recovery_codes_replace_the_old_ones(client, enrolled):
    user, _device, old = enrolled
    client.force_login(user)
    new = client.post("/accounts/otp/recovery/").context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ) == set(new)
    assert client.get("/accounts/otp/recovery/").status_code == 405


def test_recovery_codes_need_a_device(client, users):
    client.force_login(users["city"])
    response = client.post("/accounts/otp/recovery/")
    assert response.status_code == 302
    assert not StaticToken.objects.exists()


def test_reset_needs_the_password(client, enrolled):
    user, _device, _codes = enrolled
    client.force_login(user)
    client.post("/accounts/otp/reset/", {"password": "wrong"})
    assert otp.has_device(user)
    client.post("/accounts/otp/reset/", {"password": PASSWORD})
    assert not otp.has_device(user) and not StaticToken.objects.filter(device__user=user).exists()
    assert AuditEvent.objects.filter(action="auth.otp.reset", actor=user).count() == 1


def test_production_forces_enrolment_before_anything_else(client, users, settings):
    settings.OTP_REQUIRED = True
    user = users["county"]
    client.force_login(user)
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"] == "/accounts/otp/enroll/"
    api = client.get("/api/v1/orgs")
    assert api.status_code == 403 and api.json()["code"] == "otp_enrollment_required"
    assert client.get("/accounts/otp/enroll/").status_code == 200
    key = client.session[otp.ENROLL_KEY]
    client.post("/accounts/otp/enroll/", {"code": f"{TOTP(unhexlify(key)).token():06d}"})
    assert client.get("/orgs/").status_code == 200  # enrolling verified this session


def test_production_asks_an_unverified_session_for_its_code(enrolled, settings):
    settings.OTP_REQUIRED = True
    user, device, _codes = enrolled
    client = Client()
    client.force_login(user)  # e.g. a certificate login: signed in, no code yet
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/otp/"
    assert client.post("/accounts/login/otp/", {"code": code_for(device)}).status_code == 302
    assert client.get("/orgs/").status_code == 200


def test_password_login_with_totp_is_verified_in_production(enrolled, settings):
    settings.OTP_REQUIRED = True
    user, device, _codes = enrolled
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    client.post("/accounts/login/otp/", {"code": code_for(device)})
    assert client.get("/orgs/").status_code == 200


def test_development_does_not_force_enrolment(client, users, settings):
    settings.OTP_REQUIRED = False
    client.force_login(users["county"])
    assert client.get("/orgs/").status_code == 200

"""The login flow: password, then a TOTP or recovery code when the account has a device."""

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from bianzhi.accounts.tests.conftest import code_for
from bianzhi.audit.models import AuditEvent
from bianzhi.testing import PASSWORD

pytestmark = pytest.mark.django_db


def password_step(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_an_account_without_a_device_logs_in_with_the_password(client, users):
    response = password_step(client, "county")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/orgs/").status_code == 200


def test_a_wrong_password_stays_on_the_page(client, users):
    response = password_step(client, "county", "wrong-Password-1")
    assert response.status_code == 200
    assert client.get("/orgs/").status_code == 302


def test_with_a_device_the_password_alone_does_not_log_in(client, enrolled):
    user, device, _codes = enrolled
    response = password_step(client, user.username, next_url="/orgs/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/otp/"
    assert client.get("/orgs/").status_code == 302  # not yet signed in
    page = client.get("/accounts/login/otp/")
    assert page.status_code == 200 and "动态口令" in page.content.decode()

    response = client.post("/accounts/login/otp/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    assert client.get("/orgs/").status_code == 200


def test_a_wrong_code_is_refused_and_audited(client, enrolled):
    user, device, _codes = enrolled
    password_step(client, user.username)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/login/otp/", {"code": wrong})
    assert response.status_code == 200 and "the code is wrong" in response.content.decode()
    assert client.get("/orgs/").status_code == 302
    event = AuditEvent.objects.get(action="auth.otp.failed")
    assert (event.actor_name, event.result) == (user.username, "refused")


def test_a_code_cannot_be_replayed(enrolled):
    user, device, _codes = enrolled
    code = code_for(device)
    first, second = Client(), Client()
    password_step(first, user.username)
    assert first.post("/accounts/login/otp/", {"code": code}).status_code == 302
    password_step(second, user.username)
    assert second.post("/accounts/login/otp/", {"code": code}).status_code == 200


def test_each_recovery_code_works_once(enrolled, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait
    user, _device, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    first = Client()
    password_step(first, user.username)
    assert first.post("/accounts/login/otp/", {"code": codes[0]}).status_code == 302
    again = Client()
    password_step(again, user.username)
    assert again.post("/accounts/login/otp/", {"code": codes[0]}).status_code == 200
    assert again.post("/accounts/login/otp/", {"code": codes[1]}).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 8


def test_after_a_wrong_code_django_otp_throttles_the_devices(client, enrolled):
    user, device, _codes = enrolled
    password_step(client, user.username)
    client.post("/accounts/login/otp/", {"code": "000000" if code_for(device) != "000000" else "1"})
    response = client.post("/accounts/login/otp/", {"code": code_for(device)})
    assert response.status_code == 200  # too soon after a failure, even with the right code
    assert "秒后再试" in response.content.decode() and "wait" in response.content.decode()
    failures = AuditEvent.objects.filter(action="auth.otp.failed").count()
    assert failures == 1  # the throttled try was not checked, so not counted as a failure


def test_the_code_step_without_a_password_step_goes_back_to_login(client, enrolled):
    _user, device, _codes = enrolled
    response = client.post("/accounts/login/otp/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_the_pending_step_expires(client, enrolled, settings):
    user, device, _codes = enrolled
    password_step(client, user.username)
    settings.OTP_PENDING_SECONDS = -1
    response = client.post("/accounts/login/otp/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/orgs/").status_code == 302


def test_an_unsafe_next_is_ignored(client, enrolled):
    user, device, _codes = enrolled
    password_step(client, user.username, next_url="https://evil.example/")
    response = client.post("/accounts/login/otp/", {"code": code_for(device)})
    assert response["Location"] == "/"


def test_force_login_still_works_for_tests(client, users):
    client.force_login(users["viewer"])
    assert client.get("/orgs/").status_code == 200

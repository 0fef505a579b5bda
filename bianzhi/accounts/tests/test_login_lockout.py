"""Lockout (django-axes): per account and per address, wrong TOTP codes count too; the security
administrator unlocks from a page or the `bianzhi unlock` command; both are audited."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bianzhi.accounts.services import lockouts
from bianzhi.accounts.tests.conftest import code_for
from bianzhi.audit.models import AuditEvent
from bianzhi.core.net import client_address
from bianzhi.testing import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(username: str, password: str = "Wrong-password-1", address: str = "10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    return client, client.post("/accounts/login/", {"username": username, "password": password})


def fail(username: str, times: int, address: str = "10.0.0.1"):
    for _ in range(times):
        attempt(username, address=address)


def test_five_failures_lock_the_account_even_with_the_right_password(users):
    fail("county", 4)
    _client, response = attempt("county", PASSWORD, address="10.0.0.1")
    assert response.status_code == 302  # the 5th try is right: in, and the count is reset
    fail("county", 5)
    _client, response = attempt("county", PASSWORD, address="10.0.0.9")
    assert response.status_code == 429
    body = response.content.decode()
    assert "已锁定" in body and "locked" in body and "<script>" not in body  # no inline script
    # One event when the lock falls, one for each attempt refused while locked.
    locked = list(AuditEvent.objects.filter(action="auth.locked").order_by("pk"))
    assert [(e.entity_id, e.result, e.address) for e in locked] == [
        ("county", "refused", "10.0.0.1"),
        ("county", "refused", "10.0.0.9"),
    ]
    assert locked[0].data == {"username": "county", "address": "10.0.0.1"}


def test_an_address_is_locked_across_accounts(users):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        attempt(name, address="10.0.0.7")
    _client, response = attempt("county", PASSWORD, address="10.0.0.7")
    assert response.status_code == 429
    _client, response = attempt("county", PASSWORD, address="10.0.0.8")
    assert response.status_code == 302  # the account itself is not locked
    locks = lockouts()
    assert [lock["value"] for lock in locks["addresses"]] == ["10.0.0.7"]
    assert locks["usernames"] == []


def test_the_limit_is_configurable(users, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail("county", 2)
    assert attempt("county", PASSWORD, address="10.9.9.9")[1].status_code == 429


def wait_out_the_throttle() -> None:
    """As if the user waited for django-otp's throttle (which doubles after each wrong code)."""
    past = timezone.now() - datetime.timedelta(hours=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.exclude(throttling_failure_timestamp=None).update(
            throttling_failure_timestamp=past
        )


def test_wrong_totp_codes_count_towards_the_lockout(enrolled):
    user, device, _codes = enrolled
    client = Client(REMOTE_ADDR="10.0.0.2")
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    statuses = []
    for _ in range(5):
        statuses.append(client.post("/accounts/login/otp/", {"code": wrong}).status_code)
        wait_out_the_throttle()
    assert statuses == [200, 200, 200, 200, 429]
    assert AuditEvent.objects.filter(action="auth.otp.failed").count() == 5
    # Locked: neither the password step elsewhere nor a right code gets in.
    assert attempt(user.username, PASSWORD, address="10.0.0.3")[1].status_code == 429


def test_the_security_administrator_unlocks_from_the_page(users):
    fail("county", 5)
    secadmin = users["nobody"]
    secadmin.user_permissions.add(Permission.objects.get(codename="unlock_account"))
    page = Client()
    page.force_login(users["viewer"])
    assert page.get("/accounts/lockouts/").status_code == 403
    page.force_login(secadmin)
    listing = page.get("/accounts/lockouts/")
    assert listing.status_code == 200 and "county" in listing.content.decode()
    assert page.post("/accounts/lockouts/", {"username": "county"}).status_code == 302
    assert attempt("county", PASSWORD, address="10.0.0.4")[1].status_code == 302
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert (event.actor, event.entity_id) == (secadmin, "county")


def test_the_unlock_command_clears_an_account_or_an_address(users):
    fail("county", 5, address="10.0.0.5")
    out = io.StringIO()
    call_command("unlock", "--list", stdout=out)
    assert "county" in out.getvalue() and "10.0.0.5" in out.getvalue()
    call_command("unlock", "--address", "10.0.0.5", stdout=io.StringIO())
    assert lockouts()["addresses"] == [] and lockouts()["usernames"] == []  # same records
    assert AuditEvent.objects.filter(action="auth.unlocked").count() == 1


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(settings):
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(spoofed) == "10.1.1.1"
    settings.CERT_TRUSTED_PROXIES = ["10.1.1.0/24"]
    assert client_address(spoofed) == "1.2.3.4"
    chained = factory.get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 5.5.5.5, 10.1.1.2"
    )
    assert client_address(chained) == "5.5.5.5"  # the client wrote 6.6.6.6 itself
    garbage = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_address(garbage) == "10.1.1.1"


def test_lockout_counts_the_forwarded_address_behind_a_trusted_proxy(users, settings):
    settings.CERT_TRUSTED_PROXIES = ["10.1.1.1"]
    for n in range(5):
        Client(REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="192.0.2.7").post(
            "/accounts/login/", {"username": f"x{n}", "password": "Wrong-password-1"}
        )
    other = Client(REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="192.0.2.8")
    response = other.post("/accounts/login/", {"username": "county", "password": PASSWORD})
    assert response.status_code == 302  # the proxy itself is not locked, only 192.0.2.7
    assert [lock["value"] for lock in lockouts()["addresses"]] == ["192.0.2.7"]

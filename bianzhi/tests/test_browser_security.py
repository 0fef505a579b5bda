"""Drive the real pages in Debian's chromium: a clerk sets up TOTP from the account page with a
code computed from the key the page shows, gets ten recovery codes, and the next login asks for
the second factor; a recovery code lets the clerk in once, and both steps are audited."""

import base64
import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from bianzhi.audit.models import AuditEvent
from bianzhi.testing import PASSWORD, make_user, needs_chromium

pytestmark = needs_chromium


@pytest.fixture
def clerk(transactional_db, django_db_serialized_rollback):
    from bianzhi.core.models import Node

    node = Node.objects.create(code="320000", name="江苏省委编办", region_code="320000")
    return make_user("clerk1", node)


def log_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


def test_enrol_totp_then_log_in_with_a_recovery_code(live_server, browser_page, clerk):
    page, base = browser_page, live_server.url
    log_in(page, base)
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/accounts/me/")
    page.click("a[href='/accounts/otp/enroll/']")
    expect(page.locator("img.qr")).to_be_visible()
    uri = page.locator("p.hint code").inner_text()
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", f"{TOTP(key).token():06d}")
    page.click("form button[type=submit]")
    codes = page.locator("ul.codes li code")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()

    page.click("form[action='/accounts/logout/'] button")
    log_in(page, base)
    expect(page).to_have_url(re.compile(r"/accounts/login/otp/"))  # the password is not enough
    page.fill("input[name=code]", "000000")
    page.click("form button[type=submit]")
    expect(page.locator(".errorlist")).to_be_visible()  # a wrong code stays on the step
    page.wait_for_timeout(1500)  # django-otp throttles a device for 1 s after a wrong code
    page.fill("input[name=code]", recovery)
    page.click("form button[type=submit]")
    expect(page).to_have_url(f"{base}/")
    expect(page.locator(".session .who").first).to_contain_text("clerk1")

    actions = list(AuditEvent.objects.filter(actor=clerk).values_list("action", flat=True))
    assert {"auth.otp.enrolled", "auth.logout", "auth.login.succeeded"} <= set(actions)
    assert AuditEvent.objects.filter(action="auth.otp.failed", result="refused").exists()

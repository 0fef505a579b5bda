"""Drive the registration pages in Debian's chromium: an institution's own account applies to
change its legal representative (the form, the required materials as small PDF files, the
checklist emptying) and submits; the registrar accepts and examines it, the leader approves,
the registrar issues the certificate; then, signed out, the public notices list the change,
and the new certificate verifies as valid while the old one shows as replaced."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bianzhi.testing import PASSWORD, make_user, needs_chromium

pytestmark = needs_chromium
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MATERIALS = ("application_form", "change_decision", "legal_rep")


@pytest.fixture
def institution(transactional_db, django_db_serialized_rollback):
    from bianzhi.accounts.models import User
    from bianzhi.core.models import Node
    from bianzhi.registration.testing import make_institution

    county = Node.objects.create(code="320506", name="吴中区委编办", region_code="320506")
    institution = make_institution("苏州市吴中区档案馆", registrar=county)
    unit = make_user("wz_archives", county, role="unit")
    User.objects.filter(pk=unit.pk).update(org=institution.org)
    make_user("wz_registrar", county, role="registrar")
    make_user("wz_leader", county, role="leader")
    return institution


def sign_in(page, base: str, username: str, path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}{path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"**{path}")


def take(page, action: str, **fields: str) -> None:
    """Fill the action's fields, press its button and wait for the page to come back."""
    form = page.locator(f"#action-{action}")
    for name, value in fields.items():
        field = form.locator(f"[name='{action}-{name}']")
        if name == "opinion":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator(".msg.success")).to_be_visible()


def in_state(page, state: str) -> None:
    expect(page.locator("#application-state .badge")).to_have_class(re.compile(f"mst-{state}"))


def test_a_change_of_legal_representative_from_application_to_verification(
    live_server, browser_page, institution
):
    from bianzhi.registration.models import Application

    page, base = browser_page, live_server.url
    old = institution.certificates.get()
    decided = timezone.localdate() - datetime.timedelta(days=3)

    # The institution's own account fills the change and its materials, then submits.
    sign_in(page, base, "wz_archives", "/unit/")
    expect(page.locator("#certificate-number")).to_have_text(old.number)
    page.click("#new-change")
    page.wait_for_url("**/unit/applications/new/change/")
    expect(page.locator("[data-field=new_legal_rep] .current")).to_contain_text("王明")
    page.check("#id_change_legal_rep")
    page.fill("#id_new_legal_rep", "李华")
    page.fill("#id_event_date", decided.isoformat())
    page.click("#new-application-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/unit/applications/\d+/$"))
    app = Application.objects.get()
    detail = f"/applications/{app.pk}/"
    expect(page.locator("#problems li")).to_have_count(len(MATERIALS))
    for kind in MATERIALS:
        upload = page.locator(f"#upload-{kind}")
        upload.locator("input[type=file]").set_input_files(
            files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        upload.locator("button[type=submit]").click()
        expect(page.locator(f"tr[data-material={kind}] .file a")).to_have_text(f"{kind}.pdf")
    expect(page.locator("#no-problems")).to_be_visible()
    take(page, "submit")
    in_state(page, "submitted")

    # The registrar finds it in the queue, accepts and examines it.
    sign_in(page, base, "wz_registrar", "/registration/")
    page.click(f"#inbox tr[data-application='{app.pk}'] a")
    page.wait_for_url(f"**/registration{detail}")
    expect(page.locator("#items tr[data-item=legal_rep] .after")).to_have_text("李华")
    take(page, "accept")
    in_state(page, "accepted")
    take(page, "examine", opinion="approve", comment="材料齐全，拟任人选符合条件。")
    in_state(page, "reviewed")

    # The leader approves; the registrar issues the certificate, and the notice goes out.
    sign_in(page, base, "wz_leader", f"/registration{detail}")
    take(page, "approve")
    in_state(page, "approved")
    expect(page.locator("#decision-number")).to_contain_text("号")
    sign_in(page, base, "wz_registrar", f"/registration{detail}")
    take(page, "certify")
    in_state(page, "published")

    # Anyone: the notice, the new certificate valid, the old one replaced.
    new = institution.certificates.get(status="valid")
    page.context.clear_cookies()
    page.goto(f"{base}/portal/notices/")
    expect(page.locator("#notice-list")).to_contain_text("苏州市吴中区档案馆变更登记公告")
    page.goto(f"{base}/portal/verify/{new.token}/")
    expect(page.locator("#verdict")).to_have_attribute("data-status", "valid")
    expect(page.locator("#certificate")).to_contain_text(new.number)
    page.goto(f"{base}/portal/verify/{old.token}/")
    expect(page.locator("#verdict")).to_have_attribute("data-status", "replaced")
    expect(page.locator("#replaced-by")).to_have_text(new.number)

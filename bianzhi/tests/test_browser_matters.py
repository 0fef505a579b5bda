"""Drive the real matter pages in Debian's chromium: a body's own account applies for more
administrative posts; the county office accepts, returns it for more information, and after
resubmission passes it through the division head to the leader, who approves; the clerk issues
the decision with an effective date and executes it; the body's staffing panel shows the new
approved number from that date and the old one the day before."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bianzhi.staffing import services as staffing
from bianzhi.testing import PASSWORD, establish, make_document, make_user, needs_chromium

pytestmark = needs_chromium
D = datetime.date


@pytest.fixture
def body(transactional_db, django_db_serialized_rollback):
    from bianzhi.accounts.models import User
    from bianzhi.core.models import Node

    county = Node.objects.create(code="320506", name="吴中区委编办", region_code="320506")
    body = establish("苏州市吴中区市场监督管理局", region="320506", on=D(2020, 1, 1))
    staffing.quota_set(
        actor=None,
        org=body,
        est_type="admin",
        approved=20,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    unit = make_user("wz_scjgj", None, role="unit")
    User.objects.filter(pk=unit.pk).update(org=body)
    make_user("wz_clerk", county, role="clerk")
    make_user("wz_head", county, role="division_head")
    make_user("wz_leader", county, role="leader")
    return body


def sign_in(page, base: str, username: str, path: str) -> None:
    """A fresh session for `username`, landing on `path`."""
    page.context.clear_cookies()
    page.goto(f"{base}{path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"**{path}")


def take(page, action: str, comment: str = "") -> None:
    """Fill the action's comment if given and press its button; wait for the page again."""
    form = page.locator(f"#action-{action}")
    if comment:
        form.locator("textarea").first.fill(comment)
    form.locator("button[type=submit]").click()
    expect(page.locator(".msg").first).to_be_visible()


def state(page):
    return page.locator("#matter-state")


def approved(page):
    return page.locator("#staffing-panel tr[data-type=admin] .approved")


def test_a_quota_increase_from_application_to_the_register(live_server, browser_page, body):
    from bianzhi.matters.models import Matter

    page, base = browser_page, live_server.url

    # The body's own account drafts the application for its own body and adds the change.
    sign_in(page, base, "wz_scjgj", "/matters/new/")
    expect(page.locator("#own-body")).to_have_text(body.name)
    page.select_option("#id_matter_type", "quota_raise")
    page.fill("#id_title", "关于调增行政编制的请示")
    page.fill("#id_reason", "新增食品安全监管职能，需增加编制5名。")
    page.click("#new-matter-form button[type=submit]")
    page.wait_for_url("**/matters/*/")
    matter = Matter.objects.get()
    detail = f"/matters/{matter.pk}/"
    page.click("#add-quota-raise summary")
    page.select_option("#id_quota-raise-est_type", "admin")
    page.fill("#id_quota-raise-count", "5")
    page.click("#add-quota-raise button[type=submit]")
    expect(page.locator("#changes tr[data-op='quota.raise']")).to_have_count(1)
    preview = page.locator("#preview tr[data-type=admin] .approved")
    expect(preview.locator(".before")).to_have_text("20")
    expect(preview.locator(".after")).to_have_text("25")
    take(page, "submit")
    expect(state(page)).to_contain_text("报送")

    # The clerk of the county office finds it in the inbox, accepts it and returns it.
    sign_in(page, base, "wz_clerk", "/matters/inbox/")
    page.click(f"#inbox tr[data-matter='{matter.pk}'] a")
    page.wait_for_url(f"**{detail}")
    take(page, "accept")
    expect(page.locator("#review-steps li.on")).to_have_count(1)
    take(page, "return", "请补充新增职能的文件依据。")
    expect(state(page)).to_contain_text("补正")

    # The body reads why, completes the file and resubmits.
    sign_in(page, base, "wz_scjgj", detail)
    expect(page.locator("#timeline")).to_contain_text("请补充新增职能的文件依据。")
    take(page, "resubmit")
    expect(state(page)).to_contain_text("审核")

    # Clerk, division head and leader, each at their own step.
    sign_in(page, base, "wz_clerk", detail)
    expect(page.locator("#action-approve")).to_have_count(0)
    take(page, "pass")
    sign_in(page, base, "wz_head", detail)
    take(page, "pass")
    sign_in(page, base, "wz_leader", detail)
    take(page, "approve")
    expect(state(page)).to_contain_text("批准")

    # The clerk issues the decision with its effective date, and executes it.
    effective = timezone.localdate() - datetime.timedelta(days=7)
    sign_in(page, base, "wz_clerk", detail)
    expect(page.locator("#decision-text")).to_contain_text("批复如下")
    page.fill("#id_issue-effective_date", effective.isoformat())
    page.fill("#id_issue-signer", "王五")
    take(page, "issue")
    expect(page.locator("#document-number")).to_contain_text("号")
    expect(page.locator("#effective-date")).to_have_text(effective.isoformat())
    take(page, "execute")
    expect(state(page)).to_contain_text("执行")

    # The register: 25 from the effective date, 20 the day before.
    before = effective - datetime.timedelta(days=1)
    page.goto(f"{base}/orgs/{body.pk}/?as_of={effective.isoformat()}")
    expect(approved(page)).to_have_text("25")
    page.goto(f"{base}/orgs/{body.pk}/?as_of={before.isoformat()}")
    expect(approved(page)).to_have_text("20")

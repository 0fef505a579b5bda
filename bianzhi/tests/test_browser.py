"""Drive the real pages in Debian's chromium: log in, find a body by pinyin initials, open it
and see its old name at a date before a rename."""

import datetime

import pytest
from playwright.sync_api import expect

from bianzhi.orgs import services
from bianzhi.testing import PASSWORD, establish, make_document, make_user, needs_chromium

pytestmark = needs_chromium


@pytest.fixture
def data(transactional_db, django_db_serialized_rollback):
    from bianzhi.core.models import Node

    node = Node.objects.create(code="320000", name="江苏省委编办", region_code="320000")
    make_user("clerk1", node)
    establish("苏州市教育局", region="320500")
    org = establish("吴中区教育局", on=datetime.date(2018, 1, 1))
    services.org_rename(
        actor=None,
        org=org,
        name="吴中区教育体育局",
        document=make_document(),
        effective_date=datetime.date(2024, 7, 1),
    )
    return org


def test_find_by_initials_and_see_the_old_name(live_server, browser_page, data):
    page = browser_page
    page.goto(f"{live_server.url}/orgs/")
    page.fill("#id_username", "clerk1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/orgs/")
    page.fill("input[name=q]", "wzqjy")
    # The list first shows every body; the search replaces it as the clerk types.
    expect(page.locator("#results a", has_text="苏州市教育局")).to_have_count(0)
    expect(page.locator("#results a", has_text="吴中区教育体育局")).to_have_count(1)
    page.click("#results a:has-text('吴中区教育体育局')")
    page.wait_for_url(f"**/orgs/{data.pk}/")
    assert page.text_content("#name-as-of") == "吴中区教育体育局"
    page.fill("#as_of", "2020-05-01")
    page.click("form.asof button")
    page.wait_for_url("**as_of=2020-05-01")
    assert page.text_content("#name-as-of") == "吴中区教育局"
    assert "吴中区教育局 → 吴中区教育体育局" in page.text_content(".timeline")

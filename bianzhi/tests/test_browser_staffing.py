"""Drive the real pages in Debian's chromium: onboard a person into a full body and see the
refusal; transfer someone and see both bodies' staffing panels change."""

import datetime

import pytest
from playwright.sync_api import expect

from bianzhi.personnel import services as people
from bianzhi.staffing import services as staffing
from bianzhi.testing import PASSWORD, establish, make_document, make_user, needs_chromium

pytestmark = needs_chromium
D = datetime.date


def _quota(org, n: int) -> None:
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=n,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )


@pytest.fixture
def data(transactional_db, django_db_serialized_rollback):
    from bianzhi.core.models import Node

    node = Node.objects.create(code="320000", name="江苏省委编办", region_code="320000")
    make_user("clerk1", node)
    full, vacant = establish("吴中区统计局"), establish("吴中区审计局")
    _quota(full, 1)
    _quota(vacant, 2)
    person = people.person_register(actor=None, resident_id="110101199003070011", name="张伟")
    people.assignment_onboard(
        actor=None,
        person=person,
        org=full,
        est_type="admin",
        start_date=D(2021, 1, 1),
        entry_way="exam",
        document=make_document(),
    )
    return full, vacant


def occupied(page):
    return page.locator("#staffing-panel tr[data-type=admin] .occupied")


def test_refusal_then_transfer_between_two_bodies(live_server, browser_page, data):
    from bianzhi.personnel.models import Assignment, Person

    full, vacant = data
    page = browser_page
    page.goto(f"{live_server.url}/orgs/{full.pk}/")
    page.fill("#id_username", "clerk1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/orgs/{full.pk}/")
    expect(occupied(page)).to_have_text("1")
    expect(page.locator("#staffing-panel")).to_contain_text("110101********0011")

    # Onboarding a new person into the full body is refused, and nothing is recorded.
    page.click("#onboard-link")
    page.fill("#id_resident_id", "110101199003070038")
    page.fill("#id_name", "李娜")
    page.fill("#id_document_title", "关于人员录用的通知")
    page.click("form.card button[type=submit]")
    expect(page.locator("#refusal")).to_contain_text(
        "“吴中区统计局”行政编制已无空编：核定 1 名，实有 1 名，预留 0 名"
    )
    assert (Person.objects.count(), Assignment.objects.count()) == (1, 1)

    # Transfer 张伟 to the other body, picking it from the suggestions.
    page.goto(f"{live_server.url}/orgs/{full.pk}/")
    page.click("#staffing-panel a:has-text('张伟')")
    expect(page.locator("#resident-id")).to_have_text("110101199003070011")
    page.click("#transfer-link")
    page.locator("#id_to_org").press_sequentially("吴中区审计局")
    page.click(f".suggest [data-fill='{vacant.pk}']")
    expect(page.locator("#id_to_org")).to_have_value(str(vacant.pk))
    page.fill("#id_document_title", "关于张伟同志调动的通知")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"**/orgs/{vacant.pk}/")
    expect(occupied(page)).to_have_text("1")
    expect(page.locator("#staffing-panel .people")).to_contain_text("张伟")
    expect(page.locator("#staffing-panel tr[data-type=admin] .vacancy")).to_have_text("1")

    page.goto(f"{live_server.url}/orgs/{full.pk}/")
    expect(occupied(page)).to_have_text("0")
    expect(page.locator("#staffing-panel .people")).not_to_contain_text("张伟")

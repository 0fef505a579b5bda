import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bianzhi.orgs import services
from bianzhi.orgs.queries import OrgFilter, encode_cursor, org_search, tree_children
from bianzhi.testing import establish, make_document

D = datetime.date
pytestmark = pytest.mark.django_db


def names(page):
    return [row.name for row in page.rows]


@pytest.fixture
def registry():
    edu = establish("吴中区教育局", credit_code="121000004000123696")
    establish(
        "吴中区教育局机关服务中心",
        category="institution",
        pi_class="public1",
        funding_form="full",
        supervisor=edu,
    )
    establish("苏州市教育局", region="320500")
    establish("姑苏区教育体育局", region="320508")
    establish("北京市东城区教育委员会", region="110101")
    health = establish("吴中区卫生和计划生育委员会")
    services.org_rename(
        actor=None,
        org=health,
        name="吴中区卫生健康委员会",
        document=make_document(),
        effective_date=D(2021, 3, 1),
    )
    return {"edu": edu, "health": health}


def test_exact_name_ranks_first(registry, users):
    page = org_search(users["province"], OrgFilter(q="吴中区教育局"))
    assert names(page) == ["吴中区教育局", "吴中区教育局机关服务中心"]


def test_pinyin_initials_and_full_pinyin_find_the_body(registry, users):
    assert "吴中区教育局" in names(org_search(users["province"], OrgFilter(q="wzqjyj")))
    assert names(org_search(users["province"], OrgFilter(q="jyj")))[:1] in (
        ["苏州市教育局"],
        ["吴中区教育局"],
    )
    assert set(names(org_search(users["province"], OrgFilter(q="jiaoyuju")))) >= {
        "吴中区教育局",
        "苏州市教育局",
    }


def test_former_name_finds_the_body_and_says_which_name_matched(registry, users):
    page = org_search(users["province"], OrgFilter(q="计划生育"))
    assert names(page) == ["吴中区卫生健康委员会"]
    assert page.rows[0].matched == ["吴中区卫生和计划生育委员会"]


def test_as_of_search_shows_the_name_of_that_date(registry, users):
    page = org_search(users["province"], OrgFilter(q="卫生", as_of=D(2021, 1, 1)))
    assert names(page) == ["吴中区卫生和计划生育委员会"]
    assert names(org_search(users["province"], OrgFilter(q="计划生育", as_of=D(2022, 1, 1)))) == []


def test_credit_code_finds_exactly_that_body(registry, users):
    assert names(org_search(users["province"], OrgFilter(q="121000004000123696"))) == [
        "吴中区教育局"
    ]


def test_scope_hides_other_regions(registry, users):
    assert "北京市东城区教育委员会" not in names(org_search(users["province"], OrgFilter(q="教育")))
    assert names(org_search(users["county"], OrgFilter(q="苏州"))) == []
    assert names(org_search(users["outsider"], OrgFilter(q="教育"))) == ["北京市东城区教育委员会"]
    assert names(org_search(users["nobody"], OrgFilter(q="教育"))) == []
    assert len(names(org_search(users["national"], OrgFilter(q="教育")))) == 5


def test_filters_by_region_subtree_category_and_status(registry, users):
    page = org_search(users["province"], OrgFilter(region="320500", category="institution"))
    assert names(page) == ["吴中区教育局机关服务中心"]
    assert len(org_search(users["province"], OrgFilter(region="320506")).rows) == 3


def test_keyset_pages_cover_everything_once(users):
    for i in range(23):
        establish(
            f"吴中区第{i:02d}中学", category="institution", pi_class="public1", funding_form="full"
        )
    for flt in (OrgFilter(), OrgFilter(q="中学"), OrgFilter(as_of=D(2024, 1, 1))):
        seen, cursor = [], None
        while True:
            page = org_search(users["province"], flt, cursor=cursor, limit=5)
            seen += names(page)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == 23 == len(set(seen))


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def test_search_query_count_does_not_grow_with_matches(registry, users):
    def search(**kw):
        return count_queries(lambda: org_search(users["province"], OrgFilter(q="教育", **kw)))

    few, few_as_of = search(), search(as_of=D(2024, 1, 1))
    for i in range(40):
        establish(
            f"吴中区教育第{i}小学", category="institution", pi_class="public1", funding_form="full"
        )
    # Four rank bands, the page's rows, and which other names matched (as of a date, the
    # rows come from the versions plus one lookup of the credit codes).
    assert search() == few <= 6
    assert search(as_of=D(2024, 1, 1)) == few_as_of <= 7


def test_a_tampered_cursor_restarts_from_the_first_page(registry, users):
    first = org_search(users["province"], OrgFilter(q="教育"))
    for cursor in ("bm9wZQ==", "WyJ4Il0=", "!!!", encode_cursor([9, "x", 1])):
        assert org_search(users["province"], OrgFilter(q="教育"), cursor=cursor).rows == first.rows


def test_tree_levels_count_children(registry, users):
    services.provision_set(
        actor=None,
        org=registry["edu"],
        functions=["统筹教育"],
        internal_bodies=["办公室", "人事科"],
        document=make_document(),
        effective_date=D(2020, 5, 1),
    )
    top = tree_children(users["province"], parent=None, region="320506", day=D(2024, 1, 1))
    edu = next(row for row in top if row["name"] == "吴中区教育局")
    assert edu["children"] == 2
    inner = tree_children(users["province"], parent=registry["edu"], region=None, day=D(2024, 1, 1))
    assert sorted(row["name"] for row in inner) == ["人事科", "办公室"]
    assert (
        tree_children(users["province"], parent=registry["edu"], region=None, day=D(2020, 4, 1))
        == []
    )

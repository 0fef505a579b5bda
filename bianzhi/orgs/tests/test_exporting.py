"""Export of a search to .xlsx, the import template, and an export imported again."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from bianzhi.orgs import exporting, importing
from bianzhi.orgs.importing import COLUMNS, ImportJob
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.orgs.queries import OrgFilter, org_search
from bianzhi.orgs.tests.test_importing import do_import, media  # noqa: F401 (fixtures)
from bianzhi.testing import establish, make_document

D = datetime.date
pytestmark = pytest.mark.django_db


def sheet_rows(data: bytes, sheet: str = "机构") -> list[dict]:
    rows = list(load_workbook(io.BytesIO(data), read_only=True)[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def export(user, **filters) -> list[dict]:
    with exporting.export_xlsx(user, OrgFilter(**filters)) as stream:
        return sheet_rows(stream.read())


def search_ids(user, flt: OrgFilter) -> list[int]:
    ids, cursor = [], None
    while True:
        page = org_search(user, flt, cursor=cursor, limit=50)
        ids += [row.id for row in page.rows]
        if not page.next_cursor:
            return ids
        cursor = page.next_cursor


@pytest.fixture
def registry(users):
    edu = establish(
        "吴中区教育局",
        credit_code="121000004000123696",
        subcategory="gov.component",
        rank="section",
    )
    establish("办公室", category="internal", parent=edu)
    establish(
        "吴中区教育局机关服务中心",
        category="institution",
        pi_class="public1",
        funding_form="full",
        supervisor=edu,
    )
    establish("吴中区财政局")
    establish("苏州市教育局", region="320500")
    establish("北京市东城区教育委员会", region="110101")
    old = establish("吴中区档案局", on=D(2010, 1, 1))
    from bianzhi.orgs import services

    services.org_abolish(
        actor=None, org=old, document=make_document(), effective_date=D(2019, 1, 1)
    )
    return edu


def test_export_of_a_filtered_search_matches_the_search(users, registry, monkeypatch):
    monkeypatch.setattr(exporting, "EXPORT_PAGE", 2)  # several keyset pages
    user = users["province"]
    flt = OrgFilter(region="320506", category="gov", status=OrgStatus.ACTIVE)
    rows = export(user, region="320506", category="gov", status=OrgStatus.ACTIVE)
    assert [row["ID"] for row in rows] == search_ids(user, flt)
    assert {row["名称"] for row in rows} == {"吴中区教育局", "吴中区财政局"}
    edu = next(row for row in rows if row["名称"] == "吴中区教育局")
    assert edu["统一社会信用代码"] == "121000004000123696"
    assert (edu["类别"], edu["细分类别"], edu["规格"]) == ("政府机构", "组成部门", "正科(乡)级")
    assert edu["行政区划代码"] == "320506"
    assert edu["设立日期"] == datetime.datetime(2020, 1, 1)
    assert edu["发文机关"] == "江苏省委编办" and edu["文号"].startswith("苏编办〔2020〕")
    assert (edu["状态"], edu["撤销日期"]) == ("现行", None)
    assert edu["行政区划名称"] == "江苏省苏州市吴中区"


def test_export_of_a_name_search_lists_all_matches_in_scope(users, registry):
    rows = export(users["city"], q="教育局")
    assert [row["名称"] for row in rows] == [
        row.name for row in org_search(users["city"], OrgFilter(q="教育局")).rows
    ]
    assert "北京市东城区教育委员会" not in {row["名称"] for row in rows}
    centre = next(row for row in rows if row["名称"] == "吴中区教育局机关服务中心")
    assert (centre["事业单位分类"], centre["经费形式"]) == ("公益一类", "全额拨款")
    assert centre["主管部门"] == "吴中区教育局"


def test_export_shows_abolished_bodies_and_the_state_as_of_a_date(users, registry):
    rows = export(users["county"], status=OrgStatus.ABOLISHED)
    assert [(r["名称"], r["状态"], r["撤销日期"]) for r in rows] == [
        ("吴中区档案局", "已撤销", datetime.datetime(2019, 1, 1))
    ]
    then = export(users["county"], as_of=D(2015, 1, 1))
    assert [row["名称"] for row in then] == ["吴中区档案局"]


def test_export_header_is_the_import_header_plus_extra_columns(users, registry):
    with exporting.export_xlsx(users["county"], OrgFilter()) as stream:
        header = next(load_workbook(stream, read_only=True)["机构"].iter_rows(values_only=True))
    assert list(header) == exporting.EXPORT_HEADERS
    assert header[1 : 1 + len(COLUMNS)] == tuple(column.header for column in COLUMNS)


def test_template_has_the_columns_an_example_and_the_notes(users, do_import):  # noqa: F811
    data = exporting.template_xlsx()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["机构", "说明"]
    header = [cell.value for cell in book["机构"][1]]
    assert header[0] == "名称*" and header[3] == "行政区划代码*" and header[1] == "简称"
    assert "Standard name" in book["机构"]["A1"].comment.text
    notes = list(book["说明"].iter_rows(values_only=True))
    assert notes[5][:3] == ("类别", "Category", "是")
    assert any(row[3] == "gov.component" for row in notes)
    assert any(row[0] == "正科(乡)级" for row in notes)
    # The template imports as it is, for a user of that county.
    job = do_import(users["county"], "template.xlsx", data)
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert Org.objects.get(name="苏州市吴中区教育局").rank == "section"


def test_round_trip_export_edited_and_imported_into_another_region(users, registry, do_import):  # noqa: F811
    with exporting.export_xlsx(
        users["county"], OrgFilter(region="320506", status=OrgStatus.ACTIVE)
    ) as stream:
        book = load_workbook(stream)
    sheet = book["机构"]
    header = [cell.value for cell in sheet[1]]
    region, code, name = (header.index(h) for h in ("行政区划代码", "统一社会信用代码", "名称"))
    for row in sheet.iter_rows(min_row=2):
        row[region].value = "320507"  # 相城区
        row[code].value = None
        row[name].value = row[name].value.replace("吴中区", "相城区")
    for row in sheet.iter_rows(min_row=2):
        for index in (header.index("上级机构"), header.index("主管部门")):
            if row[index].value:
                row[index].value = row[index].value.replace("吴中区", "相城区")
    out = io.BytesIO()
    book.save(out)

    job = do_import(users["city"], "相城区.xlsx", out.getvalue())

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert job.created_count == 4
    edu = Org.objects.get(name="相城区教育局", region_code="320507")
    assert (edu.subcategory, edu.rank) == ("gov.component", "section")
    assert Org.objects.get(name="办公室", region_code="320507").parent == edu
    centre = Org.objects.get(name="相城区教育局机关服务中心")
    assert (centre.supervisor, centre.pi_class, centre.funding_form) == (edu, "public1", "full")


def test_reading_a_file_does_not_depend_on_column_order():
    header = [column.header for column in reversed(COLUMNS)]
    data = ",".join(header).encode() + b"\n" + b",".join(b"x" for _ in header) + b"\n"
    [row] = importing.read_table("a.csv", data)
    assert row.get("name") == "x" and row.number == 2

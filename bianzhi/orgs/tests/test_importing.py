"""Import of bodies from .xlsx and .csv files: all rows or none, with a row-by-row report."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from bianzhi.core.errors import InvalidInput
from bianzhi.core.identifiers import make_credit_code
from bianzhi.core.models import Document, JournalEntry
from bianzhi.orgs import importing
from bianzhi.orgs.importing import COLUMNS, ImportJob
from bianzhi.orgs.models import Org
from bianzhi.testing import establish

D = datetime.date
pytestmark = pytest.mark.django_db

HEADER = [column.header for column in COLUMNS]
CODE_A = make_credit_code("1", "1", "320506", "00000001")
CODE_B = make_credit_code("1", "2", "320506", "00000002")
BAD_CODE = "12100000400005852X"  # check character wrong


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def body(name: str, **fields) -> dict:
    """A row of the import file, by field name, with valid defaults."""
    row = {
        "name": name,
        "region_code": "320506",
        "category": "gov",
        "established_on": "2020-01-01",
        "document_issuer": "中共苏州市吴中区委机构编制委员会",
        "document_number": "吴编〔2020〕1号",
        "document_title": "关于机构设置的通知",
        "document_date": "2019-12-20",
    }
    row.update(fields)
    return row


def cells(row: dict) -> list:
    return [row.get(column.field, "") for column in COLUMNS]


def xlsx(rows: list[dict], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict], encoding: str = "utf-8") -> bytes:
    lines = [",".join(HEADER)] + [",".join(str(v) for v in cells(row)) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run_import(user, filename: str, data: bytes, capture) -> ImportJob:
    """Create the job and run it as the ImmediateBackend does once the transaction commits."""
    with capture(execute=True):
        job = importing.import_job_create(
            actor=user, upload=SimpleUploadedFile(filename, data, content_type="text/plain")
        )
    job.refresh_from_db()
    return job


@pytest.fixture
def do_import(django_capture_on_commit_callbacks):
    def run(user, filename, data):
        return run_import(user, filename, data, django_capture_on_commit_callbacks)

    return run


def errors_of(job: ImportJob) -> list[tuple]:
    return [(e["row"], e["column"], e["code"]) for e in job.errors]


def test_xlsx_import_creates_every_row_with_parents_from_the_file(users, do_import):
    health = establish("吴中区卫生健康委员会", credit_code="121200004013590816")
    rows = [
        body("办公室", category="内设机构", parent="吴中区教育局"),
        body(
            "吴中区教育局",
            short_name="区教育局",
            credit_code=CODE_A,
            subcategory="组成部门",
            rank="正科（乡）级",
            established_on=D(2020, 1, 1),
        ),
        body(
            "吴中区教育局机关服务中心",
            category="事业单位",
            pi_class="公益一类",
            funding_form="full",
            supervisor="吴中区教育局",
            credit_code=CODE_B,
        ),
        body("吴中区财政局", subcategory="gov.component", document_number=""),
        body(
            "吴中区人民医院",
            category="institution",
            pi_class="public2",
            funding_form="差额拨款",
            supervisor="121200004013590816",
            document_number="吴编〔2020〕2号",
            document_title="关于设立吴中区人民医院的通知",
        ),
    ]
    job = do_import(users["county"], "bodies.xlsx", xlsx(rows))

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert (job.total_rows, job.created_count, job.processed_rows) == (5, 5, 5)
    edu = Org.objects.get(name="吴中区教育局")
    assert (edu.credit_code, edu.short_name, edu.subcategory, edu.rank) == (
        CODE_A,
        "区教育局",
        "gov.component",
        "section",
    )
    assert Org.objects.get(name="办公室").parent == edu
    centre = Org.objects.get(name="吴中区教育局机关服务中心")
    assert (centre.supervisor, centre.pi_class, centre.funding_form) == (edu, "public1", "full")
    assert Org.objects.get(name="吴中区人民医院").supervisor == health
    names = dict(Org.objects.values_list("pk", "name"))
    assert [names[pk] for pk in job.created_ids] == [row["name"] for row in rows]
    for org in Org.objects.filter(pk__in=job.created_ids):
        version = org.versions.get()
        assert (version.valid_from, version.valid_to) == (D(2020, 1, 1), None)
        entry = JournalEntry.objects.get(entity="orgs.org", entity_id=org.pk)
        assert entry.action == "orgs.org.imported"
        assert entry.document == version.document
        assert entry.actor == users["county"]
    # Rows citing the same document share it: 吴编〔2020〕1号, 2号 and one without a number.
    assert Document.objects.filter(issuer="中共苏州市吴中区委机构编制委员会").count() == 3
    actions = JournalEntry.objects.filter(entity="orgs.importjob", entity_id=job.pk)
    assert list(actions.values_list("action", flat=True)) == [
        "orgs.import.created",
        "orgs.import.succeeded",
    ]


def test_utf8_csv_with_bom_imports(users, do_import):
    data = b"\xef\xbb\xbf" + csv_bytes([body("吴中区教育局"), body("吴中区财政局")])
    job = do_import(users["county"], "bodies.csv", data)
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert sorted(Org.objects.values_list("name", flat=True)) == ["吴中区教育局", "吴中区财政局"]


def test_gbk_csv_with_chinese_names_imports(users, do_import):
    rows = [body("吴中区教育局", category="政府机构"), body("吴中区审计局", rank="正科(乡)级")]
    data = csv_bytes(rows, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    job = do_import(users["county"], "机构.csv", data)
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert job.filename == "机构.csv"
    assert sorted(Org.objects.values_list("name", flat=True)) == ["吴中区审计局", "吴中区教育局"]
    assert Org.objects.get(name="吴中区审计局").rank == "section"


def test_one_bad_row_imports_nothing_and_names_the_row_and_the_rule(users, do_import):
    rows = [
        body("吴中区教育局", credit_code=CODE_A),
        body("吴中区财政局", credit_code=BAD_CODE),
        body("吴中区审计局"),
    ]
    job = do_import(users["county"], "bodies.xlsx", xlsx(rows))

    assert job.status == ImportJob.Status.FAILED
    assert job.created_count == 0 and job.created_ids == []
    assert not Org.objects.exists()
    assert not Document.objects.exists()
    [error] = job.errors
    assert error["row"] == 3  # the header is row 1
    assert error["column"] == "统一社会信用代码"
    assert error["value"] == BAD_CODE
    assert error["code"] == "uscc.checksum"
    assert "校验码" in error["message"] and "check character" in error["message_en"]
    assert JournalEntry.objects.filter(action="orgs.import.failed", entity_id=job.pk).exists()


def test_every_error_of_every_row_is_reported(users, do_import):
    rows = [
        body("吴中区教育局", credit_code=CODE_A),
        body("吴中区教育局", credit_code=CODE_A),
        body("", category="不存在的类别", established_on="2020-13-01"),
        body("东城区教育局", region_code="110101"),
        body("内设科室", category="internal"),
    ]
    job = do_import(users["county"], "bodies.xlsx", xlsx(rows))
    assert job.status == ImportJob.Status.FAILED
    assert errors_of(job) == [
        (3, "统一社会信用代码", "duplicate_in_file"),
        (3, "名称", "duplicate_in_file"),
        (4, "名称", "required"),
        (4, "设立日期", "date"),
        (4, "类别", "invalid"),
        (5, "行政区划代码", "out_of_scope"),
        (6, "上级机构", "invalid"),
    ]
    assert "第 2 行" in job.errors[0]["message"] and "row 2" in job.errors[0]["message_en"]
    assert not Org.objects.exists()


def test_duplicate_of_an_existing_active_body_is_refused(users, do_import):
    establish("吴中区教育局", credit_code=CODE_A)
    rows = [body("吴中区教育局"), body("吴中区财政局", credit_code=CODE_A)]
    job = do_import(users["county"], "bodies.xlsx", xlsx(rows))
    assert errors_of(job) == [(2, "名称", "duplicate"), (3, "统一社会信用代码", "duplicate")]


def test_internal_bodies_may_share_a_name_under_different_parents(users, do_import):
    rows = [
        body("吴中区教育局"),
        body("吴中区财政局"),
        body("办公室", category="internal", parent="吴中区教育局"),
        body("办公室", category="internal", parent="吴中区财政局"),
    ]
    job = do_import(users["county"], "bodies.xlsx", xlsx(rows))
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert Org.objects.filter(name="办公室").count() == 2


def test_references_that_cannot_be_resolved_or_form_a_cycle(users, do_import):
    establish("东城区教育委员会", region="110101")
    rows = [
        body("甲局", parent="乙局"),
        body("乙局", parent="甲局"),
        body("丙局", supervisor="东城区教育委员会"),  # outside the user's scope
        body("丁局", parent="丁局"),
    ]
    job = do_import(users["county"], "bodies.xlsx", xlsx(rows))
    assert errors_of(job) == [
        (2, "上级机构", "cycle"),
        (3, "上级机构", "cycle"),
        (4, "主管部门", "not_found"),
        (5, "上级机构", "cycle"),
    ]


def test_region_must_exist_on_the_date_of_establishment(users, do_import):
    # 320503 平江区 was merged into 姑苏区 in 2012.
    rows = [body("平江区教育局", region_code="320503"), body("某局", region_code="32050")]
    job = do_import(users["city"], "bodies.xlsx", xlsx(rows))
    assert errors_of(job) == [(2, "行政区划代码", "invalid"), (3, "行政区划代码", "invalid")]
    assert "2020-01-01" in job.errors[0]["message"]


def test_a_document_number_cannot_name_two_documents(users, do_import):
    rows = [body("甲局"), body("乙局", document_title="另一份文件")]
    job = do_import(users["county"], "bodies.xlsx", xlsx(rows))
    assert errors_of(job) == [(3, "文号", "duplicate_in_file")]


def test_exported_inactive_rows_are_refused(users, do_import):
    header = [*HEADER, "状态"]
    book = Workbook()
    book.active.append(header)
    book.active.append([*cells(body("甲局")), "已撤销"])
    book.active.append([*cells(body("乙局")), "现行"])
    out = io.BytesIO()
    book.save(out)
    job = do_import(users["county"], "export.xlsx", out.getvalue())
    assert errors_of(job) == [(2, "状态", "inactive")]


def test_missing_required_header_is_a_file_error(users, do_import):
    header = [h for h in HEADER if h != "类别"]
    job = do_import(users["county"], "bodies.xlsx", xlsx([], header=header))
    assert errors_of(job) == [(None, None, "file.missing_columns")]
    assert "类别" in job.errors[0]["message"]


def test_header_only_file_has_no_rows(users, do_import):
    job = do_import(users["county"], "bodies.csv", csv_bytes([]))
    assert errors_of(job) == [(None, None, "file.no_rows")]


@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("bodies.xlsx", b"", "file.empty"),
        ("report.pdf", b"%PDF-1.4 not a spreadsheet", "file.type"),
        ("bodies.xls", b"\xd0\xcf\x11\xe0 old excel", "file.type"),
        ("bodies.xlsx", b"name,region\n", "file.type"),
        ("bodies.csv", b"\x00\x01\x02binary", "file.type"),
    ],
)
def test_files_refused_on_upload(users, filename, data, code):
    with pytest.raises(InvalidInput) as err:
        importing.import_job_create(
            actor=users["county"], upload=SimpleUploadedFile(filename, data)
        )
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en
    assert not ImportJob.objects.exists()


def test_file_larger_than_the_limit_is_refused(users, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(InvalidInput) as err:
        importing.import_job_create(
            actor=users["county"], upload=SimpleUploadedFile("big.csv", b"x" * 101)
        )
    assert err.value.code == "file.too_large"


def test_damaged_xlsx_fails_the_job(users, do_import):
    job = do_import(users["county"], "bodies.xlsx", b"PK\x03\x04 this is not a zip archive")
    assert errors_of(job) == [(None, None, "file.type")]


def test_user_without_node_cannot_import(users):
    with pytest.raises(InvalidInput) as err:
        importing.import_job_create(
            actor=users["nobody"], upload=SimpleUploadedFile("a.csv", csv_bytes([body("甲局")]))
        )
    assert err.value.code == "no_node"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-01-02", D(2020, 1, 2)),
        ("2020/1/2", D(2020, 1, 2)),
        ("2020年1月2日", D(2020, 1, 2)),
        ("2020-01-02 00:00:00", D(2020, 1, 2)),
        (datetime.datetime(2020, 1, 2, 0, 0), D(2020, 1, 2)),
    ],
)
def test_dates_are_read_from_text_and_excel_cells(value, expected):
    assert importing._parse_date(value) == expected


@pytest.mark.parametrize("value", ["2020-02-30", "20200102", "next week", 43831])
def test_bad_dates_are_refused(value):
    with pytest.raises(InvalidInput) as err:
        importing._parse_date(value)
    assert err.value.code == "date"


def test_codes_are_accepted_as_codes_and_labels():
    assert importing.resolve_code("rank", "section") == "section"
    assert importing.resolve_code("rank", "正科（乡）级") == "section"
    assert importing.resolve_code("org_category", "Public institution") == "institution"
    assert importing.resolve_code("org_category", "不存在") == "不存在"


def test_progress_is_reported_while_validating_and_importing(users, monkeypatch):
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    rows = importing.read_table(
        "a.csv", csv_bytes([body(f"第{i}局", document_number="") for i in range(5)])
    )
    seen: list[int] = []
    plan = importing.validate_rows(rows, actor=users["county"], progress=seen.append)
    assert plan.errors == [] and seen == [2, 4]
    done: list[int] = []
    ids = importing.create_bodies(actor=users["county"], plan=plan, progress=done.append)
    assert len(ids) == 5 and done == [2, 4]


def test_a_job_already_run_is_not_run_again(users, do_import):
    job = do_import(users["county"], "bodies.csv", csv_bytes([body("甲局")]))
    assert importing.run_import.call(job.pk) == ImportJob.Status.SUCCEEDED
    assert Org.objects.count() == 1


def test_job_progress_is_saved_while_importing(users, do_import, monkeypatch):
    # On PostgreSQL the reports go through a second connection (core.import_jobs).
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 1)
    job = do_import(users["county"], "a.csv", csv_bytes([body(f"第{i}局") for i in range(3)]))
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.processed_rows, job.total_rows, job.created_count) == (3, 3, 3)

"""Bulk import of people onto posts: every row or none, checked row by row, quotas under lock."""

import datetime
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import include, path
from hypothesis import given, settings
from hypothesis import strategies as st
from ninja.testing import TestClient
from openpyxl import Workbook, load_workbook

from bianzhi.core.errors import InvalidInput
from bianzhi.core.identifiers import (
    IdentifierError,
    make_credit_code,
    ric_check_digit,
    validate_resident_id,
)
from bianzhi.core.models import JournalEntry
from bianzhi.personnel import importing
from bianzhi.personnel import services as people
from bianzhi.personnel.api_io import router as api_router
from bianzhi.personnel.importing import (
    COLUMNS,
    check_rows,
    checking,
    fast_identity,
    load,
    loading,
    open_table,
)
from bianzhi.personnel.importing.loading import ImportRefused
from bianzhi.personnel.models import Assignment, Person, PersonImportJob
from bianzhi.personnel.retirement import statutory_retirement
from bianzhi.staffing import services as staffing
from bianzhi.staffing.models import Quota
from bianzhi.testing import establish, make_document
from bianzhi.urls import urlpatterns as main_urls

D = datetime.date
pytestmark = pytest.mark.django_db
HEADER = [column.header for column in COLUMNS]


def rid(i: int, birth: str = "19900307", *, female: bool = False) -> str:
    """A valid resident ID: sequence i (odd = male)."""
    seq = 2 * i + (0 if female else 1)
    first17 = f"320506{birth}{seq:03d}"
    return first17 + ric_check_digit(first17)


def person_row(i: int, org: str = "吴中区统计局", **fields) -> dict:
    row = {
        "name": f"人员{i}",
        "resident_id": rid(i),
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "education": "本科",
        "cadre": "干部",
        "org": org,
        "est_type": "admin",
        "start_date": "2024-01-02",
        "entry_way": "exam",
        "document_issuer": "中共苏州市吴中区委组织部",
        "document_number": "吴组〔2024〕1号",
        "document_title": "关于录用公务员的通知",
        "document_date": "2023-12-20",
    }
    row.update(fields)
    return row


def cells(row: dict, header=COLUMNS) -> list:
    return [row.get(column.field, "") for column in header]


def csv_bytes(rows: list[dict], encoding: str = "utf-8", header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(cells(row)) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        values = cells(row)
        values[HEADER.index("入编日期")] = datetime.datetime.fromisoformat(row["start_date"])
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def bureau(db):
    org = establish("吴中区统计局", credit_code=make_credit_code("1", "1", "320506", "00000009"))
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=5,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    return org


def run(user, data: bytes, capture, filename: str = "people.csv") -> PersonImportJob:
    with capture(execute=True):
        job = importing.person_import_create(
            actor=user, upload=SimpleUploadedFile(filename, data, content_type="text/csv")
        )
    job.refresh_from_db()
    return job


@pytest.fixture
def do_import(users, django_capture_on_commit_callbacks):
    def go(data: bytes, filename: str = "people.csv", user=None):
        return run(user or users["county"], data, django_capture_on_commit_callbacks, filename)

    return go


def occupied(org) -> int:
    return Quota.objects.get(org=org, est_type="admin").occupied


def codes(job) -> list[tuple]:
    return [(e["row"], e["column"], e["code"]) for e in job.errors]


# --- loads ------------------------------------------------------------------------------------


def test_utf8_csv_loads_people_posts_counters_and_journal(bureau, do_import):
    rows = [person_row(i) for i in range(3)]
    rows[1].update(resident_id=rid(1, "19700115", female=True), cadre="工人")
    job = do_import(csv_bytes(rows))
    assert job.status == "succeeded", job.errors
    assert (job.persons_created, job.validated_rows, job.loaded_rows) == (3, 3, 3)
    assert occupied(bureau) == 3
    worker = Person.objects.get(resident_id=rid(1, "19700115", female=True))
    assert (worker.gender, worker.retirement_category) == ("F", "female_50")
    expected = statutory_retirement(D(1970, 1, 15), "female_50").month.first_day
    assert worker.retires_on == expected
    post = Assignment.objects.get(person=worker)
    assert (post.org_id, post.est_type, post.entry_way, post.end_date) == (
        bureau.pk,
        "admin",
        "exam",
        None,
    )
    assert post.quota == Quota.objects.get(org=bureau, est_type="admin")
    assert post.entry_document.number == "吴组〔2024〕1号"
    summary = JournalEntry.objects.get(action="personnel.import.loaded")
    assert summary.after["persons"] == 3 and summary.after["posts"][0]["count"] == 3
    assert summary.entity_id == job.pk and summary.actor_id == job.created_by_id
    assert _ids(summary.after["person_ids"]) == set(Person.objects.values_list("pk", flat=True))
    posts = set(Assignment.objects.values_list("pk", flat=True))
    assert _ids(summary.after["assignment_ids"]) == posts
    assert not JournalEntry.objects.filter(action="personnel.assignment.imported").exists()
    assert job.summary[0]["occupied"] == 3


def _ids(runs: list[list[int]]) -> set[int]:
    return {pk for first, last in runs for pk in range(first, last + 1)}


def test_an_entry_per_assignment_when_asked(bureau, do_import, monkeypatch):
    monkeypatch.setattr(loading, "JOURNAL_EACH_ASSIGNMENT", True)
    rows = [person_row(i, name=f"反斜杠\\{i}") for i in range(2)]
    job = do_import(csv_bytes(rows))
    entries = JournalEntry.objects.filter(action="personnel.assignment.imported")
    assert entries.count() == 2
    post = Assignment.objects.select_related("person").get(person__name="反斜杠\\1")
    entry = entries.get(entity_id=post.pk)
    assert entry.after["person_id"] == post.person_id and entry.after["start_date"] == "2024-01-02"
    assert entry.after["import_job_id"] == job.pk and entry.entity_uid == post.uid
    assert entry.document_id == post.entry_document_id and entry.actor_id == job.created_by_id
    assert entry.effective_date == D(2024, 1, 2)


def test_gbk_csv_with_labels_for_codes_loads(bureau, do_import):
    rows = [person_row(i, est_type="行政编制", entry_way="考录", name=f"欧阳{i}") for i in range(2)]
    job = do_import(csv_bytes(rows, "gbk"))
    assert job.status == "succeeded", job.errors
    assert sorted(Person.objects.values_list("name", flat=True)) == ["欧阳0", "欧阳1"]
    assert set(Assignment.objects.values_list("est_type", "entry_way")) == {("admin", "exam")}


def test_xlsx_loads(bureau, do_import):
    job = do_import(xlsx_bytes([person_row(0), person_row(1)]), "people.xlsx")
    assert job.status == "succeeded", job.errors
    assert Assignment.objects.filter(start_date=D(2024, 1, 2)).count() == 2


def test_body_given_by_id_or_credit_code(bureau, do_import):
    rows = [person_row(0, org=str(bureau.pk)), person_row(1, org=bureau.credit_code)]
    assert do_import(csv_bytes(rows)).status == "succeeded"
    assert occupied(bureau) == 2


def test_one_document_is_registered_once(bureau, do_import):
    do_import(csv_bytes([person_row(i) for i in range(3)]))
    assert Assignment.objects.values("entry_document").distinct().count() == 1


# --- refusals: nothing is imported ------------------------------------------------------------


def test_bad_checksum_imports_nothing_and_names_row_column_and_rule(bureau, do_import):
    rows = [person_row(i) for i in range(3)]
    rows[1]["resident_id"] = rid(1)[:17] + ("0" if rid(1)[17] != "0" else "1")
    job = do_import(csv_bytes(rows))
    assert job.status == "failed"
    assert codes(job) == [(3, "公民身份号码", "ric.checksum")]
    assert "校验码" in job.errors[0]["message"] and job.errors[0]["message_en"]
    assert (Person.objects.count(), Assignment.objects.count(), occupied(bureau)) == (0, 0, 0)


def test_bad_birth_date_in_the_id(bureau, do_import):
    first17 = "32050619901301001"
    job = do_import(csv_bytes([person_row(0, resident_id=first17 + ric_check_digit(first17))]))
    assert codes(job) == [(2, "公民身份号码", "ric.birth_date")]


def test_duplicate_within_the_file(bureau, do_import):
    rows = [person_row(0), person_row(1), person_row(2, resident_id=rid(0))]
    job = do_import(csv_bytes(rows))
    assert codes(job) == [(4, "公民身份号码", "duplicate_in_file")]
    assert "第 2 行" in job.errors[0]["message"]
    assert Person.objects.count() == 0


def test_duplicate_against_the_register(bureau, do_import):
    people.person_register(actor=None, resident_id=rid(1), name="已登记")
    job = do_import(csv_bytes([person_row(0), person_row(1)]))
    assert codes(job) == [(3, "公民身份号码", "duplicate")]
    assert Person.objects.count() == 1 and Assignment.objects.count() == 0


def test_more_rows_than_vacancy_are_over_quota(bureau, do_import):
    job = do_import(csv_bytes([person_row(i) for i in range(7)]))
    assert job.status == "failed"
    assert codes(job) == [(7, "机构", "over_quota"), (8, "机构", "over_quota")]
    message = job.errors[0]["message"]
    assert "核定 5 名" in message and "实有 0 名" in message and "预留 0 名" in message
    assert "本文件拟进 7 名" in message and "吴中区统计局" in message
    assert (Person.objects.count(), occupied(bureau)) == (0, 0)


def test_frozen_quota_takes_no_one(bureau, do_import):
    staffing.quota_freeze(
        actor=None,
        org=bureau,
        est_type="admin",
        frozen=True,
        document=make_document(),
        effective_date=D(2024, 1, 1),
    )
    job = do_import(csv_bytes([person_row(0)]))
    assert codes(job) == [(2, "编制类型", "quota_frozen")]


def test_body_outside_scope_is_not_found(bureau, do_import):
    establish("北京市东城区统计局", region="110101")
    job = do_import(csv_bytes([person_row(0, org="北京市东城区统计局")]))
    assert codes(job) == [(2, "机构", "not_found")]


def test_missing_column_is_a_file_error(bureau, do_import):
    header = [h for h in HEADER if h != "入编方式"]
    lines = [",".join(header), ",".join(v for k, v in person_row(0).items() if k != "entry_way")]
    job = do_import("\n".join(lines).encode())
    assert codes(job) == [(None, None, "file.missing_columns")]
    assert "入编方式" in job.errors[0]["message"]


def test_every_error_of_every_row_is_listed(bureau, do_import):
    rows = [
        person_row(0, name="", start_date="2024-13-01"),
        person_row(1, est_type="nonsense", entry_way="", cadre="学生"),
        person_row(2, start_date="2000-01-01"),
        person_row(3, document_number="吴组〔2024〕1号", document_title="另一份文件"),
    ]
    job = do_import(csv_bytes(rows))
    assert codes(job) == [
        (2, "姓名", "required"),
        (2, "入编日期", "date"),
        (3, "干部/工人", "invalid"),
        (3, "编制类型", "invalid_code"),
        (3, "入编方式", "required"),
        (4, "入编日期", "too_early"),
        (5, "文号", "duplicate_in_file"),
    ]


def test_error_report_is_capped(bureau, do_import, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ERRORS", 2)
    rows = [person_row(i, entry_way="") for i in range(4)]
    job = do_import(csv_bytes(rows))
    assert job.error_count == 4
    assert [e["code"] for e in job.errors] == ["required", "required", "too_many_errors"]


def test_gender_and_birth_date_columns_must_agree_with_the_id(bureau, do_import):
    header = [*HEADER, "性别", "出生日期"]
    row = person_row(0)
    line = ",".join([*cells(row), "女", "1990-03-08"])
    job = do_import(f"{','.join(header)}\n{line}\n".encode())
    assert codes(job) == [(2, "性别", "ric.inconsistent"), (2, "出生日期", "ric.inconsistent")]


def test_unreadable_csv_and_wrong_type_are_refused(users, do_import):
    job = do_import(b"\x80\x80\x80,\x80\n", "people.csv")
    assert codes(job) == [(None, None, "file.encoding")]
    with pytest.raises(InvalidInput) as err:
        importing.person_import_create(
            actor=users["county"], upload=SimpleUploadedFile("people.xls", b"\xd0\xcf\x11\xe0")
        )
    assert err.value.code == "file.type"


# --- the load re-checks under the counter locks -----------------------------------------------


def check(user, rows: list[dict], spool):
    handle = io.BytesIO(csv_bytes(rows))
    with open_table("people.csv", handle) as table:
        return check_rows(table.rows, table.columns, actor=user, spool=spool)


def test_load_rechecks_the_quota_taken_meanwhile(bureau, users, tmp_path):
    job = PersonImportJob.objects.create(
        created_by=users["county"], region_code="320506", filename="x.csv", sha256="", size=1
    )
    with open(tmp_path / "spool", "w+", encoding="utf-8", newline="") as spool:
        checked = check(users["county"], [person_row(i) for i in range(5)], spool)
        assert checked.errors.count == 0
        meanwhile = people.person_register(actor=None, resident_id=rid(9), name="抢先")
        people.assignment_onboard(
            actor=None,
            person=meanwhile,
            org=bureau,
            est_type="admin",
            start_date=D(2024, 1, 1),
            entry_way="exam",
            document=make_document(),
        )
        with pytest.raises(ImportRefused) as err:
            load(actor=users["county"], job=job, checked=checked)
    assert [e["code"] for e in err.value.errors] == ["over_quota"]
    assert "实有 1 名" in err.value.errors[0]["message"]
    assert (Person.objects.count(), occupied(bureau)) == (1, 1)


def test_progress_is_reported_while_checking(bureau, users, monkeypatch, tmp_path):
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    seen = []
    with open(tmp_path / "spool", "w+", encoding="utf-8", newline="") as spool:
        handle = io.BytesIO(csv_bytes([person_row(i) for i in range(5)]))
        with open_table("people.csv", handle) as table:
            assert table.estimate == 5
            check_rows(
                table.rows, table.columns, actor=users["county"], spool=spool, progress=seen.append
            )
    assert seen == [2, 4]


# --- resident IDs: the short path agrees with the full check ----------------------------------


def _outcome(check_id, text: str, today: D):
    try:
        return (
            check_id(text, today=today)
            if check_id is validate_resident_id
            else check_id(text, today)
        )
    except IdentifierError as exc:
        return exc.code


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789Xx -", min_size=15, max_size=20),
        st.builds(
            lambda body, tail: body + tail,
            st.text(alphabet="0123456789", min_size=17, max_size=17),
            st.sampled_from("0123456789Xx"),
        ),
        st.builds(
            lambda day, seq: (lambda f: f + ric_check_digit(f))(f"320506{day:%Y%m%d}{seq:03d}"),
            st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
            st.integers(0, 999),
        ),
    )
)
def test_fast_identity_agrees_with_validate_resident_id(text):
    today = D(2026, 1, 1)
    assert _outcome(fast_identity, text, today) == _outcome(validate_resident_id, text, today)


# --- PostgreSQL: the COPY path ----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY needs PostgreSQL")
def test_copy_path_writes_people_with_their_retirement_month(bureau, do_import):
    assert connection.vendor == "postgresql"
    rows = [person_row(i, name=f"反斜杠\\{i}") for i in range(4)]
    rows[3]["resident_id"] = rid(3, "19680229", female=True)
    job = do_import(csv_bytes(rows))
    assert job.status == "succeeded", job.errors
    woman = Person.objects.get(resident_id=rid(3, "19680229", female=True))
    assert woman.name == "反斜杠\\3" and woman.retirement_category == "female_55"
    assert woman.retires_on == statutory_retirement(D(1968, 2, 29), "female_55").month.first_day
    assert woman.uid and woman.origin_node and woman.created_at
    summary = JournalEntry.objects.get(action="personnel.import.loaded")
    assert _ids(summary.after["person_ids"]) == set(Person.objects.values_list("pk", flat=True))
    assert len(summary.after["assignment_ids"]) == 1
    assert occupied(bureau) == 4


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_imports_never_overshoot(nodes, tmp_path):
    from bianzhi.testing import make_user

    user = make_user("racer", nodes["county"])
    org = establish("吴中区应急管理局")
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=3,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    files = [[person_row(i + 10 * k, org=org.name) for i in range(2)] for k in range(3)]
    checked = []
    for k, rows in enumerate(files):
        spool = open(tmp_path / f"spool{k}", "w+", encoding="utf-8", newline="")  # noqa: SIM115
        checked.append((spool, check(user, rows, spool)))
    job = PersonImportJob.objects.create(
        created_by=user, region_code="320506", filename="x.csv", sha256="", size=1
    )
    outcomes = []
    barrier = threading.Barrier(len(checked))

    def go(item):
        barrier.wait()
        try:
            load(actor=user, job=job, checked=item[1])
            outcomes.append("ok")
        except ImportRefused as exc:
            outcomes.append(exc.errors[0]["code"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(item,)) for item in checked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for spool, _checked in checked:
        spool.close()
    assert sorted(outcomes) == ["ok", "over_quota", "over_quota"]
    assert occupied(org) == 2 == Assignment.objects.filter(org=org).count()


# --- pages and API ----------------------------------------------------------------------------

urlpatterns = [path("persons/import/", include("bianzhi.personnel.urls_io")), *main_urls]
pages = pytest.mark.urls(__name__)


@pytest.fixture
def clerk_client(client, users):
    client.force_login(users["county"])
    return client


@pages
def test_import_page_is_for_importers_only(client, users, clerk_client):
    assert clerk_client.get("/persons/import/").status_code == 200
    client.force_login(users["viewer"])
    assert client.get("/persons/import/").status_code == 403


@pages
def test_upload_leads_to_the_job_page_with_the_posts_taken(
    bureau, clerk_client, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("people.csv", csv_bytes([person_row(0), person_row(1)]))
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post("/persons/import/", {"file": upload})
    job = PersonImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/persons/import/{job.pk}/"
    page = clerk_client.get(response.url).content.decode()
    assert "吴中区统计局" in page and "job-succeeded" in page and "hx-get" not in page
    assert clerk_client.get("/persons/import/").content.decode().count("people.csv") == 1


@pages
def test_failed_job_page_lists_row_column_and_rule(
    bureau, clerk_client, django_capture_on_commit_callbacks
):
    rows = [person_row(0), person_row(1, resident_id=rid(0))]
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post(
            "/persons/import/", {"file": SimpleUploadedFile("p.csv", csv_bytes(rows))}
        )
    page = clerk_client.get(response.url).content.decode()
    assert "duplicate_in_file" in page and "公民身份号码" in page and "<td>3</td>" in page


@pages
def test_refused_upload_shows_the_problem_on_the_form(clerk_client):
    upload = SimpleUploadedFile("people.xls", b"\xd0\xcf\x11\xe0")
    response = clerk_client.post("/persons/import/", {"file": upload})
    assert response.status_code == 200 and ".xlsx" in response.content.decode()
    assert not PersonImportJob.objects.exists()


@pages
def test_running_job_is_polled_with_a_progress_bar(clerk_client, users):
    job = PersonImportJob.objects.create(
        created_by=users["county"],
        region_code="320506",
        filename="big.csv",
        sha256="0" * 64,
        size=10,
        status="validating",
        total_rows=1000,
        validated_rows=400,
    )
    response = clerk_client.get(f"/persons/import/{job.pk}/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="400" max="1000"' in body
    assert "<html" not in body


@pages
def test_jobs_of_other_regions_are_not_found(client, users):
    job = PersonImportJob.objects.create(
        created_by=users["outsider"], region_code="110000", filename="x.csv", sha256="", size=1
    )
    client.force_login(users["county"])
    assert client.get(f"/persons/import/{job.pk}/").status_code == 404


@pages
def test_template_lists_the_columns_and_codes(clerk_client):
    response = clerk_client.get("/persons/import/template.xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header == HEADER
    notes = [row[1] for row in book.worksheets[1].iter_rows(values_only=True) if row]
    assert "admin" in notes and "exam" in notes


def test_api_creates_and_reports_a_job(bureau, users, django_capture_on_commit_callbacks):
    api = TestClient(api_router)
    upload = SimpleUploadedFile("people.csv", csv_bytes([person_row(0)]))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/persons/imports", FILES={"file": upload}, user=users["county"])
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    body = api.get(f"/persons/imports/{job_id}", user=users["county"]).json()
    assert (body["status"], body["persons_created"], body["errors"]) == ("succeeded", 1, [])
    assert body["summary"][0]["occupied"] == 1
    assert api.get(f"/persons/imports/{job_id}", user=users["outsider"]).status_code == 404
    assert api.get(f"/persons/imports/{job_id}", user=users["viewer"]).status_code == 403


# --- PostgreSQL outside a transaction: checking and writing at once ---------------------------


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(checking, "REGISTER_CHUNK", 2)
    monkeypatch.setattr(loading, "PG_CHUNK", 3)


def _bureau(approved: int):
    org = establish("吴中区统计局")
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=approved,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    return org


def _upload(user, rows: list[dict]) -> PersonImportJob:
    upload = SimpleUploadedFile("people.csv", csv_bytes(rows))
    job = importing.person_import_create(actor=user, upload=upload)  # runs at the commit
    job.refresh_from_db()
    return job


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipeline needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pipeline_loads_a_file_in_chunks(users, small_chunks, monkeypatch):
    writes = []
    real_write = loading.PgWriter.write
    monkeypatch.setattr(
        loading.PgWriter, "write", lambda self, *a: writes.append(a[1:]) or real_write(self, *a)
    )
    org = _bureau(10)
    rows = [person_row(i) for i in range(8)]
    rows[5]["document_number"], rows[5]["document_title"] = "吴组〔2024〕2号", "第二批"
    job = _upload(users["county"], rows)
    assert job.status == "succeeded", job.errors
    assert (job.persons_created, job.loaded_rows, occupied(org)) == (8, 8, 8)
    assert Assignment.objects.values("entry_document").distinct().count() == 2
    assert [rows for rows, _end in writes] == [4, 8]  # while checking, then the rest
    summary = JournalEntry.objects.get(action="personnel.import.loaded")
    assert _ids(summary.after["person_ids"]) == set(Person.objects.values_list("pk", flat=True))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipeline needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pipeline_rolls_back_chunks_written_before_a_bad_row(users, small_chunks):
    org = _bureau(10)
    rows = [person_row(i) for i in range(8)]
    rows[7]["resident_id"] = rid(7)[:17] + ("0" if rid(7)[17] != "0" else "1")
    job = _upload(users["county"], rows)
    assert codes(job) == [(9, "公民身份号码", "ric.checksum")]
    assert (Person.objects.count(), Assignment.objects.count(), occupied(org)) == (0, 0, 0)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipeline needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pipeline_refuses_over_quota_and_keeps_nothing(users, small_chunks):
    org = _bureau(4)
    job = _upload(users["county"], [person_row(i) for i in range(6)])
    assert [e["code"] for e in job.errors] == ["over_quota", "over_quota"]
    assert (Person.objects.count(), occupied(org)) == (0, 0)

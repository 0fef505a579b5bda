"""Import and export pages and API routes: permissions, scope, progress and error reports."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from bianzhi.orgs.importing import ImportJob
from bianzhi.orgs.models import Org
from bianzhi.orgs.tests.test_importing import BAD_CODE, body, csv_bytes, media, xlsx  # noqa: F401
from bianzhi.testing import establish

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs"


@pytest.fixture
def clerk_client(client, users):
    client.force_login(users["county"])
    return client


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def post_import(client, capture, data: bytes, name: str = "bodies.xlsx"):
    with capture(execute=True):
        return client.post("/orgs/import/", {"file": upload(name, data)})


def test_import_page_renders_for_clerks_only(client, users):
    client.force_login(users["county"])
    response = client.get("/orgs/import/")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert "/orgs/import/template.xlsx" in response.text
    assert "style=" not in response.text and "<script>" not in response.text
    client.force_login(users["viewer"])
    assert client.get("/orgs/import/").status_code == 403


def test_upload_of_a_valid_file_leads_to_the_job_page(
    clerk_client, django_capture_on_commit_callbacks
):
    response = post_import(
        clerk_client, django_capture_on_commit_callbacks, xlsx([body("吴中区教育局")])
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orgs/import/{job.pk}/"
    page = clerk_client.get(response["Location"])
    assert page.status_code == 200
    org = Org.objects.get(name="吴中区教育局")
    assert f'href="/orgs/{org.pk}/"' in page.text
    assert "hx-trigger" not in page.text  # finished: no more polling
    listing = clerk_client.get("/orgs/import/")
    assert "bodies.xlsx" in listing.text


def test_job_page_lists_the_bad_row_and_the_rule(clerk_client, django_capture_on_commit_callbacks):
    rows = [body("吴中区教育局"), body("吴中区财政局", credit_code=BAD_CODE)]
    response = post_import(clerk_client, django_capture_on_commit_callbacks, xlsx(rows))
    page = clerk_client.get(response["Location"])
    assert page.status_code == 200
    assert not Org.objects.exists()
    assert "<td>3</td><td>统一社会信用代码</td>" in page.text
    assert BAD_CODE in page.text and "uscc.checksum" in page.text
    assert "统一社会信用代码校验码" in page.text


def test_refused_upload_shows_the_problem_on_the_form(clerk_client):
    response = clerk_client.post("/orgs/import/", {"file": upload("report.pdf", b"%PDF-1.4")})
    assert response.status_code == 200
    assert "只能导入 Excel" in response.text
    assert not ImportJob.objects.exists()


def test_running_job_is_polled_with_a_progress_bar(clerk_client, users):
    job = ImportJob.objects.create(
        created_by=users["county"],
        region_code="320506",
        file="imports/x.csv",
        filename="x.csv",
        sha256="0" * 64,
        size=10,
        status=ImportJob.Status.VALIDATING,
        total_rows=200,
        processed_rows=50,
    )
    page = clerk_client.get(f"/orgs/import/{job.pk}/")
    assert 'hx-trigger="every 1s"' in page.text
    partial = clerk_client.get(f"/orgs/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert '<progress class="import-progress" value="50" max="200">' in partial.text
    assert 'hx-trigger="every 1s"' in partial.text


def test_jobs_outside_the_users_scope_are_not_found(
    client, users, django_capture_on_commit_callbacks
):
    client.force_login(users["county"])
    post_import(client, django_capture_on_commit_callbacks, xlsx([body("吴中区教育局")]))
    job = ImportJob.objects.get()
    client.force_login(users["outsider"])
    assert client.get(f"/orgs/import/{job.pk}/").status_code == 404
    assert "bodies.xlsx" not in client.get("/orgs/import/").text
    client.force_login(users["province"])
    assert client.get(f"/orgs/import/{job.pk}/").status_code == 200


def test_template_download(client, users):
    client.force_login(users["viewer"])
    response = client.get("/orgs/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["机构", "说明"]


def test_export_view_uses_the_search_filters(client, users):
    establish("吴中区教育局")
    establish("吴中区财政局")
    establish("苏州市教育局", region="320500")
    client.force_login(users["viewer"])
    response = client.get("/orgs/export.xlsx", {"q": "教育局", "region": "320506"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    names = [row[1] for row in book["机构"].iter_rows(min_row=2, values_only=True)]
    assert names == ["吴中区教育局"]


def test_anonymous_users_are_sent_to_login(client):
    for url in ("/orgs/import/", "/orgs/import/template.xlsx", "/orgs/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def api_client(client, users):
    client.force_login(users["county"])
    return client


def api_import(client, capture, name: str, data: bytes):
    with capture(execute=True):
        response = client.post(f"{API}/imports", {"file": upload(name, data)})
    return response


def test_api_import_of_a_valid_file(api_client, django_capture_on_commit_callbacks):
    response = api_import(
        api_client, django_capture_on_commit_callbacks, "bodies.csv", csv_bytes([body("甲局")])
    )
    assert response.status_code == 201
    job_id = response.json()["id"]
    job = api_client.get(f"{API}/imports/{job_id}").json()
    assert job["status"] == "succeeded"
    assert (job["total_rows"], job["created_count"], job["errors"]) == (1, 1, [])
    assert job["created_ids"] == [Org.objects.get(name="甲局").pk]


def test_api_import_with_a_bad_row_reports_errors(api_client, django_capture_on_commit_callbacks):
    rows = [body("甲局"), body("乙局", credit_code=BAD_CODE)]
    response = api_import(api_client, django_capture_on_commit_callbacks, "b.xlsx", xlsx(rows))
    assert response.status_code == 201
    job = api_client.get(f"{API}/imports/{response.json()['id']}").json()
    assert job["status"] == "failed" and job["created_count"] == 0
    assert job["errors"] == [
        {
            "row": 3,
            "column": "统一社会信用代码",
            "field": "credit_code",
            "value": BAD_CODE,
            "code": "uscc.checksum",
            "message": "统一社会信用代码校验码（第18位）错误",
            "message_en": "the unified social credit code check character (position 18) is wrong",
        }
    ]
    assert not Org.objects.exists()


def test_api_refuses_a_non_spreadsheet_with_400(api_client):
    response = api_client.post(f"{API}/imports", {"file": upload("notes.txt", b"hello")})
    assert response.status_code == 400
    assert response.json()["code"] == "file.type"
    assert response.json()["message_en"]


def test_api_job_outside_scope_is_404(api_client, users, django_capture_on_commit_callbacks):
    response = api_import(
        api_client, django_capture_on_commit_callbacks, "a.csv", csv_bytes([body("甲局")])
    )
    api_client.force_login(users["outsider"])
    assert api_client.get(f"{API}/imports/{response.json()['id']}").status_code == 404


def test_api_needs_the_permissions(api_client, users):
    api_client.force_login(users["viewer"])
    assert api_client.post(f"{API}/imports", {"file": upload("a.csv", b"x")}).status_code == 403
    assert api_client.get(f"{API}/export.xlsx").status_code == 200
    api_client.logout()
    assert api_client.get(f"{API}/export.xlsx").status_code == 401


def test_api_export_uses_the_same_filters_as_the_search(api_client):
    establish("吴中区教育局")
    establish("吴中区财政局")
    response = api_client.get(f"{API}/export.xlsx", {"q": "财政"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert [row[1] for row in book["机构"].iter_rows(min_row=2, values_only=True)] == [
        "吴中区财政局"
    ]

"""The portal pages, asked anonymously: search, an institution, notices, verification."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bianzhi.registration import services

pytestmark = pytest.mark.django_db


def _codes(response) -> list[str]:
    return re.findall(r'data-code="([0-9A-Z]{18})"', response.content.decode())


def test_search_page_without_a_query_lists_nothing_and_offers_the_regions(client, world):
    response = client.get(reverse("public:search"))
    assert response.status_code == 200
    html = response.content.decode()
    assert _codes(response) == []
    assert 'value="320000"' in html and 'value="320500"' in html
    assert 'value="320506"' not in html  # counties appear once their city is chosen


def test_search_by_name_finds_the_substring_in_credit_code_order(client, world):
    response = client.get(reverse("public:search"), {"q": "实验小学"})
    assert response.status_code == 200
    assert _codes(response) == sorted([world.school.credit_code, world.beijing.credit_code])
    assert "苏州市吴中区实验小学" in response.content.decode()


def test_search_by_credit_code_is_exact(client, world):
    response = client.get(reverse("public:search"), {"code": world.hospital.credit_code.lower()})
    assert _codes(response) == [world.hospital.credit_code]
    html = response.content.decode()
    assert "pst-registered" in html


def test_a_malformed_credit_code_names_the_rule_in_both_languages(client, world):
    response = client.get(reverse("public:search"), {"code": "12100000400005852X", "q": "小学"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="code"' in html
    assert "校验码" in html and "check character" in html
    assert 'value="12100000400005852X"' in html and 'value="小学"' in html  # kept
    assert _codes(response) == []


def test_search_by_region_prefix(client, world):
    response = client.get(reverse("public:search"), {"region": "110000"})
    assert _codes(response) == [world.beijing.credit_code]
    county = client.get(reverse("public:search"), {"region": "320506"})
    assert len(_codes(county)) == 4
    html = county.content.decode()
    assert 'value="320506" selected' in html  # the city's counties are offered now
    bad = client.get(reverse("public:search"), {"region": "3205x"})
    assert bad.status_code == 400
    assert 'data-field="region"' in bad.content.decode()


def test_search_pages_by_keyset(client, world, monkeypatch):
    monkeypatch.setattr("bianzhi.public.queries.PAGE_SIZE", 2)
    first = client.get(reverse("public:search"), {"region": "32"})
    codes = _codes(first)
    assert len(codes) == 2
    match = re.search(r'id="next-page" href="\?([^"]+)"', first.content.decode())
    assert match is not None
    query = match.group(1).replace("&amp;", "&")
    second = client.get(reverse("public:search") + "?" + query)
    rest = _codes(second)
    assert len(rest) == 2 and rest[0] > codes[-1]
    assert 'id="next-page"' not in second.content.decode()


def test_institution_page_shows_items_certificate_and_notices(client, world):
    response = client.get(reverse("public:institution", args=[world.school.credit_code]))
    assert response.status_code == 200
    html = response.content.decode()
    for value in ("苏州市吴中区实验小学", "苏州市吴中区东吴北路101号", "王明", "吴中区委编办"):
        assert value in html
    assert world.certificate.number in html
    assert world.first_certificate.number not in html  # replaced: not the current one
    assert world.establish_notice.title in html
    assert "pst-valid" in html
    reports = html.split('id="annual-reports"', 1)[1].split('id="certificate"', 1)[0]
    assert "开展课后服务 120 场。" in reports and "1000.25" in reports and "2024" in reports


def test_unpublished_annual_reports_are_not_shown(client, world):
    html = client.get(reverse("public:institution", args=[world.hospital.credit_code]))
    reports = html.content.decode().split('id="annual-reports"', 1)[1]
    assert "No annual report published yet." in reports or "尚无公示的年度报告" in reports


@pytest.mark.parametrize(
    ("which", "institution_status", "certificate_status"),
    [
        ("hospital", "registered", "suspended"),
        ("archive", "cancelled", "cancelled"),
        ("station", "revoked", "revoked"),
    ],
)
def test_institution_page_statuses(client, world, which, institution_status, certificate_status):
    institution = getattr(world, which)
    html = client.get(reverse("public:institution", args=[institution.credit_code])).content
    html = html.decode()
    assert f'<span id="institution-status"><span class="badge pst-{institution_status}">' in html
    certificate = html.split('id="certificate"', 1)[1]
    assert f"pst-{certificate_status}" in certificate


def test_unknown_institution_is_a_bilingual_404(client, world):
    response = client.get(reverse("public:institution", args=["121000004000123696"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "没有统一社会信用代码" in html and "no registered institution" in html


def test_notices_newest_first_and_filtered(client, world):
    response = client.get(reverse("public:notices"))
    html = response.content.decode()
    ids = [int(i) for i in re.findall(r'data-notice="(\d+)"', html)]
    assert ids == [world.cancel_notice.pk, world.establish_notice.pk]
    by_kind = client.get(reverse("public:notices"), {"kind": "establish"}).content.decode()
    assert re.findall(r'data-notice="(\d+)"', by_kind) == [str(world.establish_notice.pk)]
    by_text = client.get(reverse("public:notices"), {"q": "档案"}).content.decode()
    assert re.findall(r'data-notice="(\d+)"', by_text) == [str(world.cancel_notice.pk)]
    elsewhere = client.get(reverse("public:notices"), {"region": "110000"}).content.decode()
    assert re.findall(r'data-notice="(\d+)"', elsewhere) == []
    bad = client.get(reverse("public:notices"), {"kind": "secret"})
    assert bad.status_code == 400 and 'data-field="kind"' in bad.content.decode()


def test_notice_page_shows_the_public_body_only(client, world):
    response = client.get(reverse("public:notice", args=[world.establish_notice.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.establish_notice.number in html and world.school.credit_code in html
    assert "苏州市吴中区东吴北路101号" in html
    assert client.get(reverse("public:notice", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("which", "status", "wording"),
    [
        ("certificate", "valid", "有效"),
        ("first_certificate", "replaced", "作废"),
    ],
)
def test_verify_by_token(client, world, which, status, wording):
    certificate = getattr(world, which)
    response = client.get(reverse("public:verify", args=[certificate.token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-status="{status}"' in html and wording in html
    assert world.school.name in html and world.school.credit_code in html
    assert certificate.valid_to.isoformat() in html and certificate.issued_on.isoformat() in html
    if status == "replaced":
        assert f'<dd class="mono" id="replaced-by">{world.certificate.number}</dd>' in html


@pytest.mark.parametrize(
    ("which", "status", "wording"),
    [
        ("hospital", "suspended", "暂扣"),
        ("archive", "cancelled", "注销"),
        ("station", "revoked", "吊销"),
    ],
)
def test_verify_shows_suspended_revoked_and_cancelled(client, world, which, status, wording):
    certificate = getattr(world, which).certificates.get()
    response = client.get(reverse("public:verify", args=[certificate.token]))
    html = response.content.decode()
    assert f'data-status="{status}"' in html and wording in html
    assert getattr(world, which).name in html


def test_verify_lookup_by_number_or_its_digits(client, world):
    form = client.get(reverse("public:verify_lookup"))
    assert form.status_code == 200 and 'name="number"' in form.content.decode()
    number = world.certificate.number
    found = client.get(reverse("public:verify_lookup"), {"number": number})
    assert 'data-status="valid"' in found.content.decode()
    digits = re.sub(r"\D", "", number)
    assert (
        'data-status="valid"'
        in client.get(reverse("public:verify_lookup"), {"number": digits}).content.decode()
    )


def test_unknown_certificate_is_a_bilingual_404(client, world):
    for response in (
        client.get(reverse("public:verify", args=["no-such-token"])),
        client.get(reverse("public:verify_lookup"), {"number": "事证第999999999999号"}),
    ):
        assert response.status_code == 404
        html = response.content.decode()
        assert "查无此证书" in html and "no certificate found" in html


def test_pages_are_chinese_by_default_and_need_no_login(client, world):
    for url in (
        reverse("public:search"),
        reverse("public:notices"),
        reverse("public:verify_lookup"),
        reverse("public:institution", args=[world.school.credit_code]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans">' in response.content.decode()


def test_verify_says_when_the_validity_has_ended(client, world):
    certificate = world.beijing.certificates.get()  # valid, issued 2021-03-01 for five years
    html = client.get(reverse("public:verify", args=[certificate.token])).content.decode()
    ended = certificate.valid_to < timezone.localdate()
    assert f'data-expired="{int(ended)}"' in html
    assert ("verdict-expired" in html) == ended
    assert certificate.valid_to.isoformat() in html


def test_a_change_notice_shows_the_changed_items_and_the_certificates(client, world):
    notice = services.notice_publish(
        actor=None,
        institution=world.school,
        kind="change",
        title="苏州市吴中区实验小学变更登记公告",
        body={
            **services.public_items(world.school),
            "certificate": world.certificate.number,
            "void_certificate": world.first_certificate.number,
            "changes": {"legal_rep": {"before": "张旧", "after": "王明"}, "remarks": "x"},
            "applicant": "secret-applicant",
        },
    )
    html = client.get(reverse("public:notice", args=[notice.pk])).content.decode()
    assert "张旧 → 王明" in html
    assert world.certificate.number in html and world.first_certificate.number in html
    assert "secret-applicant" not in html
    body = client.get(f"/api/v1/notices/{notice.pk}").json()["body"]
    assert body["changes"] == {"legal_rep": {"before": "张旧", "after": "王明"}}
    assert {"certificate", "void_certificate"} <= set(body) and "applicant" not in body

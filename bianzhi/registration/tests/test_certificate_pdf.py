"""The certificate PDF: page size per copy, every printed item readable, the QR code's address,
an embedded font subset, reproducible bytes, and a replaced certificate's own number."""

import datetime
import hashlib
import io
import re

import pytest
from django.utils import translation
from pypdf import PdfReader

from bianzhi.core.errors import InvalidInput
from bianzhi.registration.certificate_pdf import (
    capital_text,
    chinese_label,
    render_certificate_pdf,
    verification_url,
)
from bianzhi.registration.models import CertificateStatus, FundingSource, InstitutionStatus
from bianzhi.registration.services import certificate_issue
from bianzhi.registration.testing import make_institution

ON = datetime.date(2026, 11, 28)
PURPOSE = (
    "开展档案收集、整理、保管和利用工作，为社会提供档案查阅服务；"
    "组织档案数字化建设，承担档案安全保护、鉴定、开发利用和宣传教育等公益服务。" * 3
)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(pdf: bytes) -> str:
    return squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def certificate(nodes, settings):
    settings.PUBLIC_BASE_URL = "https://djgl.example.gov.cn"
    institution = make_institution(
        "苏州市吴中区档案馆",
        registrar=nodes["county"],
        on=ON,
        purpose=PURPOSE,
        capital="12.50",
        funding_source="partial",
    )
    return institution.certificates.get()


def test_verification_url(certificate):
    assert verification_url(certificate) == (
        f"https://djgl.example.gov.cn/portal/verify/{certificate.token}/"
    )


@pytest.mark.parametrize(
    ("copy", "width", "height", "label"),
    [("original", 842, 595, "（正本）"), ("duplicate", 595, 842, "（副本）")],
)
def test_the_page_is_a4_in_the_copys_orientation(certificate, copy, width, height, label):
    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate, copy=copy)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (width, height)
    assert "事业单位法人证书" + label in text_of(render_certificate_pdf(certificate, copy=copy))


@pytest.mark.parametrize("copy", ["original", "duplicate"])
def test_every_item_is_printed(certificate, copy):
    text = text_of(render_certificate_pdf(certificate, copy=copy))
    expected = [
        "名称：苏州市吴中区档案馆",
        "宗旨和业务范围：" + squeeze(PURPOSE),
        "住所：苏州市吴中区东吴北路101号",
        "法定代表人：王明",
        "经费来源：财政补助·差额",
        "开办资金：￥12.5万元",
        "举办单位：苏州市吴中区人民政府",
        "统一社会信用代码：" + certificate.institution.credit_code,
        "有效期：自2026年11月28日至2031年11月27日",
        "证书号：" + certificate.number,
        "登记管理机关：吴中区委编办",
        "发证日期：2026年11月28日",
        verification_url(certificate),
    ]
    for piece in expected:
        assert piece in text, piece
    assert "作废" not in text


def test_the_qr_code_is_drawn_in_rectangles(certificate):
    page = PdfReader(io.BytesIO(render_certificate_pdf(certificate))).pages[0]
    content = page.get_contents().get_data().decode("latin-1")
    # a version-3 or larger code: hundreds of filled runs of dark modules
    assert content.count(" re f") > 100


def test_the_font_is_an_embedded_subset(certificate):
    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate)))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        assert re.match(r"^/[A-Z]{6}\+NotoSerifSC-", str(font["/BaseFont"])), font["/BaseFont"]
        descriptor = font["/FontDescriptor"].get_object()
        assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000


def test_the_same_certificate_gives_the_same_bytes(certificate):
    first = render_certificate_pdf(certificate, copy="duplicate")
    again = render_certificate_pdf(certificate, copy="duplicate")
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(again).hexdigest()
    with translation.override("en"):  # the page language does not change the certificate
        assert render_certificate_pdf(certificate, copy="duplicate") == first
    assert render_certificate_pdf(certificate, copy="original") != first


def test_a_replaced_certificate_shows_its_own_number_and_that_it_is_void(certificate):
    newer = certificate_issue(
        actor=None, institution=certificate.institution, issued_on=datetime.date(2027, 3, 1)
    )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REPLACED
    old_text = text_of(render_certificate_pdf(certificate))
    assert "证书号：" + certificate.number in old_text
    assert newer.number not in old_text
    assert "（已换发·作废）" in old_text
    new_text = text_of(render_certificate_pdf(newer))
    assert "证书号：" + newer.number in new_text
    assert "有效期：自2027年3月1日至2032年2月29日" in new_text


def test_it_refuses_another_copy(certificate):
    with pytest.raises(InvalidInput) as caught:
        render_certificate_pdf(certificate, copy="scan")
    assert caught.value.field == "copy"
    assert "original" in caught.value.message_en and "正本" in caught.value.message_zh


def test_it_refuses_a_character_the_font_lacks(nodes):
    institution = make_institution(
        "苏州市吴中区文化馆", registrar=nodes["county"], legal_rep="王\U000f0000"
    )
    with pytest.raises(InvalidInput) as caught:
        render_certificate_pdf(institution.certificates.get())
    assert caught.value.field == "legal_rep"


def test_a_very_long_purpose_still_fits_one_page(nodes):
    institution = make_institution(
        "苏州市吴中区图书馆", registrar=nodes["county"], purpose="提供公共图书馆服务。" * 120
    )
    pdf = render_certificate_pdf(institution.certificates.get())
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "证书号：" in text_of(pdf)


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("100.00", "￥100万元"),
        ("12.50", "￥12.5万元"),
        ("0.05", "￥0.05万元"),
        ("1000", "￥1000万元"),
    ],
)
def test_capital_text(value, printed):
    assert capital_text(value) == printed


def test_chinese_label_is_the_term_of_the_rules_in_any_language():
    with translation.override("en"):
        assert chinese_label(InstitutionStatus.REGISTERED.label) == "已登记"
    assert chinese_label(FundingSource.SELF.label) == "非财政补助·自收自支"
    assert chinese_label("已登记") == "已登记"

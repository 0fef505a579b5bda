"""The certificate download (who may, audited, named), the code blocks page and the register
export's response."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from bianzhi.accounts.models import User
from bianzhi.audit.models import AuditEvent
from bianzhi.registration.models import CodeBlock
from bianzhi.registration.testing import make_institution
from bianzhi.testing import make_user

ON = datetime.date(2026, 3, 2)


@pytest.fixture
def institution(nodes):
    return make_institution("苏州市吴中区档案馆", registrar=nodes["county"], on=ON)


@pytest.fixture
def certificate(institution):
    return institution.certificates.get()


def unit_of(institution, username: str = "unit") -> User:
    user = make_user(username, None, role="unit")
    User.objects.filter(pk=user.pk).update(org=institution.org)
    user.refresh_from_db()
    return user


def pdf_url(certificate, copy: str | None = None) -> str:
    url = reverse("registration:certificate_pdf", kwargs={"certificate_id": certificate.pk})
    return f"{url}?copy={copy}" if copy else url


def audits(action: str):
    return AuditEvent.objects.filter(action=action)


# --- the certificate PDF ---------------------------------------------------------------------


def test_a_registrar_downloads_the_original(client, nodes, certificate, institution):
    client.force_login(make_user("wz_registrar", nodes["county"], role="registrar"))
    response = client.get(pdf_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert float(box.width) > float(box.height)  # 正本: landscape
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="certificate-{institution.credit_code}-original.pdf"' in disposition
    name = quote("事业单位法人证书（正本）-苏州市吴中区档案馆.pdf", safe="")
    assert f"filename*=UTF-8''{name}" in disposition
    event = audits("registration.certificate.downloaded").get()
    assert (event.entity, event.entity_id) == ("registration.certificate", str(certificate.pk))
    assert event.actor.username == "wz_registrar"
    assert event.data == {"copy": "original", "number": certificate.number}


def test_the_duplicate_is_portrait(client, nodes, certificate):
    client.force_login(make_user("sz_registrar", nodes["city"], role="registrar"))
    response = client.get(pdf_url(certificate, "duplicate"))
    assert response.status_code == 200
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert float(box.width) < float(box.height)
    assert "-duplicate.pdf" in response["Content-Disposition"]
    assert audits("registration.certificate.downloaded").get().data["copy"] == "duplicate"


def test_another_copy_is_a_bad_request(client, nodes, certificate):
    client.force_login(make_user("wz_registrar", nodes["county"], role="registrar"))
    response = client.get(pdf_url(certificate, "scan"))
    assert response.status_code == 400
    assert "original" in response.content.decode()
    assert not audits("registration.certificate.downloaded").exists()


def test_the_institutions_own_account_downloads_it(client, certificate, institution):
    client.force_login(unit_of(institution))
    response = client.get(pdf_url(certificate, "duplicate"))
    assert response.status_code == 200
    assert audits("registration.certificate.downloaded").get().actor.username == "unit"


def test_another_institutions_account_gets_404(client, nodes, certificate):
    other = make_institution("苏州市吴中区文化馆", registrar=nodes["county"], on=ON)
    client.force_login(unit_of(other, "other_unit"))
    assert client.get(pdf_url(certificate)).status_code == 404
    refused = audits("access.out_of_scope").get()
    assert (refused.entity_id, refused.result) == (str(certificate.pk), "refused")
    assert not audits("registration.certificate.downloaded").exists()


def test_a_registrar_of_another_region_gets_404(client, nodes, certificate):
    client.force_login(make_user("bj_registrar", nodes["other"], role="registrar"))
    assert client.get(pdf_url(certificate)).status_code == 404
    assert audits("access.out_of_scope").count() == 1


def test_a_missing_certificate_is_404(client, nodes, certificate):
    client.force_login(make_user("wz_registrar", nodes["county"], role="registrar"))
    url = reverse("registration:certificate_pdf", kwargs={"certificate_id": certificate.pk + 99})
    assert client.get(url).status_code == 404
    assert not audits("access.out_of_scope").exists()


def test_a_user_who_may_see_no_certificate_gets_403(client, users, certificate):
    client.force_login(users["county"])  # a clerk: no registration permissions
    assert client.get(pdf_url(certificate)).status_code == 403
    assert audits("access.denied").get().reason.startswith("registration.view_institution")


def test_an_account_without_a_body_gets_403(client, certificate):
    client.force_login(make_user("loose_unit", None, role="unit"))
    assert client.get(pdf_url(certificate)).status_code == 403


def test_it_asks_to_log_in(client, certificate):
    response = client.get(pdf_url(certificate))
    assert response.status_code == 302 and "/login" in response["Location"]


# --- code blocks ----------------------------------------------------------------------------------

BLOCKS = reverse("registration:code_blocks")


@pytest.fixture
def leader(nodes):
    return make_user("wz_leader", nodes["county"], role="leader")


def test_the_page_lists_the_nodes_blocks(client, nodes, leader, institution):
    CodeBlock.objects.create(registrar=nodes["city"], prefix="TX", last_value=99)
    client.force_login(leader)
    response = client.get(BLOCKS)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-prefix="M0506"' in page  # make_institution's block, one code taken
    assert "M0506002" in page and "M0506999" in page
    assert '<td class="remaining">998</td>' in page
    assert 'data-prefix="TX"' not in page


def test_a_block_is_added(client, nodes, leader):
    client.force_login(leader)
    response = client.post(BLOCKS, {"prefix": "wx1", "first": "1", "last": "99999"})
    assert response.status_code == 302 and response["Location"] == BLOCKS
    block = CodeBlock.objects.get(prefix="WX1")
    assert (block.registrar, block.next_value, block.last_value) == (nodes["county"], 1, 99999)
    page = client.get(BLOCKS).content.decode()
    assert "WX100001" in page and '<td class="remaining">99999</td>' in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"prefix": "IO", "first": "1", "last": "9"}, "prefix", "not I, O, S, V or Z"),
        ({"prefix": "WX", "first": "9", "last": "1"}, "last", "first ≤ last &lt; 1000000"),
        ({"prefix": "WX", "first": "1", "last": ""}, "last", ""),
        ({"prefix": "TX", "first": "1", "last": "9"}, "prefix", "already assigned"),
    ],
)
def test_a_bad_block_is_shown_with_its_values(client, nodes, leader, data, field, message):
    CodeBlock.objects.create(registrar=nodes["city"], prefix="TX", last_value=99)
    client.force_login(leader)
    response = client.post(BLOCKS, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in response.content.decode()
    assert f'value="{data["prefix"]}"' in response.content.decode()
    assert not CodeBlock.objects.filter(registrar=nodes["county"]).exists()


def test_a_registrar_may_not_add_blocks(client, nodes):
    client.force_login(make_user("wz_registrar", nodes["county"], role="registrar"))
    assert client.get(BLOCKS).status_code == 403


# --- the export ---------------------------------------------------------------------------------


def test_the_export_is_an_xlsx_download(client, nodes, institution):
    client.force_login(make_user("wz_registrar", nodes["county"], role="registrar"))
    response = client.get(reverse("registration:export"))
    assert response.status_code == 200
    assert "bianzhi-register-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.cell(row=2, column=1).value == institution.credit_code
    assert audits("registration.institution.exported").get().data == {"rows": 1}


def test_the_export_needs_its_permission(client, leader):
    client.force_login(leader)
    assert client.get(reverse("registration:export")).status_code == 403

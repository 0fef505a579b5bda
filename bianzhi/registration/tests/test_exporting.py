"""The register export: every institution in the user's region with its items, status and
current certificate, in one query whatever the number of rows, audited with the count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from bianzhi.audit.models import AuditEvent
from bianzhi.registration.exporting import COLUMNS, export_xlsx, register_rows
from bianzhi.registration.models import InstitutionStatus
from bianzhi.registration.services import certificate_issue, institution_end
from bianzhi.registration.testing import make_institution
from bianzhi.testing import make_user

ON = datetime.date(2026, 3, 2)


def read(user) -> list[list]:
    with export_xlsx(user) as stream:
        sheet = load_workbook(stream, read_only=True).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def registrar(nodes):
    return make_user("wz_registrar", nodes["county"], role="registrar")


@pytest.fixture
def register(nodes):
    archive = make_institution(
        "苏州市吴中区档案馆",
        registrar=nodes["county"],
        on=ON,
        capital="12.50",
        funding_source="partial",
        purpose="档案收集、整理和利用。",
    )
    replacement = certificate_issue(actor=None, institution=archive, issued_on=ON)
    museum = make_institution("苏州市吴中区博物馆", registrar=nodes["county"], on=ON)
    institution_end(
        actor=None,
        institution=museum,
        status=InstitutionStatus.CANCELLED,
        on=datetime.date(2026, 5, 1),
        document=None,
        reason="撤并",
    )
    library = make_institution("苏州市吴中区图书馆", registrar=nodes["county"], certificate=False)
    elsewhere = make_institution(
        "北京市东城区档案馆", registrar=nodes["other"], region="110101", on=ON
    )
    return {
        "archive": archive,
        "replacement": replacement,
        "museum": museum,
        "library": library,
        "elsewhere": elsewhere,
    }


def test_every_institution_in_scope_with_its_items(registrar, register):
    rows = read(registrar)
    assert rows[0] == [header for header, _width in COLUMNS]
    by_name = {row[1]: row for row in rows[1:]}
    assert sorted(by_name) == ["苏州市吴中区博物馆", "苏州市吴中区图书馆", "苏州市吴中区档案馆"]
    archive = register["archive"]
    assert by_name["苏州市吴中区档案馆"] == [
        archive.credit_code,
        "苏州市吴中区档案馆",
        "苏州市吴中区东吴北路101号",
        "档案收集、整理和利用。",
        "王明",
        "财政补助·差额",
        12.5,
        "苏州市吴中区人民政府",
        "已登记",
        datetime.datetime(2026, 3, 2),
        register["replacement"].number,  # the current certificate, not the replaced one
        "有效",
    ]
    museum = by_name["苏州市吴中区博物馆"]
    assert museum[8:] == [
        "已注销",
        datetime.datetime(2026, 3, 2),
        register["museum"].certificates.get().number,
        "已注销收缴",
    ]
    assert by_name["苏州市吴中区图书馆"][10:] == [None, None]  # no certificate yet
    codes = [row[0] for row in rows[1:]]
    assert codes == sorted(codes)


def test_the_scope_follows_the_users_region(nodes, register):
    city = make_user("sz_registrar", nodes["city"], role="registrar")
    assert len(read(city)) == 4
    national = make_user("zy_registrar", nodes["national"], role="registrar")
    assert len(read(national)) == 5
    beijing = make_user("bj_registrar", nodes["other"], role="registrar")
    assert [row[1] for row in read(beijing)[1:]] == ["北京市东城区档案馆"]
    assert read(make_user("nobody_registrar", None, role="registrar")) == [
        [header for header, _width in COLUMNS]
    ]


def test_the_export_is_audited_with_its_row_count(registrar, register):
    read(registrar)
    event = AuditEvent.objects.get(action="registration.institution.exported")
    assert (event.actor, event.entity, event.data) == (
        registrar,
        "registration.institution",
        {"rows": 3},
    )


def test_one_query_whatever_the_rows(nodes, registrar, django_assert_num_queries):
    make_institution("苏州市吴中区文化馆", registrar=nodes["county"], on=ON)
    with django_assert_num_queries(1):
        assert len(list(register_rows(registrar))) == 1
    read(registrar)  # the audit's monitoring may raise an alert the first time
    with CaptureQueriesContext(connection) as few:
        assert len(read(registrar)) == 2
    for name in ("苏州市吴中区科技馆", "苏州市吴中区少年宫", "苏州市吴中区美术馆"):
        make_institution(name, registrar=nodes["county"], on=ON)
    with django_assert_num_queries(1):
        assert len(list(register_rows(registrar))) == 4
    with CaptureQueriesContext(connection) as many:
        assert len(read(registrar)) == 5
    assert len(many) == len(few)
    assert sum("registration_institution" in q["sql"] for q in many.captured_queries) == 1

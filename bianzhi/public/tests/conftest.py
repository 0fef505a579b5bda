"""A small public register made through the real services: institutions in each status, a
replaced certificate, notices, and private data (an applicant, remarks, a resident ID number,
an attachment) that no public answer may show."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from bianzhi.annualreports.models import AnnualReport
from bianzhi.annualreports.services import report_act, report_save
from bianzhi.registration import services
from bianzhi.registration.models import (
    Application,
    ApplicationAttachment,
    Certificate,
    Institution,
    Notice,
)
from bianzhi.registration.testing import make_institution
from bianzhi.testing import make_user

# Strings put into private fields; a public answer containing one of them leaks.
SECRETS = (
    "申请人秘密姓名",  # a user's full name
    "secret-applicant",  # a user's login
    "内部审查备注不得公开",  # registrar's remarks
    "360426199101010071",  # a resident ID number
    "法定代表人身份证扫描件.pdf",  # an attachment's name
    "吊销理由内部说明",  # the internal reason of a certificate's status
    "年报审核内部意见",  # the registrar's comment on publishing an annual report
    "尚未公示的年报草稿",  # a draft annual report
)
ON = datetime.date(2021, 3, 1)
JAN_2 = datetime.date(2025, 1, 2)
REPORT = {
    "activities": {"text": "开展课后服务 120 场。"},
    "assets": {
        "total_assets": "1200.50",
        "total_liabilities": "200.25",
        "net_assets_opening": "950.00",
        "net_assets_closing": "1000.25",
        "revenue": "800.00",
        "expenditure": "749.75",
    },
    "results": {"text": "服务学生 3 千人次。"},
    "compliance": {"changes_registered": True, "text": ""},
    "performance": {"text": "绩效考核良好。"},
}


def _annual_reports(school: Institution, hospital: Institution, registrar_node) -> None:
    """The school's 2024 report published; the hospital's still a draft."""
    reviewer = make_user("report-reviewer", registrar_node, role="registrar")
    for institution, username in ((school, "school-unit"), (hospital, "hospital-unit")):
        unit = make_user(username, None, role="unit")
        unit.org = institution.org
        unit.save(update_fields=["org"])
        report = report_save(
            actor=unit, institution=institution, year=2024, content=REPORT, today=JAN_2
        )
        if institution == school:
            report_act(actor=unit, report=report, action="submit", today=JAN_2)
            report_act(
                actor=reviewer, report=report, action="publish", comment=SECRETS[6], today=JAN_2
            )
    AnnualReport.objects.filter(institution=hospital).update(
        content={**REPORT, "activities": {"text": SECRETS[7]}}
    )


@dataclass
class World:
    school: Institution  # registered; its first certificate replaced by a second
    hospital: Institution  # registered; certificate suspended
    archive: Institution  # cancelled; certificate taken back
    station: Institution  # revoked; certificate revoked
    beijing: Institution  # another province
    first_certificate: Certificate  # the school's replaced one
    certificate: Certificate  # the school's valid one
    establish_notice: Notice
    cancel_notice: Notice


@pytest.fixture(autouse=True)
def _fresh_rate_limit(settings):
    settings.PUBLIC_RATE_LIMIT = "1000/60"
    settings.PUBLIC_BASE_URL = "https://gs.example.gov.cn"
    cache.clear()
    yield
    cache.clear()


def _private_data(institution: Institution, registrar) -> None:
    applicant = make_user("secret-applicant", registrar, role="unit")
    applicant.full_name = SECRETS[0]
    applicant.save(update_fields=["full_name"])
    application = Application.objects.create(
        number="DJ320506-2021-00001",
        kind="change",
        state="published",
        institution=institution,
        registrar=registrar,
        region_code=institution.region_code,
        applicant=applicant,
        data={"legal_rep_id_number": SECRETS[3], "items": {"legal_rep": "李新"}},
        remarks=SECRETS[2],
    )
    ApplicationAttachment.objects.create(
        application=application,
        kind="legal_rep_id",
        name=SECRETS[4],
        file="registration/2021/scan.pdf",
        sha256="0" * 64,
        size=1000,
        uploaded_by=applicant,
    )


@pytest.fixture
def world(nodes) -> World:
    county = nodes["county"]
    school = make_institution("苏州市吴中区实验小学", registrar=county, on=ON)
    first = school.certificates.get()
    second = services.certificate_issue(
        actor=None, institution=school, issued_on=datetime.date(2023, 5, 10), reason="换领新证"
    )
    hospital = make_institution("苏州市吴中区人民医院", registrar=county, on=ON, legal_rep="赵医生")
    services.certificate_set_status(
        actor=None,
        certificate=hospital.certificates.get(),
        status="suspended",
        on=datetime.date(2024, 2, 1),
        reason=SECRETS[5],
    )
    archive = make_institution("苏州市吴中区档案馆", registrar=county, on=ON)
    services.institution_end(
        actor=None,
        institution=archive,
        status="cancelled",
        on=datetime.date(2024, 6, 30),
        document=None,
        reason=SECRETS[5],
    )
    station = make_institution("苏州市吴中区农业技术推广站", registrar=county, on=ON)
    services.institution_end(
        actor=None,
        institution=station,
        status="revoked",
        on=datetime.date(2024, 7, 1),
        document=None,
        reason=SECRETS[5],
    )
    beijing = make_institution(
        "北京市东城区实验小学", registrar=nodes["other"], region="110101", on=ON
    )
    _private_data(school, county)
    _annual_reports(school, hospital, county)
    establish_notice = services.notice_publish(
        actor=None,
        institution=school,
        kind="establish",
        title="苏州市吴中区实验小学设立登记公告",
        body={**services.public_items(school), "remarks": SECRETS[2], "id_no": SECRETS[3]},
    )
    cancel_notice = services.notice_publish(
        actor=None,
        institution=archive,
        kind="cancel",
        title="苏州市吴中区档案馆注销登记公告",
        body={"credit_code": archive.credit_code, "ended_on": "2024-06-30"},
    )
    return World(
        school=Institution.objects.get(pk=school.pk),
        hospital=Institution.objects.get(pk=hospital.pk),
        archive=Institution.objects.get(pk=archive.pk),
        station=Institution.objects.get(pk=station.pk),
        beijing=beijing,
        first_certificate=Certificate.objects.get(pk=first.pk),
        certificate=second,
        establish_notice=establish_notice,
        cancel_notice=cancel_notice,
    )

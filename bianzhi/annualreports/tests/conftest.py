"""A county registration authority with a registrar, two registered institutions each with its
own account, and a helper filling in a report that passes every rule."""

import datetime
from types import SimpleNamespace

import pytest

from bianzhi.annualreports import services
from bianzhi.registration.testing import make_institution
from bianzhi.testing import make_user

YEAR = 2024
JAN_2 = datetime.date(YEAR + 1, 1, 2)


def good_content(**changes) -> dict:
    content = {
        "activities": {"text": "开展公益服务 120 场。"},
        "assets": {
            "total_assets": "1200.50",
            "total_liabilities": "200.25",
            "net_assets_opening": "950.00",
            "net_assets_closing": "1000.25",
            "revenue": "800.00",
            "expenditure": "749.75",
        },
        "results": {"text": "服务群众 3 万人次。"},
        "compliance": {"changes_registered": True, "text": ""},
        "performance": {"text": "绩效考核良好。"},
        "awards": {"text": ""},
        "lawsuits": {"text": ""},
        "complaints": {"text": ""},
        "donations": {"amount": "", "text": ""},
    }
    for path, value in changes.items():
        section, name = path.split("__")
        content[section][name] = value
    return content


def unit_account(username: str, institution, **extra):
    user = make_user(username, None, role="unit")
    user.org = institution.org
    for key, value in extra.items():
        setattr(user, key, value)
    user.save()
    return user


@pytest.fixture
def world(nodes, users):
    county = nodes["county"]
    school = make_institution("吴中区实验幼儿园", registrar=county)
    clinic = make_institution("吴中区社区卫生服务中心", registrar=county)
    return SimpleNamespace(
        county=county,
        school=school,
        clinic=clinic,
        unit=unit_account("school_unit", school, email="school@example.cn"),
        clinic_unit=unit_account("clinic_unit", clinic),
        registrar=make_user("registrar", county, role="registrar"),
        city_registrar=make_user("city_registrar", nodes["city"], role="registrar"),
        other_registrar=make_user("other_registrar", nodes["other"], role="registrar"),
        leader=make_user("county_leader", county, role="leader"),
        clerk=users["county"],
    )


def draft(world, *, institution=None, unit=None, year=YEAR, content=None):
    return services.report_save(
        actor=unit or world.unit,
        institution=institution or world.school,
        year=year,
        content=good_content() if content is None else content,
        today=JAN_2,
    )


def submitted(world, *, today=JAN_2, **kwargs):
    report = draft(world, **kwargs)
    return services.report_act(
        actor=kwargs.get("unit") or world.unit, report=report, action="submit", today=today
    )

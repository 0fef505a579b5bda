"""A county registration authority with registered institutions, its inspectors (registrars)
and its leader; a registrar of another region."""

import datetime
from types import SimpleNamespace

import pytest

from bianzhi.registration.testing import make_institution
from bianzhi.testing import make_user

D = datetime.date


@pytest.fixture
def office(nodes):
    county = nodes["county"]
    return SimpleNamespace(
        node=county,
        registrar=make_user("reg1", county, role="registrar"),
        registrar2=make_user("reg2", county, role="registrar"),
        registrar3=make_user("reg3", county, role="registrar"),
        leader=make_user("leader", county, role="leader"),
        clerk=make_user("clerk", county, role="clerk"),
        city_registrar=make_user("city_reg", nodes["city"], role="registrar"),
        city_leader=make_user("city_leader", nodes["city"], role="leader"),
        outsider=make_user("outsider_reg", nodes["other"], role="registrar"),
        institutions=[
            make_institution(name, registrar=county)
            for name in (
                "苏州市吴中区档案馆",
                "苏州市吴中区图书馆",
                "苏州市吴中区文化馆",
                "苏州市吴中区博物馆",
                "苏州市吴中区少年宫",
            )
        ],
    )

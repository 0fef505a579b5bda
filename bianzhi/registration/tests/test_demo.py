"""The demo registers the county's public institutions and leaves work for each demo login."""

import pytest
from django.contrib.auth.models import Group

from bianzhi.registration.demo import load_demo_registrations
from bianzhi.registration.models import Application, Institution, Notice
from bianzhi.testing import establish, make_user

pytestmark = pytest.mark.django_db


def test_the_demo_registers_the_county_institutions_once(nodes):
    county = nodes["county"]
    make_user("registrar", county, role="registrar")
    make_user("leader", county, role="leader")
    Group.objects.get_or_create(name="unit")
    bodies = [
        establish(name, category="institution", pi_class="public1", funding_form="full")
        for name in ("吴中区档案馆", "吴中区图书馆", "吴中区文化馆")
    ]
    assert load_demo_registrations() == 3
    assert Institution.objects.count() == 3
    first = Institution.objects.get(org=bodies[0])
    assert first.certificates.get().status == "valid"
    assert Notice.objects.get().institution == first  # the one taken through the whole flow
    change = Application.objects.get(kind="change")
    assert (change.state, change.applicant.username) == ("submitted", "inst")
    assert change.applicant.org_id == bodies[0].pk
    assert load_demo_registrations() == 0


def test_no_demo_registrations_without_the_demo_logins(nodes):
    make_user("registrar", nodes["county"], role="registrar")
    assert load_demo_registrations() == 0

"""The demo matters give each demo login something in its inbox."""

import pytest

from bianzhi.accounts.models import User
from bianzhi.matters import queries
from bianzhi.matters.demo import load_demo_matters
from bianzhi.matters.models import Matter
from bianzhi.testing import make_user

pytestmark = pytest.mark.django_db


def test_demo_matters_reach_each_inbox_once(office):
    for user, name in ((office.unit, "unit"), (office.clerk, "county"), (office.head, "head")):
        User.objects.filter(pk=user.pk).update(username=name)
    User.objects.filter(pk=office.leader.pk).update(username="leader")
    assert load_demo_matters() == 4
    states = sorted(Matter.objects.values_list("state", "step"))
    assert states == [("filed", 2), ("reviewing", 1), ("reviewing", 2), ("submitted", 0)]
    for user in (office.clerk, office.head, office.leader):
        user.refresh_from_db()
        assert len(queries.inbox(User.objects.get(pk=user.pk))) == 1
    assert load_demo_matters() == 0


def test_no_demo_matters_without_the_demo_logins(nodes):
    make_user("county", nodes["county"])
    assert load_demo_matters() == 0

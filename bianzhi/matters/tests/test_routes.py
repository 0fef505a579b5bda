"""Review routes: the office's leader sets the steps, major flag and time limit of a matter
type; new matters take them, matters under way keep theirs; the rules of a route hold."""

import pytest

from bianzhi.audit.models import AuditEvent
from bianzhi.core.errors import InvalidInput
from bianzhi.matters import routes
from bianzhi.matters.models import ReviewRoute

from .conftest import raise_matter

pytestmark = pytest.mark.django_db


def post(client, user, **fields):
    client.force_login(user)
    data = {"matter_type": "quota_raise", "time_limit_days": 10} | fields
    return client.post("/matters/routes/", data)


def test_the_leader_sets_the_offices_route_and_new_matters_take_it(client, office):
    under_way = raise_matter(office)
    response = post(client, office.leader, step1="division_head", step2="leader", major="on")
    assert response.status_code == 302
    route = ReviewRoute.objects.get(node=office.leader.node, matter_type="quota_raise")
    assert (route.steps, route.major, route.time_limit_days) == (
        ["division_head", "leader"],
        True,
        10,
    )
    fresh = raise_matter(office)
    assert (fresh.steps, fresh.major, fresh.time_limit_days) == (
        ["division_head", "leader"],
        True,
        10,
    )
    under_way.refresh_from_db()
    assert under_way.steps == ["clerk", "division_head", "leader"]
    assert AuditEvent.objects.filter(action="matters.reviewroute.set").exists()


def test_the_page_shows_each_types_route_and_its_source(client, office):
    routes.route_set(
        actor=office.leader, matter_type="rename", steps=["leader"], major=False, time_limit_days=5
    )
    client.force_login(office.clerk)
    response = client.get("/matters/routes/")
    assert response.status_code == 200
    rows = {row.matter_type: (row.route.steps, row.own) for row, _form in response.context["rows"]}
    assert rows["rename"] == (["leader"], True)
    assert rows["establish"] == (["clerk", "division_head", "leader"], False)
    assert not response.context["may_change"]


def test_a_clerk_cannot_change_a_route(client, office):
    response = post(client, office.clerk, step1="leader")
    assert response.status_code == 403
    assert not ReviewRoute.objects.filter(node=office.clerk.node).exists()


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "steps"),
        (["clerk", "division_head"], "steps"),  # nobody to decide
        (["leader", "leader"], "steps"),
        (["auditor", "leader"], "steps"),
    ],
)
def test_route_rules(office, steps, field):
    with pytest.raises(InvalidInput) as refused:
        routes.route_set(
            actor=office.leader,
            matter_type="quota_raise",
            steps=steps,
            major=False,
            time_limit_days=10,
        )
    assert refused.value.field == field


def test_a_time_limit_out_of_range_is_refused(office):
    with pytest.raises(InvalidInput) as refused:
        routes.route_set(
            actor=office.leader,
            matter_type="quota_raise",
            steps=["leader"],
            major=False,
            time_limit_days=0,
        )
    assert refused.value.field == "time_limit_days"


def test_restoring_the_default(client, office):
    post(client, office.leader, step1="leader")
    assert post(client, office.leader, step1="leader", reset="1").status_code == 302
    assert not ReviewRoute.objects.filter(node=office.leader.node).exists()
    assert raise_matter(office).steps == ["clerk", "division_head", "leader"]
    with pytest.raises(InvalidInput):
        routes.route_reset(actor=office.leader, matter_type="quota_raise")

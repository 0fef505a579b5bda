"""Classification (密级): lists leave out what is above the reader's clearance, a direct fetch of
it is refused (403, bilingual) and audited, and labelled fields are left out."""

import pytest
from django.db import transaction

from bianzhi.audit.models import AuditEvent
from bianzhi.core.classification import Classification, classification_set, visible_to
from bianzhi.core.errors import InvalidInput
from bianzhi.core.models import JournalEntry
from bianzhi.orgs.models import Org
from bianzhi.personnel import services as people
from bianzhi.personnel.models import Person
from bianzhi.testing import establish

pytestmark = pytest.mark.django_db
SECRET = Classification.SECRET


@pytest.fixture
def bodies(db):
    open_body = establish("吴中区统计局")
    secret = establish("吴中区保密局")
    classification_set(actor=None, obj=secret, level=SECRET, reason="定密")
    return open_body, Org.objects.get(pk=secret.pk)


@pytest.fixture
def persons(db):
    with transaction.atomic():
        plain = people.person_register(
            actor=None, resident_id="110101199003070011", name="张伟", phone="13800000000"
        )
        secret = people.person_register(actor=None, resident_id="110101199003070038", name="李秘")
    classification_set(actor=None, obj=secret, level=SECRET)
    return plain, Person.objects.get(pk=secret.pk)


def _refusals():
    return AuditEvent.objects.filter(action="access.above_clearance", result="refused")


def test_labelling_is_journaled_audited_and_checked(bodies, users):
    secret = bodies[1]
    assert secret.classification == SECRET
    entry = JournalEntry.objects.get(action="core.classification.set", entity_id=secret.pk)
    assert (entry.before, entry.after["classification"]) == ({"classification": 0}, SECRET)
    assert AuditEvent.objects.filter(action="core.classification.set").count() == 1
    with pytest.raises(InvalidInput):
        classification_set(actor=None, obj=secret, level=7)


def test_visible_to_follows_the_clearance(bodies, users):
    user = users["national"]
    assert set(visible_to(user, Org.objects.all())) == {bodies[0]}
    user.clearance = Classification.CONFIDENTIAL
    assert set(visible_to(user, Org.objects.all())) == set(bodies)


def test_the_web_list_and_tree_leave_out_bodies_above_clearance(client, bodies, users):
    client.force_login(users["county"])
    listing = client.get("/orgs/").content.decode()
    assert "吴中区统计局" in listing and "吴中区保密局" not in listing
    found = client.get("/orgs/", {"q": "保密"}).content.decode()
    assert "吴中区保密局" not in found
    tree = client.get("/orgs/tree/children/", {"region": "320506"}).content.decode()
    assert "吴中区统计局" in tree and "吴中区保密局" not in tree


def test_the_api_list_leaves_out_bodies_above_clearance(client, bodies, users):
    client.force_login(users["county"])
    names = [row["name"] for row in client.get("/api/v1/orgs").json()["items"]]
    assert names == ["吴中区统计局"]
    as_of = client.get("/api/v1/orgs", {"as_of": "2025-01-01"}).json()["items"]
    assert [row["name"] for row in as_of] == ["吴中区统计局"]


def test_a_cleared_user_sees_the_classified_body(client, bodies, users):
    user = users["county"]
    user.clearance = SECRET
    user.save(update_fields=["clearance"])
    client.force_login(user)
    assert client.get(f"/orgs/{bodies[1].pk}/").status_code == 200
    assert len(client.get("/api/v1/orgs").json()["items"]) == 2
    assert not _refusals().exists()


def test_a_direct_fetch_above_clearance_is_refused_and_audited(client, bodies, users):
    client.force_login(users["county"])
    page = client.get(f"/orgs/{bodies[1].pk}/")
    assert page.status_code == 403
    assert "超出您的知悉范围" in page.content.decode() and "above your clearance" in (
        page.content.decode()
    )
    assert "吴中区保密局" not in page.content.decode()
    api = client.get(f"/api/v1/orgs/{bodies[1].pk}")
    assert api.status_code == 403 and "above your clearance" in api.json()["detail"]
    assert client.get(f"/api/v1/orgs/{bodies[1].pk}/history").status_code == 403
    events = list(_refusals().order_by("seq"))
    assert len(events) == 3
    assert {(e.entity, e.entity_id, e.actor_id) for e in events} == {
        ("orgs.org", str(bodies[1].pk), users["county"].pk)
    }
    assert events[0].data == {"classification": 2, "clearance": 1, "network": "intranet"}


def test_an_outsider_still_gets_404_not_403(client, bodies, users):
    client.force_login(users["outsider"])
    assert client.get(f"/orgs/{bodies[1].pk}/").status_code == 404
    assert not _refusals().exists()


def test_writes_to_a_body_above_clearance_are_refused(client, bodies, users):
    client.force_login(users["county"])
    response = client.post(
        f"/api/v1/orgs/{bodies[1].pk}/rank",
        {"rank": "x", "document": {}, "effective_date": "2026-01-01"},
        content_type="application/json",
    )
    assert response.status_code in {403, 422}
    assert Org.objects.get(pk=bodies[1].pk).rank == bodies[1].rank


def test_persons_above_clearance_are_left_out_and_refused(client, persons, users):
    client.force_login(users["national"])
    listing = client.get("/persons/").content.decode()
    assert "张伟" in listing and "李秘" not in listing
    api_names = [p["name"] for p in client.get("/api/v1/persons").json()["items"]]
    assert api_names == ["张伟"]
    assert client.get(f"/persons/{persons[1].pk}/").status_code == 403
    assert client.get(f"/api/v1/persons/{persons[1].pk}").status_code == 403
    assert _refusals().filter(entity="personnel.person").count() == 2


def test_labelled_fields_are_left_out_below_their_level(client, persons, users):
    user = users["national"]
    client.force_login(user)
    full = client.get(f"/api/v1/persons/{persons[0].pk}").json()
    assert (full["resident_id"], full["phone"]) == ("110101199003070011", "13800000000")
    assert "13800000000" in client.get(f"/persons/{persons[0].pk}/").content.decode()
    user.clearance = Classification.UNCLASSIFIED
    user.save(update_fields=["clearance"])
    masked = client.get(f"/api/v1/persons/{persons[0].pk}").json()
    assert (masked["resident_id"], masked["phone"]) == ("110101********0011", None)
    page = client.get(f"/persons/{persons[0].pk}/").content.decode()
    assert "110101199003070011" not in page and "13800000000" not in page
    assert "110101********0011" in page

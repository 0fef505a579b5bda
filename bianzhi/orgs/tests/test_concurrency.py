"""Two clerks changing the same body at once: the row lock serialises them, so the version
chain stays whole and the second change sees the first (PostgreSQL only)."""

import datetime
import itertools
import threading

import pytest
from django.db import connection

from bianzhi.core.errors import InvalidInput
from bianzhi.orgs import services
from bianzhi.orgs.models import Org, OrgVersion
from bianzhi.testing import establish, make_document

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_concurrently(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        from django.db import connections

        barrier.wait()
        try:
            outcomes[index] = call()
        except InvalidInput as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_concurrent_changes_keep_one_open_version():
    org = establish("吴中区农业农村局")
    docs = [make_document(), make_document()]

    def rename(name, doc, day):
        return lambda: services.org_rename(
            actor=None, org=org, name=name, document=doc, effective_date=day
        )

    outcomes = run_concurrently(
        rename("甲名", docs[0], datetime.date(2022, 1, 1)),
        rename("乙名", docs[1], datetime.date(2023, 1, 1)),
    )
    versions = list(OrgVersion.objects.filter(org=org).order_by("valid_from"))
    assert sum(v.valid_to is None for v in versions) == 1
    for earlier, later in itertools.pairwise(versions):
        assert earlier.valid_to == later.valid_from
    refused = [o for o in outcomes if isinstance(o, InvalidInput)]
    # Whichever ran second either followed the first (later date) or was refused as earlier.
    assert len(versions) == 3 - len(refused)
    assert Org.objects.get(pk=org.pk).name == versions[-1].name


def test_concurrent_merges_of_the_same_body_succeed_once():
    a = establish("吴中区甲局")
    b = establish("吴中区乙局")
    c = establish("吴中区丙局")
    doc = make_document()

    def absorb(into, other):
        return lambda: services.org_merge(
            actor=None,
            sources=[other],
            into=into,
            document=doc,
            effective_date=datetime.date(2024, 1, 1),
        )

    outcomes = run_concurrently(absorb(b, a), absorb(c, a))
    assert sum(isinstance(o, Org) for o in outcomes) == 1
    assert sum(isinstance(o, InvalidInput) and o.code == "inactive" for o in outcomes) == 1
    assert a.successor_links.count() == 1

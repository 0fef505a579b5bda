"""Document numbers: sequential per node and year, given back on rollback, and gap-free and
unique under concurrent issuers (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections, transaction

from bianzhi.core.errors import InvalidInput
from bianzhi.core.models import Document, DocumentCounter, Node
from bianzhi.core.numbering import document_number_take


class Rollback(Exception):
    """Raised on purpose to roll an issue back."""


def take(node: Node, year: int = 2026) -> tuple[int, str]:
    with transaction.atomic():
        return document_number_take(node=node, year=year)


@pytest.fixture
def office(db):
    return Node.objects.create(
        code="320506X", name="吴中区委编办", region_code="320506", doc_prefix="吴编办"
    )


@pytest.mark.django_db
def test_a_number_already_used_by_hand_is_passed_over(office):
    Document.objects.create(
        issuer=office.name, number="吴编办〔2026〕2号", issued_on="2026-01-05", title="纸质批复"
    )
    assert [take(office)[1] for _ in range(2)] == ["吴编办〔2026〕1号", "吴编办〔2026〕3号"]
    assert DocumentCounter.objects.get(node=office, year=2026).last == 3


@pytest.mark.django_db
def test_numbers_follow_each_other(office):
    assert [take(office) for _ in range(3)] == [
        (1, "吴编办〔2026〕1号"),
        (2, "吴编办〔2026〕2号"),
        (3, "吴编办〔2026〕3号"),
    ]
    assert DocumentCounter.objects.get(node=office, year=2026).last == 3


@pytest.mark.django_db
def test_each_node_and_year_counts_on_its_own(office, nodes):
    take(office)
    take(office)
    assert take(office, 2027) == (1, "吴编办〔2027〕1号")
    assert take(nodes["city"]) == (1, "苏州市委编办发〔2026〕1号")  # no prefix: name + 发
    assert take(office) == (3, "吴编办〔2026〕3号")


@pytest.mark.django_db
def test_a_rolled_back_issue_gives_its_number_back(office):
    take(office)
    with pytest.raises(Rollback), transaction.atomic():
        assert document_number_take(node=office, year=2026)[0] == 2
        raise Rollback
    assert take(office)[0] == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_needs_the_callers_transaction(office):
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        document_number_take(node=office, year=2026)


@pytest.mark.django_db
def test_it_refuses_a_bad_year_or_node(office):
    with pytest.raises(InvalidInput) as caught:
        take(office, 20260)
    assert caught.value.field == "year" and "whole year" in caught.value.message_en
    with pytest.raises(InvalidInput) as caught:
        take(Node(name="未保存", code="x", region_code="320000"))
    assert caught.value.field == "node"


@pytest.mark.django_db
def test_a_number_costs_three_queries_once_the_year_has_begun(office, django_assert_num_queries):
    take(office)
    # lock and read, look for the number among hand-recorded documents, then write
    with transaction.atomic(), django_assert_num_queries(3):
        document_number_take(node=office, year=2026)


THREADS, EACH = 8, 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issuers_get_gap_free_unique_numbers():
    office = Node.objects.create(code="320599", name="测试编办", region_code="320599")
    start = threading.Barrier(THREADS)
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issue(worker: int) -> None:
        try:
            start.wait()  # all threads race for the counter row that does not exist yet
            for i in range(EACH):
                try:
                    with transaction.atomic():
                        n, _number = document_number_take(node=office, year=2026)
                        if (worker + i) % 3 == 0:
                            raise Rollback
                except Rollback:
                    continue
                with lock:
                    committed.append(n)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rolled_back = sum((w + i) % 3 == 0 for w in range(THREADS) for i in range(EACH))
    assert len(committed) == THREADS * EACH - rolled_back
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert DocumentCounter.objects.get(node=office, year=2026).last == len(committed)

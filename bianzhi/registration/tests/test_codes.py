"""Credit codes for new institutions: valid by GB 32100 and GB 11714, taken in order from the
registrar's blocks, never given twice (skipping codes already held), given back on rollback,
and unique under concurrent allocation on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections, transaction

from bianzhi.core.errors import Conflict, InvalidInput
from bianzhi.core.identifiers import (
    IdentifierError,
    gb11714_check_digit,
    make_credit_code,
    uscc_check_digit,
    validate_credit_code,
)
from bianzhi.core.journal import entries_for
from bianzhi.core.models import Node
from bianzhi.registration.codes import code_block_add, credit_code_allocate
from bianzhi.registration.models import CodeBlock, IssuedCode
from bianzhi.testing import establish

REGION = "320506"


class Rollback(Exception):
    """Raised on purpose to roll an allocation back."""


def allocate(registrar: Node, region: str = REGION) -> str:
    with transaction.atomic():
        return credit_code_allocate(registrar=registrar, region_code=region)


def add_block(registrar: Node, prefix: str, first: int = 1, last: int = 999) -> CodeBlock:
    return code_block_add(actor=None, registrar=registrar, prefix=prefix, first=first, last=last)


def body_holding(code: str, name: str, region: str = REGION):
    return establish(
        name,
        region=region,
        category="institution",
        pi_class="public1",
        funding_form="full",
        credit_code=code,
    )


# --- the check functions, on the published vectors ---------------------------------------------


@pytest.mark.parametrize(
    ("code", "region", "org_code"),
    [("121000004000123696", "100000", "400012369"), ("121200004013590816", "120000", "401359081")],
)
def test_published_codes_are_valid(code, region, org_code):
    parts = validate_credit_code(code, establishment_only=True)
    assert (parts.authority, parts.category, parts.region_code) == ("1", "2", region)
    assert parts.org_code == org_code
    assert gb11714_check_digit(code[8:16]) == code[16]
    assert uscc_check_digit(code[:17]) == code[17]


def test_a_wrong_check_character_is_refused():
    with pytest.raises(IdentifierError) as caught:
        validate_credit_code("12100000400005852X", establishment_only=True)
    assert caught.value.code == "uscc.checksum"
    assert uscc_check_digit("12100000400005852") == "R"


# --- allocation ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_allocated_code_is_valid_and_made_of_its_parts(nodes):
    add_block(nodes["county"], "A1")
    code = allocate(nodes["county"])
    parts = validate_credit_code(code, establishment_only=True)
    assert (parts.authority, parts.category, parts.region_code) == ("1", "2", REGION)
    assert parts.org_code[:8] == "A1000001"
    assert parts.org_code[8] == gb11714_check_digit("A1000001")
    assert code[17] == uscc_check_digit(code[:17])
    assert code == make_credit_code("1", "2", REGION, "A1000001")


@pytest.mark.django_db
def test_codes_follow_the_block_and_are_kept(nodes):
    block = add_block(nodes["county"], "A2", first=41)
    codes = [allocate(nodes["county"]) for _ in range(3)]
    assert [code[8:16] for code in codes] == ["A2000041", "A2000042", "A2000043"]
    block.refresh_from_db()
    assert (block.next_value, block.active) == (44, True)
    issued = IssuedCode.objects.filter(block=block).order_by("id")
    assert [(i.credit_code, i.org_code) for i in issued] == [(c, c[8:17]) for c in codes]


@pytest.mark.django_db
def test_the_region_is_the_one_asked_for(nodes):
    add_block(nodes["city"], "A3")
    assert allocate(nodes["city"], "320505")[2:8] == "320505"


@pytest.mark.django_db
def test_an_exhausted_block_moves_to_the_next_and_closes(nodes):
    first = add_block(nodes["county"], "B", first=5, last=6)
    second = add_block(nodes["county"], "C", first=0, last=9)
    codes = [allocate(nodes["county"]) for _ in range(3)]
    assert [code[8:16] for code in codes] == ["B0000005", "B0000006", "C0000000"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.active, first.next_value) == (False, 7)
    assert (second.active, second.next_value) == (True, 1)


@pytest.mark.django_db
def test_without_a_block_of_its_own_it_is_a_conflict(nodes):
    add_block(nodes["city"], "G")  # another registrar's block is not used
    with pytest.raises(Conflict) as caught:
        allocate(nodes["county"])
    assert caught.value.field == "code_block"
    assert "code block" in caught.value.message_en


@pytest.mark.django_db
def test_when_the_last_block_runs_out_it_is_a_conflict(nodes):
    block = add_block(nodes["county"], "H", first=1, last=1)
    allocate(nodes["county"])
    with pytest.raises(Conflict) as caught:
        allocate(nodes["county"])
    assert caught.value.field == "code_block"
    assert IssuedCode.objects.filter(block=block).count() == 1


@pytest.mark.django_db
def test_a_code_held_by_a_body_is_skipped(nodes):
    held = make_credit_code("1", "2", REGION, "D0000001")
    body_holding(held, "苏州市吴中区老年大学")
    add_block(nodes["county"], "D")
    code = allocate(nodes["county"])
    assert code[8:16] == "D0000002"
    assert not IssuedCode.objects.filter(credit_code=held).exists()


@pytest.mark.django_db
def test_an_organisation_code_issued_before_is_skipped(nodes):
    earlier = make_credit_code("1", "2", "320505", "E0000001")
    IssuedCode.objects.create(credit_code=earlier, org_code=earlier[8:17])  # from a migration
    add_block(nodes["county"], "E")
    assert allocate(nodes["county"])[8:16] == "E0000002"


@pytest.mark.django_db
def test_an_organisation_code_held_by_a_body_in_another_region_is_skipped(nodes):
    body_holding(make_credit_code("1", "2", "320505", "F0000001"), "苏州市虎丘区档案馆", "320505")
    add_block(nodes["county"], "F")
    assert allocate(nodes["county"])[8:16] == "F0000002"


@pytest.mark.django_db
def test_a_rolled_back_allocation_gives_its_code_back(nodes):
    block = add_block(nodes["county"], "J")
    first = allocate(nodes["county"])
    with pytest.raises(Rollback), transaction.atomic():
        rolled_back = credit_code_allocate(registrar=nodes["county"], region_code=REGION)
        raise Rollback
    assert allocate(nodes["county"]) == rolled_back
    assert rolled_back[8:16] == "J0000002" and first[8:16] == "J0000001"
    block.refresh_from_db()
    assert block.next_value == 3
    assert IssuedCode.objects.filter(block=block).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_needs_the_callers_transaction(nodes):
    add_block(nodes["county"], "K")
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        credit_code_allocate(registrar=nodes["county"], region_code=REGION)


# --- blocks ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_block_is_added_and_journaled(nodes, users):
    block = code_block_add(
        actor=users["county"], registrar=nodes["county"], prefix=" l5 ", first=0, last=99999
    )
    assert (block.prefix, block.next_value, block.last_value, block.active) == (
        "L5",
        0,
        99999,
        True,
    )
    entry = entries_for(block).get()
    assert entry.action == "registration.codeblock.block_added"
    assert entry.after == {"registrar": "320506", "prefix": "L5", "first": 0, "last": 99999}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "first", "last", "field", "error"),
    [
        ("", 1, 9, "prefix", InvalidInput),
        ("ABCDEFG", 1, 9, "prefix", InvalidInput),
        ("I1", 1, 9, "prefix", InvalidInput),
        ("中", 1, 9, "prefix", InvalidInput),
        ("P1", 10, 9, "last", InvalidInput),
        ("P1", -1, 9, "last", InvalidInput),
        ("P1", 1, 1_000_000, "last", InvalidInput),  # six digits after a two-character prefix
        ("Q", 1, 9, "prefix", Conflict),  # already given to another registrar
    ],
)
def test_a_bad_block_is_refused(nodes, prefix, first, last, field, error):
    add_block(nodes["city"], "Q")
    with pytest.raises(error) as caught:
        code_block_add(actor=None, registrar=nodes["county"], prefix=prefix, first=first, last=last)
    assert caught.value.field == field
    assert CodeBlock.objects.filter(registrar=nodes["county"]).count() == 0


# --- concurrency (PostgreSQL) -----------------------------------------------------------------

THREADS, EACH = 8, 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_allocations_are_unique_and_gap_free():
    registrar = Node.objects.create(code="320599", name="测试编办", region_code="320599")
    block = add_block(registrar, "RC", first=1, last=9999)
    start = threading.Barrier(THREADS)
    committed: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                try:
                    with transaction.atomic():
                        code = credit_code_allocate(registrar=registrar, region_code="320599")
                        if (worker + i) % 4 == 0:
                            raise Rollback
                except Rollback:
                    continue
                with lock:
                    committed.append(code)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rolled_back = sum((w + i) % 4 == 0 for w in range(THREADS) for i in range(EACH))
    assert len(committed) == THREADS * EACH - rolled_back
    assert len(set(committed)) == len(committed)
    issued = set(IssuedCode.objects.filter(block=block).values_list("credit_code", flat=True))
    assert issued == set(committed)
    bodies = sorted(code[8:16] for code in committed)
    assert bodies == [f"RC{n:06d}" for n in range(1, len(committed) + 1)]  # no gap
    block.refresh_from_db()
    assert block.next_value == len(committed) + 1

"""`audit verify` names the first row altered, removed or out of order, on tampered data."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bianzhi.audit.chain import FIELDS, row_dict, row_hash, seal
from bianzhi.audit.checkpoints import checkpoint_create
from bianzhi.audit.models import AuditCheckpoint, AuditEvent
from bianzhi.audit.services import audit_record
from bianzhi.audit.verify import verify_chain

from .conftest import unguarded

pytestmark = pytest.mark.django_db


def test_an_intact_chain_verifies(events):
    checkpoint_create()
    report = verify_chain()
    assert report.ok, report.problem
    assert (report.rows, report.last_chain_seq, report.checkpoints) == (5, 5, 1)


def test_an_edited_row_is_named(events):
    with unguarded() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'x' WHERE seq = %s", [events[2]])
    problem = verify_chain().problem
    assert (problem.code, problem.seq, problem.chain_seq) == ("altered", events[2], 3)
    assert "已被篡改" in problem.zh and "was altered" in problem.en


def test_an_edited_payload_is_named(events):
    with unguarded() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET entity_id = '99', at = at WHERE seq = %s", [events[3]]
        )
    problem = verify_chain().problem
    assert (problem.code, problem.seq) == ("altered", events[3])


def test_a_deleted_row_is_named_by_its_position(events):
    with unguarded() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [events[1]])
    problem = verify_chain().problem
    assert (problem.code, problem.chain_seq, problem.seq) == ("removed", 2, events[2])
    assert "链位置 2 缺失" in problem.zh


def test_reordered_rows_are_named(events):
    with unguarded() as cursor:
        cursor.execute("UPDATE audit_auditevent SET chain_seq = -1 WHERE chain_seq = 3")
        cursor.execute("UPDATE audit_auditevent SET chain_seq = 3 WHERE chain_seq = 4")
        cursor.execute("UPDATE audit_auditevent SET chain_seq = 4 WHERE chain_seq = -1")
    problem = verify_chain().problem
    assert (problem.code, problem.chain_seq, problem.seq) == ("out_of_order", 3, events[3])


def test_a_row_inserted_into_the_chain_is_named(events):
    with unguarded() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET chain_seq = chain_seq + 100 WHERE chain_seq > 2"
        )
        cursor.execute(
            "UPDATE audit_auditevent SET chain_seq = chain_seq - 99 WHERE chain_seq > 100"
        )
    forged = audit_record("test.thing.forged")
    with unguarded() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET chain_seq = 3, prev_hash = %s, hash = %s WHERE seq = %s",
            ["f" * 64, "e" * 64, forged.seq],
        )
    problem = verify_chain().problem
    assert (problem.code, problem.chain_seq, problem.seq) == ("out_of_order", 3, forged.seq)


def _rehash_from(position: int) -> None:
    """An attacker without the node key rewrites row `position` and re-chains all after it."""
    rows = AuditEvent.objects.filter(chain_seq__gte=position - 1).order_by("chain_seq")
    values = list(rows.values_list(*FIELDS, "hash"))
    prev = values[0][-1]
    with unguarded() as cursor:
        for item in values[1:]:
            row = row_dict(item[:-1])
            if row["chain_seq"] == position:
                row["reason"] = "rewritten"
                cursor.execute(
                    "UPDATE audit_auditevent SET reason = 'rewritten' WHERE seq = %s", [row["seq"]]
                )
            digest = row_hash(prev, row)
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, digest, row["seq"]],
            )
            prev = digest


def test_a_rewritten_chain_is_caught_by_the_signed_checkpoint(events):
    checkpoint_create()
    _rehash_from(3)
    problem = verify_chain().problem
    assert (problem.code, problem.chain_seq, problem.seq) == ("checkpoint", 5, events[4])


def test_rows_removed_from_the_end_are_caught(events):
    checkpoint_create()
    with unguarded() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE chain_seq >= 4")
    problem = verify_chain().problem
    assert (problem.code, problem.chain_seq) == ("truncated", 4)


def test_a_forged_checkpoint_is_caught(events):
    point = checkpoint_create()
    with unguarded() as cursor:
        cursor.execute(
            "UPDATE audit_auditcheckpoint SET head_hash = %s WHERE id = %s", ["0" * 64, point.pk]
        )
    problem = verify_chain().problem
    assert (problem.code, problem.chain_seq) == ("checkpoint", 5)
    assert "签名无效" in problem.zh


def test_checkpoint_is_skipped_when_nothing_is_new(events):
    assert checkpoint_create().last_seq == 5
    assert checkpoint_create() is None
    audit_record("test.thing.more")
    assert checkpoint_create().last_seq == 6
    assert AuditCheckpoint.objects.count() == 2


def test_the_command_fails_with_a_bilingual_message(events):
    call_command("audit", "verify")
    with unguarded() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = %s", [events[0]])
    with pytest.raises(CommandError, match=r"审计链校验失败 / audit chain check failed: 记录 #"):
        call_command("audit", "verify")


def test_verify_seals_first_and_counts_unsealed(events, capsys):
    audit_record("test.thing.more")
    call_command("audit", "verify", "--no-seal")
    assert "1 unsealed" in capsys.readouterr().out
    call_command("audit", "verify")
    assert "6 rows" in capsys.readouterr().out
    assert seal() == 0

import datetime
import itertools

import pytest
from django.db import connection

from bianzhi.audit.chain import GENESIS, canonical, row_hash, seal
from bianzhi.audit.models import AuditChainHead, AuditEvent
from bianzhi.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_rows_are_written_unsealed_then_chained_in_commit_order(events):
    rows = list(AuditEvent.objects.order_by("chain_seq"))
    assert [r.chain_seq for r in rows] == [1, 2, 3, 4, 5]
    assert [r.seq for r in rows] == events
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    head = AuditChainHead.objects.get()
    assert (head.chain_seq, head.hash) == (5, rows[-1].hash)
    assert seal() == 0


def test_the_hash_is_sm3_of_the_previous_hash_and_the_canonical_json(events):
    row = AuditEvent.objects.get(chain_seq=2)
    fields = {
        "seq": row.seq,
        "chain_seq": 2,
        "at": row.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor_id": None,
        "actor_name": "",
        "node": "000000",
        "address": None,
        "action": "test.thing.viewed",
        "entity": "test.thing",
        "entity_id": "2",
        "result": "success",
        "reason": "",
        "path": "",
        "data": {"n": 2},
    }
    assert canonical(fields).startswith(b'{"action":"test.thing.viewed","actor_id":null,')
    assert b" " not in canonical(fields)
    assert row.hash == row_hash(row.prev_hash, fields)
    assert len(row.hash) == 64


def test_canonical_json_keeps_chinese_as_utf8():
    assert canonical({"b": "编制", "a": 1}) == '{"a":1,"b":"编制"}'.encode()


def test_a_lower_seq_committed_later_gets_a_later_chain_position(db):
    late = audit_record("test.thing.late")
    seal()
    # As if a transaction holding a lower seq committed after the later row was sealed.
    early = AuditEvent.objects.create(
        seq=late.seq - 1 if late.seq > 1 else late.seq + 1000,
        at=late.at,
        action="test.thing.early",
    )
    seal()
    positions = dict(AuditEvent.objects.values_list("seq", "chain_seq"))
    assert positions == {late.seq: 1, early.seq: 2}
    from bianzhi.audit.verify import verify_chain

    assert verify_chain().ok


def test_sealing_happens_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        audit_record("test.thing.made")
        audit_record("test.thing.viewed")
    assert len(callbacks) == 1  # once per transaction, not per row
    assert list(AuditEvent.objects.order_by("seq").values_list("chain_seq", flat=True)) == [1, 2]


def test_auditing_off_writes_nothing(db, settings):
    settings.AUDIT_ENABLED = False
    audit_record("test.thing.made")
    assert AuditEvent.objects.count() == 0


def test_seal_batches_keep_the_chain(db):
    for n in range(7):
        audit_record("test.thing.made", entity_id=n)
    from bianzhi.audit import chain

    assert chain.seal(batch=3) == 7
    assert chain.seal(batch=3) == 0
    from bianzhi.audit.verify import verify_chain

    report = verify_chain(chunk=2)
    assert (report.ok, report.rows, report.last_chain_seq) == (True, 7, 7)
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_committed_rows_are_sealed_at_once_and_only_the_test_flush_may_empty_them(settings):
    from django.core.management import CommandError, call_command
    from django.db import transaction

    with transaction.atomic():
        audit_record("test.thing.made")
        audit_record("test.thing.viewed")
    assert AuditEvent.objects.filter(chain_seq__isnull=True).count() == 0
    settings.TESTING = False  # as in production: the guard refuses to empty the audit
    with pytest.raises(CommandError) as info:
        call_command("flush", interactive=False, verbosity=0)
    assert "append-only" in str(info.value.__cause__)
    assert AuditEvent.objects.count() == 2
    # pytest-django's own flush (settings.TESTING) empties the tables after this test.

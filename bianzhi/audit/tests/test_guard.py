"""The database itself refuses to change or remove audit rows, whatever the path."""

import pytest
from django.db import DatabaseError, connection, transaction

from bianzhi.audit import guard
from bianzhi.audit.checkpoints import checkpoint_create
from bianzhi.audit.models import AuditCheckpoint, AuditEvent
from bianzhi.audit.services import audit_record

pytestmark = pytest.mark.django_db


def refused(action) -> str:
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        action()
    return str(info.value)


def raw(sql: str, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


def test_orm_update_and_delete_of_sealed_rows_are_refused(events):
    message = refused(lambda: AuditEvent.objects.filter(seq=events[0]).update(action="x.y.z"))
    assert "append-only" in message
    refused(lambda: AuditEvent.objects.filter(seq=events[0]).delete())
    event = AuditEvent.objects.get(seq=events[1])
    event.reason = "edited"
    refused(event.save)
    refused(event.delete)
    assert AuditEvent.objects.filter(action="x.y.z").count() == 0
    assert AuditEvent.objects.count() == 5


def test_raw_sql_update_and_delete_are_refused(events):
    refused(raw("UPDATE audit_auditevent SET action = 'x.y.z' WHERE seq = %s", [events[2]]))
    refused(raw("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", ["0" * 64, events[2]]))
    refused(raw("UPDATE audit_auditevent SET chain_seq = 99 WHERE seq = %s", [events[2]]))
    refused(raw("DELETE FROM audit_auditevent WHERE seq = %s", [events[2]]))
    refused(raw("DELETE FROM audit_auditevent"))
    assert AuditEvent.objects.count() == 5


def test_unsealed_rows_can_be_sealed_once_but_not_otherwise_changed(db):
    event = audit_record("test.thing.made")
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(action="x.y.z"))
    refused(  # sealing may not smuggle in another change
        lambda: AuditEvent.objects.filter(pk=event.pk).update(
            chain_seq=1, prev_hash="0" * 64, hash="a" * 64, reason="forged"
        )
    )
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    AuditEvent.objects.filter(pk=event.pk).update(chain_seq=1, prev_hash="0" * 64, hash="a" * 64)
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(hash="b" * 64))


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_is_refused_on_postgresql(events):
    refused(raw("TRUNCATE audit_auditevent"))
    refused(raw("TRUNCATE audit_auditcheckpoint"))


def test_checkpoints_are_append_only(events):
    point = checkpoint_create()
    refused(lambda: AuditCheckpoint.objects.filter(pk=point.pk).update(head_hash="0" * 64))
    refused(lambda: AuditCheckpoint.objects.filter(pk=point.pk).delete())


def test_the_archive_permit_lets_only_sealed_rows_go_and_only_in_its_transaction(events):
    unsealed = audit_record("test.thing.late")
    with transaction.atomic():
        with guard.permit("archive"):
            assert AuditEvent.objects.filter(seq=events[0]).delete()[0] == 1
            refused(lambda: AuditEvent.objects.filter(pk=unsealed.pk).delete())
            refused(lambda: AuditEvent.objects.filter(seq=events[1]).update(action="x.y.z"))
        refused(lambda: AuditEvent.objects.filter(seq=events[1]).delete())
    assert AuditEvent.objects.count() == 5  # 5 sealed + 1 unsealed − the archived one


def test_a_user_with_audit_events_cannot_be_deleted(db, users):
    audit_record("test.thing.made", actor=users["county"])
    refused(users["county"].delete)

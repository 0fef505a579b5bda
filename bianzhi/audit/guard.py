"""The database refuses to change audit rows (append-only), on PostgreSQL and on SQLite.

Allowed: INSERT; the one-time sealing UPDATE of an unsealed row (only chain_seq, prev_hash and
hash, from empty to set); DELETE of sealed rows by the archive, which first opens a permit valid
for its own transaction only (PostgreSQL: `set_config('bianzhi.audit_archive', 'archive', true)`,
i.e. SET LOCAL; SQLite: a row in audit_archive_permit, a table Django does not manage, inserted
and removed in that transaction). Checkpoints and archive records are never updated or deleted.
The test runner's flush alone may empty the tables (permit "wipe", see commands/flush.py)."""

import contextlib

from django.db import connection

REFUSED = "审计记录只能追加，不能修改或删除 / audit records are append-only"
# Every column except the three the sealer sets; SQLite needs them spelled out.
KEPT = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "node",
    "address",
    "action",
    "entity",
    "entity_id",
    "result",
    "reason",
    "path",
    "data",
)

POSTGRESQL_INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF coalesce(current_setting('bianzhi.audit_archive', true), '') = 'wipe'
       OR (OLD.chain_seq IS NOT NULL
           AND coalesce(current_setting('bianzhi.audit_archive', true), '') = 'archive') THEN
      RETURN OLD;
    END IF;
  ELSIF OLD.chain_seq IS NULL AND OLD.hash = '' AND OLD.prev_hash = ''
        AND NEW.chain_seq IS NOT NULL AND NEW.hash <> '' AND NEW.prev_hash <> ''
        AND (to_jsonb(NEW) - 'chain_seq' - 'hash' - 'prev_hash')
          = (to_jsonb(OLD) - 'chain_seq' - 'hash' - 'prev_hash') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '{REFUSED}: % on audit_auditevent seq %', TG_OP, OLD.seq
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE'
     AND coalesce(current_setting('bianzhi.audit_archive', true), '') = 'wipe' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION '{REFUSED}: % on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_event_guard BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_guard();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER audit_checkpoint_guard BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
  FOR EACH ROW EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_auditcheckpoint
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER audit_archive_guard BEFORE UPDATE OR DELETE ON audit_auditarchive
  FOR EACH ROW EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER audit_archive_no_truncate BEFORE TRUNCATE ON audit_auditarchive
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();
"""

POSTGRESQL_REMOVE = """
DROP TRIGGER IF EXISTS audit_event_guard ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_checkpoint_guard ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_archive_guard ON audit_auditarchive;
DROP TRIGGER IF EXISTS audit_archive_no_truncate ON audit_auditarchive;
DROP FUNCTION IF EXISTS audit_event_guard();
DROP FUNCTION IF EXISTS audit_refuse();
"""

_SAME = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in KEPT)
_PERMIT = "EXISTS (SELECT 1 FROM audit_archive_permit WHERE purpose = 'archive')"
_WIPE = "EXISTS (SELECT 1 FROM audit_archive_permit WHERE purpose = 'wipe')"
SQLITE_INSTALL = [
    "CREATE TABLE IF NOT EXISTS audit_archive_permit (purpose varchar(10) NOT NULL)",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    WHEN NOT ({_WIPE} OR (OLD.chain_seq IS NOT NULL AND {_PERMIT}))
    BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""",
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    WHEN NOT (OLD.chain_seq IS NULL AND OLD.hash = '' AND OLD.prev_hash = ''
              AND NEW.chain_seq IS NOT NULL AND NEW.hash <> '' AND NEW.prev_hash <> ''
              AND {_SAME})
    BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""",
    *(
        f"""CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
        WHEN NOT {_WIPE}
        BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"""
        for table in ("audit_auditcheckpoint", "audit_auditarchive")
        for op in ("UPDATE", "DELETE")
    ),
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    *(
        f"DROP TRIGGER IF EXISTS {table}_no_{op}"
        for table in ("audit_auditcheckpoint", "audit_auditarchive")
        for op in ("update", "delete")
    ),
    "DROP TABLE IF EXISTS audit_archive_permit",
]


def install(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_INSTALL, None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement)


def remove(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REMOVE, None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement)


@contextlib.contextmanager
def permit(purpose: str = "archive"):
    """Let this transaction delete sealed audit rows ("archive") or empty the audit tables
    ("wipe", only for the test runner's flush). Must run inside transaction.atomic()."""
    if not connection.in_atomic_block:
        raise RuntimeError("an audit permit is valid only inside transaction.atomic()")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('bianzhi.audit_archive', %s, true)", [purpose])
        else:
            cursor.execute("INSERT INTO audit_archive_permit (purpose) VALUES (%s)", [purpose])
    yield
    # On an error the transaction rolls back and takes the permit with it.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('bianzhi.audit_archive', '', true)")
        else:
            cursor.execute("DELETE FROM audit_archive_permit")

"""Retention and archive: signed gzip JSONL files that `audit verify --archive` checks offline."""

import datetime
import gzip
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bianzhi.audit import keys
from bianzhi.audit.archive import ArchiveRefused, archive_before, manifest_message, verify_archive
from bianzhi.audit.chain import seal
from bianzhi.audit.checkpoints import checkpoint_create
from bianzhi.audit.models import AuditArchive, AuditEvent
from bianzhi.audit.verify import verify_chain

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def aged(db):
    """Four events 400 days old and two from today, sealed in that order."""
    old = timezone.now() - datetime.timedelta(days=400)
    for n in range(4):
        AuditEvent.objects.create(at=old, action="test.thing.old", entity_id=n, data={"编号": n})
    for n in range(2):
        AuditEvent.objects.create(at=timezone.now(), action="test.thing.new", entity_id=n)
    seal()
    checkpoint_create()


def test_events_younger_than_the_retention_period_are_not_archived(aged):
    with pytest.raises(ArchiveRefused) as info:
        archive_before(TODAY - datetime.timedelta(days=179))
    assert "180" in info.value.message_zh and info.value.field == "before"
    assert AuditEvent.objects.count() == 6


def test_archive_moves_old_rows_to_a_signed_file_and_the_chain_still_verifies(aged):
    record = archive_before(TODAY - datetime.timedelta(days=200))
    assert (record.first_chain_seq, record.last_chain_seq, record.row_count) == (1, 4, 4)
    assert list(AuditEvent.objects.order_by("chain_seq").values_list("chain_seq", flat=True)) == [
        5,
        6,
    ]
    path = Path(record.path)
    lines = _lines(path)
    assert [row["chain_seq"] for row in lines] == [1, 2, 3, 4]
    assert lines[0]["data"] == {"编号": 0} and lines[-1]["hash"] == record.last_hash
    assert verify_archive(path) == (None, 4)
    report = verify_chain()
    assert report.ok, report.problem
    assert (report.first_chain_seq, report.rows, report.checkpoints) == (5, 2, 1)
    assert archive_before(TODAY - datetime.timedelta(days=200)) is None
    assert AuditArchive.objects.count() == 1


def test_the_live_chain_must_continue_from_the_archive(aged):
    archive_before(TODAY - datetime.timedelta(days=200))
    from .conftest import unguarded

    with unguarded() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE chain_seq = 5")
    problem = verify_chain().problem
    assert (problem.code, problem.chain_seq) == ("removed", 5)


def _lines(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _rewrite(path: Path, edit) -> None:
    lines = _lines(path)
    edit(lines)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def _resign(path: Path) -> None:
    """Fix the manifest's SHA-256 and sign it again with the node key."""
    from bianzhi.audit.archive import _sha256

    manifest_path = Path(f"{path}.manifest.json")
    manifest = json.loads(manifest_path.read_text())
    manifest["sha256"] = _sha256(path)
    manifest["signature"] = keys.sign(manifest_message(manifest))
    manifest_path.write_text(json.dumps(manifest))


def test_an_edited_archive_file_is_refused_offline(aged, tmp_path):
    path = Path(archive_before(TODAY - datetime.timedelta(days=200)).path)
    public = tmp_path / "node.pub"
    public.write_text(keys.public_pem())

    def edit(lines):
        lines[2]["action"] = "test.thing.hidden"

    _rewrite(path, edit)
    problem, _rows = verify_archive(path, public.read_bytes())
    assert problem.code == "sha256"
    _resign(path)  # even an insider holding the key cannot hide the edited row
    problem, rows = verify_archive(path, public.read_bytes())
    assert (problem.code, problem.chain_seq, rows) == ("altered", 3, 2)
    with pytest.raises(CommandError, match="archive check failed"):
        call_command("audit", "verify", "--archive", str(path), "--public-key", str(public))


def test_a_reordered_or_truncated_archive_is_refused(aged):
    path = Path(archive_before(TODAY - datetime.timedelta(days=200)).path)
    _rewrite(path, lambda lines: lines.insert(1, lines.pop(2)))
    _resign(path)
    assert verify_archive(path)[0].code == "removed"
    _rewrite(path, lambda lines: lines.insert(2, lines.pop(1)))
    _rewrite(path, lambda lines: lines.pop())
    _resign(path)
    assert verify_archive(path)[0].code == "truncated"


def test_a_manifest_signed_by_another_key_is_refused(aged, tmp_path, settings):
    path = Path(archive_before(TODAY - datetime.timedelta(days=200)).path)
    trusted = keys.public_pem().encode()
    settings.BIANZHI_NODE_KEY_FILE = tmp_path / "intruder.pem"
    manifest_path = Path(f"{path}.manifest.json")
    manifest = json.loads(manifest_path.read_text())
    manifest["public_key"] = keys.public_pem()
    manifest["signature"] = keys.sign(manifest_message(manifest))
    manifest_path.write_text(json.dumps(manifest))
    assert verify_archive(path, trusted)[0].code == "signature"


def test_the_commands(aged, capsys):
    with pytest.raises(CommandError, match="180"):
        call_command("audit", "archive", "--before", TODAY.isoformat())
    call_command("audit", "archive", "--before", (TODAY - datetime.timedelta(days=200)).isoformat())
    out = capsys.readouterr().out
    assert "archived 4 rows, positions 1–4" in out
    path = AuditArchive.objects.get().path
    call_command("audit", "verify", "--archive", path)
    assert "archive intact: 4 rows" in capsys.readouterr().out
    call_command("audit", "seal")
    call_command("audit", "checkpoint")
    assert "nothing new" in capsys.readouterr().out

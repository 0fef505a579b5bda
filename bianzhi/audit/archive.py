"""Retention: sealed rows older than the retention period move to a signed gzip JSONL file.

The file holds one row per line (the audited fields, prev_hash, hash); the manifest beside it
(`<file>.manifest.json`) gives the first and last chain positions, the first prev_hash, the last
hash, the row count and the file's SHA-256, signed with the node key. Rows leave the database
only after the file and its record are written, in one transaction holding the guard's permit."""

import datetime
import gzip
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bianzhi.core.errors import InvalidInput

from . import guard, keys
from .chain import FIELDS, canonical, row_dict, seal
from .models import AuditArchive, AuditEvent
from .verify import CHUNK, Problem, _start, check_row

FORMAT = "bianzhi-audit-archive/1"


class ArchiveRefused(InvalidInput):
    pass


def _cutoff(before: datetime.date) -> datetime.datetime:
    oldest = timezone.localdate() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if before > oldest:
        raise ArchiveRefused(
            f"只能归档 {settings.AUDIT_RETENTION_DAYS} 天以前（{oldest} 及以前）的审计记录",
            f"only audit events older than {settings.AUDIT_RETENTION_DAYS} days "
            f"(before {oldest} or earlier) may be archived",
            field="before",
        )
    return timezone.make_aware(datetime.datetime.combine(before, datetime.time()))


def _last_position(cutoff: datetime.datetime) -> int:
    """The end of the chain prefix whose rows are all older than the cutoff."""
    sealed = AuditEvent.objects.filter(chain_seq__isnull=False)
    young = sealed.filter(at__gte=cutoff).order_by("chain_seq").values_list("chain_seq", flat=True)
    first_young = young.first()
    if first_young is not None:
        return first_young - 1
    last = sealed.order_by("-chain_seq").values_list("chain_seq", flat=True).first()
    return last or 0


def manifest_message(manifest: dict) -> bytes:
    return canonical({k: v for k, v in manifest.items() if k != "signature"})


def _write(path: Path, start: int, end: int, prev: str) -> tuple[dict, str]:
    """Write rows start..end, checking the chain as it goes; the manifest fields and last hash."""
    expected, first_prev, count = start, prev, 0
    width = len(FIELDS)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as out:
        while expected <= end:
            rows = (
                AuditEvent.objects.filter(chain_seq__gte=expected, chain_seq__lte=end)
                .order_by("chain_seq")
                .values_list(*FIELDS, "prev_hash", "hash")[:CHUNK]
            )
            for values in rows:
                row = row_dict(values[:width])
                problem = check_row(row, values[width], values[width + 1], expected, prev)
                if problem is not None:
                    raise ArchiveRefused(f"审计链有误：{problem.zh}", f"broken chain: {problem.en}")
                line = row | {"prev_hash": values[width], "hash": values[width + 1]}
                out.write(canonical(line).decode() + "\n")
                prev, expected, count = values[width + 1], expected + 1, count + 1
    return {"first_prev_hash": first_prev, "last_hash": prev, "row_count": count}, prev


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_before(before: datetime.date) -> AuditArchive | None:
    """Archive the sealed rows older than `before` (at least AUDIT_RETENTION_DAYS old), then
    remove them from the database; None when there is nothing to archive."""
    cutoff = _cutoff(before)
    seal()
    start, prev = _start()
    end = _last_position(cutoff)
    if end < start:
        return None
    directory = Path(settings.AUDIT_ARCHIVE_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-{settings.NODE_CODE}-{start:012d}-{end:012d}.jsonl.gz"
    fields, _last = _write(path, start, end, prev)
    manifest = {
        "format": FORMAT,
        "node": settings.NODE_CODE,
        "file": path.name,
        "before": before.isoformat(),
        "created_at": timezone.now().isoformat(),
        "first_chain_seq": start,
        "last_chain_seq": end,
        **fields,
        "sha256": _sha256(path),
        "key_id": keys.key_id(),
        "public_key": keys.public_pem(),
    }
    manifest["signature"] = keys.sign(manifest_message(manifest))
    manifest_path = Path(f"{path}.manifest.json")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    with transaction.atomic():
        record = AuditArchive.objects.create(
            before=before,
            path=str(path),
            first_chain_seq=start,
            last_chain_seq=end,
            first_prev_hash=fields["first_prev_hash"],
            last_hash=fields["last_hash"],
            row_count=fields["row_count"],
            sha256=manifest["sha256"],
            manifest=manifest,
            signature=manifest["signature"],
            key_id=manifest["key_id"],
        )
        with guard.permit("archive"):
            AuditEvent.objects.filter(chain_seq__gte=start, chain_seq__lte=end).delete()
    return record


# --- offline check ----------------------------------------------------------------------------


def _problem(code: str, zh: str, en: str, position: int | None = None) -> Problem:
    return Problem(code, position, None, zh, en)


def _manifest_problem(manifest: dict, path: Path, trusted) -> Problem | None:
    if manifest.get("format") != FORMAT:
        return _problem("manifest", "清单格式不符", f"manifest format is not {FORMAT}")
    embedded = keys.load_public(manifest["public_key"].encode())
    if keys.key_id(embedded) != keys.key_id(trusted):
        return _problem(
            "signature", "清单不是由受信任的节点密钥签名", "manifest not signed by the trusted key"
        )
    if not keys.verify(manifest_message(manifest), manifest["signature"], trusted):
        return _problem("signature", "清单签名无效", "the manifest's signature is invalid")
    if _sha256(path) != manifest["sha256"]:
        return _problem("sha256", "归档文件的 SHA-256 与清单不符", "the file's SHA-256 differs")
    return None


def _rows_problem(manifest: dict, path: Path) -> tuple[Problem | None, int]:
    expected, prev, count = manifest["first_chain_seq"], manifest["first_prev_hash"], 0
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            stored_prev, stored_hash = row.pop("prev_hash"), row.pop("hash")
            problem = check_row(row, stored_prev, stored_hash, expected, prev)
            if problem is not None:
                return problem, count
            prev, expected, count = stored_hash, expected + 1, count + 1
    if count != manifest["row_count"] or prev != manifest["last_hash"]:
        return _problem(
            "truncated",
            f"归档文件有 {count} 行，清单为 {manifest['row_count']} 行，或末行哈希不符",
            f"the file has {count} rows, the manifest {manifest['row_count']}, "
            "or the last hash differs",
            expected,
        ), count
    return None, count


def verify_archive(path: Path, trusted_pem: bytes | None = None) -> tuple[Problem | None, int]:
    """Check an archive file offline (no database): manifest signature, SHA-256, every row's
    hash and link, the row count and the last hash. Returns (problem or None, rows read)."""
    manifest = json.loads(Path(f"{path}.manifest.json").read_text(encoding="utf-8"))
    trusted = keys.load_public(trusted_pem) if trusted_pem else keys.private_key().public_key()
    problem = _manifest_problem(manifest, path, trusted)
    if problem is not None:
        return problem, 0
    return _rows_problem(manifest, path)

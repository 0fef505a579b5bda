"""`bianzhi audit verify|seal|checkpoint|archive`: the tamper-evident audit from the shell."""

import datetime
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bianzhi.audit.archive import ArchiveRefused, archive_before, verify_archive
from bianzhi.audit.chain import seal
from bianzhi.audit.checkpoints import checkpoint_create
from bianzhi.audit.verify import verify_chain


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--before {value!r}: 日期格式应为 YYYY-MM-DD / use YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Verify, seal, checkpoint or archive the audit chain (审计链校验、封链、检查点、归档)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="walk the chain and name the first fault")
        verify.add_argument("--archive", type=Path, help="check this archive file offline")
        verify.add_argument("--public-key", type=Path, help="trusted node public key (PEM)")
        verify.add_argument("--no-seal", action="store_true", help="do not seal first")
        sub.add_parser("seal", help="chain the committed unsealed rows")
        checkpoint = sub.add_parser("checkpoint", help="seal, then sign the chain head")
        checkpoint.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="keep running: seal and checkpoint every SECONDS (used by `bianzhi serve`)",
        )
        archive = sub.add_parser("archive", help="move rows older than --before to a file")
        archive.add_argument("--before", required=True, type=_date)

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _seal(self, **options):
        self.stdout.write(f"已封链 sealed: {seal()}")

    def _checkpoint(self, *, every: int | None = None, **options):
        if every:
            while True:  # stopped by the process that started it (`bianzhi serve`)
                self._checkpoint_once()
                time.sleep(every)
        self._checkpoint_once()

    def _checkpoint_once(self):
        point = checkpoint_create()
        if point is None:
            self.stdout.write("无新记录，未建检查点 / nothing new to checkpoint")
        else:
            self.stdout.write(f"检查点 checkpoint: position {point.last_seq} {point.head_hash}")

    def _archive(self, *, before: datetime.date, **options):
        try:
            record = archive_before(before)
        except ArchiveRefused as exc:
            raise CommandError(str(exc)) from exc
        if record is None:
            self.stdout.write("无可归档的记录 / nothing to archive")
            return
        self.stdout.write(
            f"已归档 archived {record.row_count} rows, positions "
            f"{record.first_chain_seq}–{record.last_chain_seq}: {record.path}"
        )

    def _verify(self, *, archive: Path | None, public_key: Path | None, no_seal: bool, **options):
        if archive is not None:
            trusted = public_key.read_bytes() if public_key else None
            problem, rows = verify_archive(archive, trusted)
            if problem is not None:
                raise CommandError(f"审计归档校验失败 / archive check failed: {problem}")
            self.stdout.write(f"归档完好 archive intact: {rows} rows ({archive})")
            return
        if not no_seal:
            seal()
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"审计链校验失败 / audit chain check failed: {report.problem}")
        rate = report.rows / report.seconds if report.seconds else 0
        self.stdout.write(
            f"审计链完好 audit chain intact: {report.rows} rows, positions "
            f"{report.first_chain_seq}–{report.last_chain_seq}, {report.checkpoints} checkpoints, "
            f"{report.unsealed} unsealed, {report.seconds:.2f} s ({rate:,.0f} rows/s)"
        )

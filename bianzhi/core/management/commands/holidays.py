"""`bianzhi holidays load FILE.json` loads one year's holiday schedule (all or nothing);
`bianzhi holidays show YEAR` prints it with its source notice."""

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bianzhi.core import calendar
from bianzhi.core.errors import DomainError

WEEKDAYS = "一二三四五六日"
KINDS = {calendar.HOLIDAY: "放假 holiday", calendar.WORKDAY: "调休上班 adjusted working day"}


class Command(BaseCommand):
    help = "Load or show the holiday schedule of a year (working-day calendar)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load a year's JSON file (core/data/holidays layout)")
        load.add_argument("file", type=Path)
        show = sub.add_parser("show", help="print a year's holidays and adjusted working days")
        show.add_argument("year", type=int)

    def handle(self, *args, action: str, **options) -> None:
        if action == "load":
            self._load(options["file"])
        else:
            self._show(options["year"])

    def _load(self, path: Path) -> None:
        try:
            data = calendar.read_schedule_file(path)
        except OSError as exc:
            raise CommandError(f"无法读取 {path} / cannot read {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} 不是 UTF-8 编码 / {path} is not UTF-8 encoded") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）/ "
                f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
            ) from exc
        try:
            dataset = calendar.calendar_load(actor=None, data=data)
        except DomainError as exc:
            raise CommandError(f"{exc.message_zh} / {exc.message_en}") from exc
        count = dataset.calendar_days.count()
        self.stdout.write(f"{dataset.version}: {count} days loaded · {dataset.source}")

    def _show(self, year: int) -> None:
        dataset, days = calendar.year_schedule(year)
        if dataset is None:
            raise CommandError(
                f"{year} 年的节假日安排尚未载入 / the schedule of {year} is not loaded"
            )
        self.stdout.write(f"{year} · {dataset.source} · {dataset.published_on}")
        for day, row in days.items():
            self.stdout.write(f"{day} 星期{WEEKDAYS[day.weekday()]}  {KINDS[row.kind]}  {row.name}")
        first, last = datetime.date(year - 1, 12, 31), datetime.date(year, 12, 31)
        self.stdout.write(f"working days 工作日: {calendar.working_days_between(first, last)}")

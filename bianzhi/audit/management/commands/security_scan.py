"""`bianzhi security_scan`: run the monitoring rules over a past window of the audit."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bianzhi.audit.monitoring import scan


class Command(BaseCommand):
    help = "Evaluate the monitoring rules over audit rows of a window; raises missed alerts once."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=60, help="window ending now")
        parser.add_argument("--since", help="window start (ISO date-time), instead of --minutes")
        parser.add_argument("--until", help="window end (ISO date-time), default now")

    def _moment(self, raw: str) -> datetime.datetime:
        moment = parse_datetime(raw)
        if moment is None:
            raise CommandError(f"not a date-time: {raw!r} (use 2026-11-27T08:00)")
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def handle(self, *args, minutes: int, since: str | None, until: str | None, **options):
        end = self._moment(until) if until else timezone.now()
        start = self._moment(since) if since else end - datetime.timedelta(minutes=minutes)
        if start >= end:
            raise CommandError("the window is empty: --since must be before --until")
        alerts = scan(start, end)
        for alert in alerts:
            self.stdout.write(f"{alert.rule:<18} {alert.summary}")
        self.stdout.write(
            f"{len(alerts)} new alert(s) for {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
        )

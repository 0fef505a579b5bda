"""Send the annual-report reminders due today (30, 10 and 3 days before 31 March), each once;
run it daily (cron or systemd timer)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bianzhi.annualreports.services import reminders_send


class Command(BaseCommand):
    help = "Send the annual-report reminders due today, once per institution, year and threshold."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to act as today, YYYY-MM-DD")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: not a date YYYY-MM-DD: {options['date']!r}") from exc
        count = reminders_send(today=today)
        self.stdout.write(f"{count} institutions reminded on {today.isoformat()}")

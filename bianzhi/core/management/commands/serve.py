"""`bianzhi serve`: the web server plus a background task worker, for `make run`."""

import subprocess  # nosec B404  # starts this project's own worker
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve the web UI and API, with a task worker for long jobs such as imports and a "
        "maintainer that seals and checkpoints the audit chain every AUDIT_CHECKPOINT_INTERVAL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background task worker"
        )

    def handle(self, *args, host: str, port: str, no_worker: bool, **options):
        helpers = []
        if not no_worker:
            every = str(settings.AUDIT_CHECKPOINT_INTERVAL)
            for argv in (["db_worker"], ["audit", "checkpoint", "--every", every]):
                process = subprocess.Popen([sys.executable, "-m", "bianzhi.cli", *argv])  # nosec B603  # fixed argv, no shell
                self.stdout.write(f"{argv[0]} started (pid {process.pid})")
                helpers.append(process)
        self.stdout.write(f"Bianzhi at http://{host}:{port}/ — health check at /healthz")
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
        finally:
            for process in helpers:
                process.terminate()
                process.wait(timeout=10)

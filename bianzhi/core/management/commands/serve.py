"""`bianzhi serve`: the web server plus a background task worker, for `make run`."""

import subprocess  # nosec B404  # starts this project's own worker
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web UI and API, with a task worker for long jobs such as imports."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background task worker"
        )

    def handle(self, *args, host: str, port: str, no_worker: bool, **options):
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "bianzhi.cli", "db_worker"])  # nosec B603  # fixed argv, no shell
            self.stdout.write(f"task worker started (pid {worker.pid})")
        self.stdout.write(f"Bianzhi at http://{host}:{port}/ — health check at /healthz")
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)

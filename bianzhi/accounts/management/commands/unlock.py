"""`bianzhi unlock <username>` / `--address IP` / `--list`: clear login lockouts (audited)."""

from django.core.management.base import BaseCommand, CommandError

from bianzhi.accounts.services import lockout_clear, lockouts


class Command(BaseCommand):
    help = "Unlock an account or an address locked after repeated login failures, or list locks."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="")
        parser.add_argument("--address", default="", help="unlock a client address instead")
        parser.add_argument("--list", action="store_true", help="list what is locked now")

    def handle(self, *args, username: str, address: str, list: bool, **options):
        if list:
            locks = lockouts()
            for kind in ("usernames", "addresses"):
                for lock in locks[kind]:
                    self.stdout.write(f"{kind[:-1]:<8} {lock['value']:<24} {lock['failures']}")
            return
        if not username and not address:
            raise CommandError("name an account or --address (or --list)")
        count = lockout_clear(actor="command:unlock", username=username, address=address)
        self.stdout.write(f"unlocked {username or address} ({count} attempt records cleared)")

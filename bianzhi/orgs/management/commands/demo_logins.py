"""`bianzhi demo_logins`: print the demo accounts made by `bianzhi demo` (demo only)."""

from django.core.management.base import BaseCommand

from bianzhi.accounts.models import User
from bianzhi.orgs.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins (user, password, node, role). For demonstrations only."

    def handle(self, *args, **options):
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
        if not users:
            self.stdout.write("No demo logins: run `bianzhi demo` on an empty registry first.")
            return
        self.stdout.write(
            self.style.WARNING(
                "DEMO ONLY — these accounts share a published password; "
                "never load the demo into a production database."
            )
        )
        for username in DEMO_USERS:
            if user := users.get(username):
                self.stdout.write(f"  {username:<9} {DEMO_PASSWORD}  {self._describe(user)}")
        self.stdout.write("(password as set by `bianzhi demo`, unless changed since)")

    @staticmethod
    def _describe(user) -> str:
        role = (
            "superuser"
            if user.is_superuser
            else ", ".join(user.groups.order_by("name").values_list("name", flat=True))
        )
        node = f"{user.node.name} ({user.node.code})" if user.node else "no node"
        if user.org_id:
            node = f"own account of {user.org.name}"
        return f"{role or 'no role'} · {node}"

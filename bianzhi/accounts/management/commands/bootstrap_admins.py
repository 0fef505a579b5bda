"""`bianzhi bootstrap_admins`: the first system administrator, security administrator and
auditor (三员), each with a random initial password printed once and to be changed at login."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bianzhi.accounts.administration import account_create, role_grant
from bianzhi.accounts.models import User
from bianzhi.accounts.roles import ADMIN_ROLES, role_label


class Command(BaseCommand):
    help = "Create the first sysadmin, secadmin and auditor accounts (passwords shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--prefix", default="", help="username prefix, e.g. js_ → js_sysadmin")

    def handle(self, *args, prefix: str, **options):
        names = [f"{prefix}{role}" for role in ADMIN_ROLES]
        if taken := list(
            User.objects.filter(username__in=names).values_list("username", flat=True)
        ):
            raise CommandError(f"accounts already exist: {', '.join(taken)}")
        created = []
        with transaction.atomic():
            for role, username in zip(ADMIN_ROLES, names, strict=True):
                user, raw = account_create(
                    actor=None, username=username, full_name=role_label(role)
                )
                role_grant(actor=None, user=user, role=role)
                created.append((username, role, raw))
        for username, role, raw in created:
            self.stdout.write(f"{username:<16} {role:<9} {raw}")
        self.stdout.write(
            "(initial passwords are shown only now and must be changed at first login)"
        )

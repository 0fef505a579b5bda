"""`bianzhi cert bind <username> <pem-file>` / `unbind <subject>` / `list`: certificate logins."""

from pathlib import Path

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError

from bianzhi.accounts.certificates import certificate_bind, certificate_unbind
from bianzhi.accounts.models import CertificateBinding, User
from bianzhi.core.errors import DomainError


class Command(BaseCommand):
    help = "Bind a client certificate's subject to an account, end a binding, or list them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        bind = sub.add_parser("bind", help="bind the subject of a PEM certificate to an account")
        bind.add_argument("username")
        bind.add_argument("pem_file")
        unbind = sub.add_parser("unbind", help="end the binding of a subject (RFC 4514 string)")
        unbind.add_argument("subject")
        sub.add_parser("list", help="list bindings")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

    def _bind(self, *, username: str, pem_file: str, **_options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        try:
            certificate = x509.load_pem_x509_certificate(Path(pem_file).read_bytes())
        except (OSError, ValueError) as exc:
            raise CommandError(f"{pem_file}: not a PEM certificate ({exc})") from exc
        binding = certificate_bind(actor=None, user=user, certificate=certificate)
        self.stdout.write(f"bound {binding.subject} → {user.username}")

    def _unbind(self, *, subject: str, **_options):
        binding = certificate_unbind(actor=None, subject=subject)
        self.stdout.write(f"unbound {binding.subject} ({binding.user.username})")

    def _list(self, **_options):
        for b in CertificateBinding.objects.select_related("user").order_by("subject"):
            state = f"revoked {b.revoked_at:%Y-%m-%d}" if b.revoked_at else "active"
            self.stdout.write(f"{b.user.username:<12} {state:<18} {b.subject}")

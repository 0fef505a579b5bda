"""`bianzhi api_token issue|revoke|list`: bearer tokens for other departments' systems."""

from django.core.management.base import BaseCommand, CommandError

from bianzhi.accounts.models import ApiToken, User
from bianzhi.accounts.services import api_token_issue, api_token_revoke
from bianzhi.core.errors import DomainError


class Command(BaseCommand):
    help = "Issue, revoke or list API tokens. The raw token is shown once, at issue."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a token for an account")
        issue.add_argument("username")
        issue.add_argument("name", help="what the token is for, e.g. 财政厅工资系统")
        issue.add_argument("--days", type=int, default=90)
        issue.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            help='repeat for each scope, e.g. --scope orgs:read --scope staffing:read; "*" for all',
        )
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")
        sub.add_parser("list", help="list tokens (prefixes only)")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _issue(self, *, username: str, name: str, days: int, scopes: list[str], **_options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        if days < 1 or days > 366:
            raise CommandError("--days must be between 1 and 366")
        try:
            token, raw = api_token_issue(actor=None, user=user, name=name, days=days, scopes=scopes)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{raw}\n(scopes {' '.join(token.scopes)}; expires {token.expires_at:%Y-%m-%d};"
            " shown only now)"
        )

    def _revoke(self, *, prefix: str, **_options):
        token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
        if token is None:
            raise CommandError(f"no active token with prefix {prefix!r}")
        api_token_revoke(actor=None, token=token)
        self.stdout.write(f"revoked {token}")

    def _list(self, **_options):
        for token in ApiToken.objects.select_related("user").order_by("-created_at"):
            state = "revoked" if token.revoked_at else f"expires {token.expires_at:%Y-%m-%d}"
            scopes = " ".join(token.scopes) or "-"
            self.stdout.write(
                f"{token.prefix}  {token.user.username:<12} {token.name}  [{scopes}]  {state}"
            )

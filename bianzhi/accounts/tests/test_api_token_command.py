import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from bianzhi.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_issue_use_and_revoke_a_token(users):
    out = io.StringIO()
    call_command(
        "api_token",
        "issue",
        "province",
        "财政厅工资系统",
        "--days",
        "30",
        "--scope",
        "orgs:read",
        stdout=out,
    )
    raw = out.getvalue().split()[0]
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/orgs").status_code == 200
    token = ApiToken.objects.get()
    assert token.key_hash != raw and raw not in token.key_hash
    call_command("api_token", "revoke", token.prefix, stdout=io.StringIO())
    assert client.get("/api/v1/orgs").status_code == 401


def test_issue_refuses_unknown_accounts_and_silly_lifetimes(users):
    with pytest.raises(CommandError):
        call_command("api_token", "issue", "ghost", "x", "--scope", "orgs:read")
    with pytest.raises(CommandError):
        call_command("api_token", "issue", "province", "x", "--days", "0", "--scope", "*")


def test_issue_needs_known_scopes(users):
    with pytest.raises(CommandError):
        call_command("api_token", "issue", "province", "x")
    with pytest.raises(CommandError, match="scope"):
        call_command("api_token", "issue", "province", "x", "--scope", "orgs:delete")
    assert not ApiToken.objects.exists()

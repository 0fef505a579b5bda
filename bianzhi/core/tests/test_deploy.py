"""Production hardening: `check --deploy` is clean in the production profile, the profile refuses
DEBUG and a missing SECRET_KEY, and bandit finds nothing unjustified."""

import os
import shutil
import subprocess  # nosec B404  # runs this project's own commands with fixed arguments
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "BIANZHI_PROFILE": "production",
    "SECRET_KEY": "prod-" + "k3y-ab5d" * 8,
    "ALLOWED_HOSTS": "example.gov.cn",
}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BIANZHI_", "SECRET_KEY"))}
    clean.pop("DEBUG", None)
    return subprocess.run(  # nosec B603  # fixed argument list, no shell
        args, cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=120
    )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], **env)


def test_check_deploy_is_clean_in_production(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        BIANZHI_VAR_DIR=str(tmp_path),
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_hardened(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.DEBUG,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    result = _manage(
        "shell",
        "-c",
        code,
        BIANZHI_VAR_DIR=str(tmp_path),
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO=https",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "True True 31536000 True True False ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"SECRET_KEY": ""}, "needs SECRET_KEY"),
    ],
)
def test_production_refuses_debug_and_a_missing_key(tmp_path, env, message):
    result = _manage("check", BIANZHI_VAR_DIR=str(tmp_path), **(PRODUCTION_ENV | env))
    assert result.returncode != 0 and message in result.stderr


@pytest.mark.skipif(
    shutil.which("bandit", path=str(Path(sys.executable).parent)) is None
    and shutil.which("bandit") is None,
    reason="bandit is not installed",
)
def test_bandit_clean():
    bandit = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which("bandit")
    result = _run(
        [bandit, "-c", "pyproject.toml", "-r", "bianzhi", "-x", "*/tests/*,*/migrations/*", "-q"]
    )
    assert result.returncode == 0, result.stdout + result.stderr

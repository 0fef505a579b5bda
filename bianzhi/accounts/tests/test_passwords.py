"""Password policy: each rule refuses with its name in Chinese and English; history, expiry and
the forced change of initial passwords."""

import datetime
import os
import subprocess
import sys

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from bianzhi.accounts.models import PasswordHistory, User
from bianzhi.accounts.passwords import character_classes, password_expired
from bianzhi.accounts.services import password_change
from bianzhi.audit.models import AuditEvent
from bianzhi.testing import PASSWORD

pytestmark = pytest.mark.django_db

GOOD = "Qiang-kou-ling-2026"


def refusal(password: str, user=None) -> str:
    with pytest.raises(ValidationError) as exc:
        password_validation.validate_password(password, user)
    return " ".join(exc.value.messages)


def test_each_rule_is_named_in_both_languages(users):
    user = users["province"]
    assert "长度规则" in refusal("Ab1-short", user) and "length rule" in refusal("Ab1-short", user)
    assert "complexity rule" in refusal("alllowercaseletters", user)
    assert "复杂度规则" in refusal("alllowercaseletters", user)
    assert "common-password rule" in refusal("Password1234", user)
    similar = refusal("Province-2026x", user)
    assert "similarity rule" in similar and "相似性规则" in similar
    password_validation.validate_password(GOOD, user)  # passes every rule


def test_complexity_counts_four_classes():
    assert character_classes("abcABC123") == {"lower", "upper", "digit"}
    assert character_classes("abc-编制") == {"lower", "symbol"}
    password_validation.validate_password("lowercase-and-9digits")  # lower, symbol, digit


@override_settings(PASSWORD_MIN_LENGTH=16)
def test_the_minimum_length_comes_from_settings(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "bianzhi.accounts.passwords.MinimumLengthValidator",
            "OPTIONS": {"min_length": 16},
        }
    ]
    password_validation.get_default_password_validators.cache_clear()
    try:
        assert "16" in refusal("Abc-12345678901")
    finally:
        password_validation.get_default_password_validators.cache_clear()


def test_every_set_password_is_remembered_and_dated(users):
    user = users["province"]
    assert list(user.password_history.values_list("password", flat=True)) == [user.password]
    assert user.password_changed_at is not None
    password_change(user=user, new_password=GOOD)
    user.refresh_from_db()
    assert user.password_history.count() == 2
    assert user.password_history.first().password == user.password


def test_the_last_five_cannot_be_reused_but_the_sixth_can(users):
    user = users["province"]
    passwords = [f"Neu-passwort-{n}x" for n in range(5)]
    for password in passwords:
        password_change(user=user, new_password=password)
    assert user.password_history.count() == 5  # older hashes are dropped
    for recent in passwords:
        assert "history rule" in refusal(recent, user)
    password_change(user=user, new_password=PASSWORD)  # the initial one is 6 changes back


def test_a_hash_upgrade_at_login_is_not_a_change(users):
    user = users["province"]
    before = (user.password_history.count(), user.password_changed_at)
    user.check_password(PASSWORD)  # may re-hash; must not count as a new password
    user.save()
    user.refresh_from_db()
    assert (user.password_history.count(), user.password_changed_at) == before


def test_expiry_after_the_configured_days(users, settings):
    user = users["province"]
    now = timezone.now()
    user.password_changed_at = now - datetime.timedelta(days=91)
    assert password_expired(user, now)
    user.password_changed_at = now - datetime.timedelta(days=89)
    assert not password_expired(user, now)
    settings.PASSWORD_MAX_AGE_DAYS = 0
    user.password_changed_at = now - datetime.timedelta(days=900)
    assert not password_expired(user, now)


def test_expired_and_initial_passwords_force_the_change_page(client, users):
    user = users["province"]
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=120)
    )
    client.force_login(user)
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200
    api = client.get("/api/v1/orgs")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"

    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD},
    )
    assert response.status_code == 302
    assert client.get("/orgs/").status_code == 200  # still signed in, free to go on
    user.refresh_from_db()
    assert not password_expired(user)
    assert AuditEvent.objects.filter(action="auth.password.changed", actor=user).count() == 1


def test_must_change_password_is_cleared_by_the_change(client, users):
    user = users["city"]
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client.force_login(user)
    assert client.get("/").status_code == 302
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "长度规则" in response.content.decode()
    client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD},
    )
    user.refresh_from_db()
    assert user.must_change_password is False
    assert client.get("/").status_code == 200


def test_wrong_current_password_or_mismatch_changes_nothing(client, users):
    user = users["county"]
    client.force_login(user)
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": GOOD, "new_password2": GOOD},
    )
    assert "the current password is wrong" in wrong.content.decode()
    mismatch = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD + "x"},
    )
    assert "differ" in mismatch.content.decode()
    assert PasswordHistory.objects.filter(user=user).count() == 1


def test_argon2_is_the_hasher_outside_tests(tmp_path):
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 50,
        "BIANZHI_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "bianzhi.settings",
    }
    env.pop("BIANZHI_TESTING", None)
    code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=[out.stdout.strip()]):
        user = User.objects.create_user("argon", password=GOOD)
        assert identify_hasher(user.password).algorithm == "argon2"

"""Password policy (等保 identity rules): length, complexity, not like the account, not common,
not one of the last few; every set password is remembered so that the last rule can hold.

Messages name the rule in Chinese and English, so they are not translated again."""

import datetime
import string

from django.conf import settings
from django.contrib.auth import password_validation as django_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone


def _error(code: str, zh: str, en: str) -> ValidationError:
    return ValidationError(f"{zh} / {en}", code=code)


class MinimumLengthValidator:
    """Rule 长度 / length: at least `min_length` characters."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length:
            raise _error(
                "password_too_short",
                f"密码至少 {self.min_length} 个字符（长度规则）",
                f"the password needs at least {self.min_length} characters (length rule)",
            )

    def get_help_text(self) -> str:
        return f"至少 {self.min_length} 个字符 / at least {self.min_length} characters"


CHARACTER_CLASSES = {
    "upper": set(string.ascii_uppercase),
    "lower": set(string.ascii_lowercase),
    "digit": set(string.digits),
}


def character_classes(password: str) -> set[str]:
    """Which of upper, lower, digit and symbol (anything else) the password uses."""
    found = {name for name, chars in CHARACTER_CLASSES.items() if chars & set(password)}
    if any(not ch.isascii() or not ch.isalnum() for ch in password):
        found.add("symbol")
    return found


class ComplexityValidator:
    """Rule 复杂度 / complexity: at least `required` of upper, lower, digit and symbol."""

    def __init__(self, required: int = 3):
        self.required = required

    def validate(self, password: str, user=None) -> None:
        if len(character_classes(password)) < self.required:
            raise _error(
                "password_too_simple",
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.required} 类"
                "（复杂度规则）",
                f"the password needs {self.required} of: upper case, lower case, digit, "
                "symbol (complexity rule)",
            )

    def get_help_text(self) -> str:
        return "大写、小写、数字、符号至少三类 / three of upper, lower, digit, symbol"


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    """Rule 相似 / similarity: not close to the user name, name or e-mail."""

    DEFAULT_USER_ATTRIBUTES = ("username", "full_name", "first_name", "last_name", "email")

    def get_error_message(self) -> str:
        return (
            "密码与账号信息过于相似（相似性规则） / "
            "the password is too similar to the %(verbose_name)s (similarity rule)"
        )

    def get_help_text(self) -> str:
        return "不能与账号信息相似 / not similar to the account's names"


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    """Rule 常见 / common: not in the list of 20,000 common passwords."""

    def validate(self, password: str, user=None) -> None:
        try:
            super().validate(password, user)
        except ValidationError:
            raise _error(
                "password_too_common",
                "密码过于常见（常见密码规则）",
                "the password is too common (common-password rule)",
            ) from None

    def get_help_text(self) -> str:
        return "不能是常见密码 / not a common password"


class HistoryValidator:
    """Rule 历史 / history: not one of the account's last `history` passwords (the current one
    included)."""

    def __init__(self, history: int = 5):
        self.history = history

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None or self.history <= 0:
            return
        former = user.password_history.values_list("password", flat=True)[: self.history]
        if any(check_password(password, encoded) for encoded in former):
            raise _error(
                "password_reused",
                f"不能重复使用最近 {self.history} 次用过的密码（历史规则）",
                f"the password was one of the last {self.history} (history rule)",
            )

    def get_help_text(self) -> str:
        return f"不能与最近 {self.history} 次密码相同 / not one of the last {self.history}"


def password_remember(sender, instance, created: bool = False, update_fields=None, **_kwargs):
    """post_save on User: remember a newly set password hash and when it was set.

    `set_password` leaves the raw password on the instance until save() finishes; a hash
    upgrade at login does not, so re-hashing the same password is not a change."""
    from .models import PasswordHistory, User

    if not (created or instance._password is not None):
        return
    if update_fields is not None and "password" not in update_fields:
        return
    if not instance.has_usable_password():
        return
    now = timezone.now()
    PasswordHistory.objects.create(user=instance, password=instance.password)
    User.objects.filter(pk=instance.pk).update(password_changed_at=now)
    instance.password_changed_at = now
    keep = max(settings.PASSWORD_HISTORY, 1)
    stale = instance.password_history.values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def password_expired(user, now: datetime.datetime | None = None) -> bool:
    """True when the password is older than PASSWORD_MAX_AGE_DAYS (0 turns expiry off)."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if days <= 0 or not user.has_usable_password() or user.password_changed_at is None:
        return False
    return (now or timezone.now()) - user.password_changed_at > datetime.timedelta(days=days)

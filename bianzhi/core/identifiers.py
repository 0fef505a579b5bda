"""Checks for Chinese identifiers: resident ID numbers and unified social credit codes.

Pure Python (no Django): the forms, models and API layers wrap these functions.

* Resident identity card number, GB 11643-1999 (公民身份号码): 6-digit region, 8-digit birth
  date, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.
* Unified social credit code, GB 32100-2015 (统一社会信用代码): registration authority,
  category, 6-digit region, 9-character organisation code (GB 11714 body + check character) and
  an ISO 7064-style MOD 31 check character.

Every failure raises :class:`IdentifierError` with a stable machine-readable ``code`` and a
Chinese and an English message.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

__all__ = [
    "ESTABLISHMENT_AUTHORITY_CATEGORIES",
    "USCC_ALPHABET",
    "CreditCode",
    "IdentifierError",
    "ResidentId",
    "gb11714_check_digit",
    "make_credit_code",
    "mask_resident_id",
    "ric_check_digit",
    "uscc_check_digit",
    "validate_credit_code",
    "validate_resident_id",
]


class IdentifierError(ValueError):
    """An identifier failed validation.  ``code`` is stable and meant for programs."""

    code: str
    message_zh: str
    message_en: str

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(code, message_zh, message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


# --- resident identity card number (GB 11643-1999) --------------------------------------------

RIC_LENGTH = 18


@dataclass(frozen=True)
class ResidentId:
    number: str  # normalised, 18 characters, upper-case "X"
    region_code: str  # positions 1-6 (region at first registration; may be a historic code)
    birth_date: datetime.date
    gender: str  # "M" (odd sequence number) or "F" (even)


def _ric_error(code: str) -> IdentifierError:
    messages = {
        "ric.length": ("公民身份号码应为18位", "a resident ID number has 18 characters"),
        "ric.format": (
            "公民身份号码前17位应为数字，末位应为数字或X",
            "a resident ID number is 17 digits followed by a digit or X",
        ),
        "ric.birth_date": (
            "公民身份号码中的出生日期无效",
            "the birth date in the resident ID number is not a valid past date",
        ),
        "ric.checksum": (
            "公民身份号码校验码错误",
            "the resident ID number check character is wrong",
        ),
        "ric.region": (
            "公民身份号码中的行政区划代码不存在",
            "the region code in the resident ID number does not exist",
        ),
    }
    zh, en = messages[code]
    return IdentifierError(code, zh, en)


def ric_check_digit(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits (ISO 7064 MOD 11-2).

    ``(1 - 2 * int(first17, 13)) % 11`` equals the weighted sum with weights 2^(17-i) mod 11
    because 13 ≡ 2 (mod 11); a result of 10 is written "X".
    """
    if len(first17) != RIC_LENGTH - 1:
        raise _ric_error("ric.length")
    if not (first17.isascii() and first17.isdigit()):
        raise _ric_error("ric.format")
    checksum = (1 - 2 * int(first17, 13)) % 11
    return "X" if checksum == 10 else str(checksum)


def _ric_birth_date(number: str, today: datetime.date | None) -> datetime.date:
    try:
        birth_date = ric.get_birth_date(number)
    except (ValidationError, ValueError) as exc:
        raise _ric_error("ric.birth_date") from exc
    if birth_date > (today or datetime.date.today()):
        raise _ric_error("ric.birth_date")
    return birth_date


def validate_resident_id(
    value: str,
    *,
    region_exists: Callable[[str], bool] | None = None,
    today: datetime.date | None = None,
) -> ResidentId:
    """Validate an 18-character resident ID number and return its parts.

    Checks, in this order: length (``ric.length``), format (``ric.format``), birth date is a real
    date not in the future (``ric.birth_date``), check character (``ric.checksum``) and, when
    ``region_exists`` is given, the region code (``ric.region``).

    The region is deliberately not checked against python-stdnum's built-in table
    (``stdnum.cn.ric.validate`` does that): stdnum requires the county to have existed in the
    *birth* year, but numbers are assigned at registration, which can be much later.  Pass
    ``region_exists`` backed by ``regions.csv`` (any period) instead.
    """
    number = ric.compact(value if isinstance(value, str) else "")
    if len(number) != RIC_LENGTH:
        raise _ric_error("ric.length")
    body, check = number[:-1], number[-1]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        raise _ric_error("ric.format")
    birth_date = _ric_birth_date(number, today)
    if ric.calc_check_digit(number) != check:
        raise _ric_error("ric.checksum")
    region_code = number[:6]
    if region_exists is not None and not region_exists(region_code):
        raise _ric_error("ric.region")
    gender = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number, region_code, birth_date, gender)


def mask_resident_id(value: str) -> str:
    """Mask the birth date of a resident ID number: ``110101********1234``.

    18 characters keep the first 6 and the last 4; a first-generation 15-digit number keeps
    the first 6 and the last 3 (its birth date is positions 7-12).  Anything else is masked
    completely, so a malformed value never leaks.  The input is not validated.
    """
    number = ric.compact(value if isinstance(value, str) else "")
    if len(number) == RIC_LENGTH:
        return number[:6] + "*" * 8 + number[14:]
    if len(number) == 15:
        return number[:6] + "*" * 6 + number[12:]
    return "*" * len(number)


# --- organisation code (GB 11714-1997) --------------------------------------------------------

GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_GB11714_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # value = index (A = 10 ... Z = 35)


def gb11714_check_digit(first8: str) -> str:
    """Return the GB 11714 organisation-code check character for its 8-character body.

    ``C = 11 - (Σ value × weight mod 11)``; 10 is written "X" and 11 is written "0".
    """
    body = first8.upper()
    if len(body) != len(GB11714_WEIGHTS):
        raise IdentifierError(
            "uscc.length",
            "组织机构代码本体应为8位",
            "an organisation code body has 8 characters",
        )
    if any(char not in _GB11714_CHARS for char in body):
        raise IdentifierError(
            "uscc.alphabet",
            "组织机构代码只能包含数字和大写字母",
            "an organisation code contains only digits and capital letters",
        )
    total = sum(_GB11714_CHARS.index(c) * w for c, w in zip(body, GB11714_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


# --- unified social credit code (GB 32100-2015) -----------------------------------------------

USCC_LENGTH = 18
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # same as stdnum.cn.uscc (no I O S V Z)
# 登记管理部门 1 = 机构编制 with its categories: 1 机关, 2 事业单位,
# 3 中央编办直接管理机构编制的群众团体, 9 其他.
ESTABLISHMENT_AUTHORITY_CATEGORIES = frozenset({"11", "12", "13", "19"})


@dataclass(frozen=True)
class CreditCode:
    number: str  # normalised, 18 characters
    authority: str  # position 1, 登记管理部门码
    category: str  # position 2, 机构类别码
    region_code: str  # positions 3-8, 登记管理机关行政区划码
    org_code: str  # positions 9-17, 组织机构代码 including its check character


_USCC_MESSAGES = {
    "uscc.length": ("统一社会信用代码应为18位", "a unified social credit code has 18 characters"),
    "uscc.alphabet": (
        "统一社会信用代码含有不允许的字符（不使用I、O、S、V、Z）",
        "the unified social credit code contains characters outside its alphabet "
        "(I, O, S, V and Z are not used)",
    ),
    "uscc.checksum": (
        "统一社会信用代码校验码（第18位）错误",
        "the unified social credit code check character (position 18) is wrong",
    ),
    "uscc.org_code_checksum": (
        "组织机构代码校验码（第17位）错误",
        "the organisation code check character (position 17) is wrong",
    ),
    "uscc.authority_category": (
        "不是机构编制部门登记的代码（第1-2位应为11、12、13或19）",
        "not a code registered by an establishment authority "
        "(positions 1-2 must be 11, 12, 13 or 19)",
    ),
    "uscc.region": (
        "统一社会信用代码中的行政区划码（第3-8位）无效",
        "the region code (positions 3-8) of the unified social credit code is not valid",
    ),
}


def _uscc_error(code: str) -> IdentifierError:
    zh, en = _USCC_MESSAGES[code]
    return IdentifierError(code, zh, en)


def uscc_check_digit(first17: str) -> str:
    """Return the GB 32100 check character (position 18) for the first 17 characters.

    Weights are 3^(i-1) mod 31; check = alphabet[(31 - Σ value × weight mod 31) mod 31].
    Computed by python-stdnum.
    """
    body = first17.upper()
    if len(body) != USCC_LENGTH - 1:
        raise _uscc_error("uscc.length")
    if any(char not in USCC_ALPHABET for char in body):
        raise _uscc_error("uscc.alphabet")
    return uscc.calc_check_digit(body)


def _region_is_valid(region: str, region_exists: Callable[[str], bool] | None) -> bool:
    if not (region.isascii() and region.isdigit()):
        return False
    return region_exists is None or bool(region_exists(region))


def validate_credit_code(
    value: str,
    *,
    establishment_only: bool = False,
    region_exists: Callable[[str], bool] | None = None,
) -> CreditCode:
    """Validate a unified social credit code and return its parts.

    The value is normalised (surrounding whitespace, inner spaces and hyphens removed,
    upper-cased).  Checks, in this order: ``uscc.length``, ``uscc.alphabet``,
    ``uscc.checksum`` (position 18, python-stdnum), ``uscc.org_code_checksum`` (position 17,
    GB 11714 over positions 9-16), ``uscc.authority_category`` (only with
    ``establishment_only``: positions 1-2 must be 11, 12, 13 or 19) and ``uscc.region``
    (positions 3-8 must be 6 digits and, if ``region_exists`` is given, it must return True).

    Unlike ``stdnum.cn.uscc.validate`` this accepts letters in positions 1-2 (GB 32100 uses
    authority codes such as ``N`` 农业 and ``Y`` 其他).  Central-level bodies use region
    ``100000``, which is not a GB/T 2260 code, so a ``region_exists`` callback must allow it.
    """
    number = uscc.compact(value if isinstance(value, str) else "")
    if len(number) != USCC_LENGTH:
        raise _uscc_error("uscc.length")
    if any(char not in USCC_ALPHABET for char in number):
        raise _uscc_error("uscc.alphabet")
    if uscc.calc_check_digit(number[:17]) != number[17]:
        raise _uscc_error("uscc.checksum")
    if gb11714_check_digit(number[8:16]) != number[16]:
        raise _uscc_error("uscc.org_code_checksum")
    if establishment_only and number[:2] not in ESTABLISHMENT_AUTHORITY_CATEGORIES:
        raise _uscc_error("uscc.authority_category")
    if not _region_is_valid(number[2:8], region_exists):
        raise _uscc_error("uscc.region")
    return CreditCode(
        number=number,
        authority=number[0],
        category=number[1],
        region_code=number[2:8],
        org_code=number[8:17],
    )


def make_credit_code(authority: str, category: str, region: str, org_code8: str) -> str:
    """Assemble a credit code from its parts and append both check characters."""
    authority, category, org_code8 = authority.upper(), category.upper(), org_code8.upper()
    if len(authority) != 1 or len(category) != 1 or len(region) != 6 or len(org_code8) != 8:
        raise _uscc_error("uscc.length")
    if any(char not in USCC_ALPHABET for char in authority + category + org_code8):
        raise _uscc_error("uscc.alphabet")
    if not (region.isascii() and region.isdigit()):
        raise _uscc_error("uscc.region")
    first17 = authority + category + region + org_code8 + gb11714_check_digit(org_code8)
    return first17 + uscc_check_digit(first17)

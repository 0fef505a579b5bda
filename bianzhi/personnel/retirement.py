"""Statutory retirement dates under China's progressive raise of the retirement age
(渐进式延迟法定退休年龄).

Pure Python, no Django. Every policy constant lives in ``POLICY`` or the module-level constants
below, each with its source; the functions only apply them.
"""

from __future__ import annotations

import calendar
import datetime
import math
from dataclasses import dataclass
from typing import overload

DECISION = "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》(2024-09-13)"
MEASURES = "附件《国务院关于渐进式延迟法定退休年龄的办法》"

SCHEDULE_ANCHOR_YEAR = 2025
"""The raise starts on 2025-01-01 (办法 第二条); k counts months from 2024-12 to the original
month."""

FLEXIBLE_EARLY_MONTHS = 36
"""Flexible early retirement: at most three years before the new age, never below the original
age (办法 第四条)."""

FLEXIBLE_LATE_MONTHS = 36
"""Delay by agreement between employer and employee: at most three years (办法 第四条)."""

IS_PAST_RULE = "retired from the retirement month; past it once the month's last day is over"
"""Choice made here (not in the law): a person retires during the retirement month, so
``is_past_retirement`` is True only on dates after that month's last day."""


@dataclass(frozen=True, order=True)
class YearMonth:
    """A calendar month; ordered, supports ``+``/``-`` months and prints as ``2025-02``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"月份无效 / invalid month: {self.month}")

    @classmethod
    def of(cls, day: datetime.date) -> YearMonth:
        """The month containing ``day``."""
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0, month 1: ``year * 12 + month - 1``."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> YearMonth:
        """Inverse of ``index``."""
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    def __add__(self, months: int) -> YearMonth:
        if not isinstance(months, int):
            return NotImplemented
        return YearMonth.from_index(self.index + months)

    @overload
    def __sub__(self, other: int) -> YearMonth: ...
    @overload
    def __sub__(self, other: YearMonth) -> int: ...
    def __sub__(self, other: int | YearMonth) -> YearMonth | int:
        """``ym - n`` is a month; ``ym - other`` is the number of months between them."""
        if isinstance(other, YearMonth):
            return self.index - other.index
        if isinstance(other, int):
            return YearMonth.from_index(self.index - other)
        return NotImplemented

    @property
    def first_day(self) -> datetime.date:
        """The first day of the month."""
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        """The last day of the month."""
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class CategoryRule:
    """One retirement category: original age, delay of one month per ``step_months``, up to
    ``cap_months``."""

    base_age_years: int
    step_months: int
    cap_months: int
    source: str

    @property
    def max_age_months(self) -> int:
        """The final statutory age in months (base + cap)."""
        return self.base_age_years * 12 + self.cap_months


_STEP_SOURCE = f"{DECISION}；{MEASURES} 第二条"

POLICY: dict[str, CategoryRule] = {
    # 男职工：原60周岁，每四个月延迟一个月，逐步延迟至63周岁。
    "male_60": CategoryRule(60, 4, 36, _STEP_SOURCE + "（男职工，60→63周岁）"),
    # 原法定退休年龄为55周岁的女职工（女干部）：每四个月延迟一个月，逐步延迟至58周岁。
    "female_55": CategoryRule(55, 4, 36, _STEP_SOURCE + "（原55周岁女职工，55→58周岁）"),
    # 原法定退休年龄为50周岁的女职工（女工人）：每二个月延迟一个月，逐步延迟至55周岁。
    "female_50": CategoryRule(50, 2, 60, _STEP_SOURCE + "（原50周岁女职工，50→55周岁）"),
}


@dataclass(frozen=True)
class Retirement:
    """The statutory retirement of one person: original and new month, the delay, the new age and
    the flexible window ``earliest``..``latest``."""

    category: str
    original_month: YearMonth
    delay_months: int
    month: YearMonth
    age_years: int
    age_months: int
    earliest: YearMonth
    latest: YearMonth

    @property
    def earliest_month(self) -> YearMonth:
        """Alias of ``earliest``."""
        return self.earliest

    @property
    def latest_month(self) -> YearMonth:
        """Alias of ``latest``."""
        return self.latest


def rule_for(category: str) -> CategoryRule:
    """The rule of ``category``; ValueError naming it when unknown."""
    try:
        return POLICY[category]
    except KeyError:
        raise ValueError(
            f"未知的退休类别 / unknown retirement category: {category!r} "
            f"(expected one of {', '.join(POLICY)})"
        ) from None


def delay_months(original: YearMonth, rule: CategoryRule) -> int:
    """Months of delay for an original retirement month.

    k = (Y0 - 2025)·12 + M0; d = 0 if k < 1 else min(cap, ceil(k / step)).
    """
    k = (original.year - SCHEDULE_ANCHOR_YEAR) * 12 + original.month
    if k < 1:
        return 0
    return min(rule.cap_months, math.ceil(k / rule.step_months))


def statutory_retirement(birth: datetime.date, category: str) -> Retirement:
    """The statutory retirement of someone born on ``birth`` in ``category``.

    Original month = birth month + base age; month = original + delay; earliest =
    max(original, month - 36); latest = month + 36.
    """
    rule = rule_for(category)
    original = YearMonth.of(birth) + rule.base_age_years * 12
    delay = delay_months(original, rule)
    month = original + delay
    years, months = divmod(rule.base_age_years * 12 + delay, 12)
    return Retirement(
        category=category,
        original_month=original,
        delay_months=delay,
        month=month,
        age_years=years,
        age_months=months,
        earliest=max(original, month - FLEXIBLE_EARLY_MONTHS),
        latest=month + FLEXIBLE_LATE_MONTHS,
    )


def is_past_retirement(birth: datetime.date, category: str, on: datetime.date) -> bool:
    """Whether ``on`` falls after the statutory retirement month.

    The person retires during the retirement month, so this is False up to and including its
    last day and True from the first day of the next month (see ``IS_PAST_RULE``).
    """
    return on > statutory_retirement(birth, category).month.last_day


_GENDER_MALE = "M"
_GENDER_FEMALE = "F"


def category_for(gender: str, *, cadre: bool) -> str:
    """The category for a gender ("M"/"F") and, for women, cadre or worker.

    "M" → male_60; "F" and cadre → female_55; "F" and worker → female_50.
    """
    if gender == _GENDER_MALE:
        return "male_60"
    if gender == _GENDER_FEMALE:
        return "female_55" if cadre else "female_50"
    raise ValueError(f"未知的性别 / unknown gender: {gender!r} (expected 'M' or 'F')")

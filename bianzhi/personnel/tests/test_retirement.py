"""Statutory retirement under the progressive raise of the retirement age (bianzhi.personnel)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bianzhi.personnel.retirement import (
    POLICY,
    YearMonth,
    category_for,
    is_past_retirement,
    statutory_retirement,
)

VECTORS = [
    # birth month, category, retirement month, delay (months)
    ("1965-01", "male_60", "2025-02", 1),
    ("1965-12", "male_60", "2026-03", 3),
    ("1971-04", "female_55", "2026-08", 4),
    ("1995-12", "female_50", "2050-12", 60),
    ("1995-12", "male_60", "2058-12", 36),
    ("2000-12", "female_55", "2058-12", 36),
    ("1963-12", "male_60", "2023-12", 0),
    ("1964-02", "male_60", "2024-02", 0),
]

categories = st.sampled_from(sorted(POLICY))
births = st.dates(min_value=datetime.date(1940, 1, 1), max_value=datetime.date(2010, 12, 31))


def ym(text: str) -> YearMonth:
    year, month = text.split("-")
    return YearMonth(int(year), int(month))


@pytest.mark.parametrize(("birth", "category", "retires", "delay"), VECTORS)
def test_official_vectors(birth, category, retires, delay):
    for day in (1, 15, 28):
        result = statutory_retirement(ym(birth).first_day.replace(day=day), category)
        assert (str(result.month), result.delay_months) == (retires, delay)


def test_new_ages():
    assert statutory_retirement(datetime.date(1965, 1, 1), "male_60").age_years == 60
    assert statutory_retirement(datetime.date(1965, 1, 1), "male_60").age_months == 1
    final = {c: statutory_retirement(datetime.date(1995, 12, 1), c) for c in POLICY}
    assert {c: (r.age_years, r.age_months) for c, r in final.items()} == {
        "male_60": (63, 0),
        "female_55": (58, 0),
        "female_50": (55, 0),
    }


def test_policy_keeps_sources():
    assert all("渐进式延迟法定退休年龄" in rule.source for rule in POLICY.values())


@given(categories, births, births)
def test_delay_monotone_and_month_strictly_increasing(category, a, b):
    first, second = sorted((a, b))
    ra, rb = statutory_retirement(first, category), statutory_retirement(second, category)
    assert ra.delay_months <= rb.delay_months
    if YearMonth.of(first) < YearMonth.of(second):
        assert ra.month < rb.month
    else:
        assert ra.month == rb.month


@given(categories, births)
def test_delay_within_cap(category, birth):
    result = statutory_retirement(birth, category)
    assert 0 <= result.delay_months <= POLICY[category].cap_months
    assert result.month - result.original_month == result.delay_months


@given(categories, births)
def test_flexible_bounds(category, birth):
    result = statutory_retirement(birth, category)
    assert result.earliest >= result.original_month
    assert result.earliest == max(result.original_month, result.month - 36)
    assert result.latest == result.month + 36
    assert (result.earliest_month, result.latest_month) == (result.earliest, result.latest)


def test_earliest_is_three_years_early_when_later_than_original():
    result = statutory_retirement(datetime.date(1995, 12, 1), "female_50")
    assert result.earliest == ym("2047-12") == result.month - 36
    assert result.earliest > result.original_month


def test_some_months_have_no_male_retirees():
    start = YearMonth(1965, 1)
    reached = {statutory_retirement((start + i).first_day, "male_60").month for i in range(200)}
    window = [YearMonth(2025, 1) + i for i in range(16 * 12)]
    empty = [month for month in window if month not in reached]
    assert YearMonth(2025, 6) in empty  # born 1965-04 → 2025-05, born 1965-05 → 2025-07
    assert YearMonth(2025, 2) not in empty


def test_is_past_retirement_boundary():
    birth = datetime.date(1965, 1, 20)  # retires 2025-02
    assert not is_past_retirement(birth, "male_60", datetime.date(2025, 2, 1))
    assert not is_past_retirement(birth, "male_60", datetime.date(2025, 2, 28))
    assert is_past_retirement(birth, "male_60", datetime.date(2025, 3, 1))


def test_unknown_category():
    with pytest.raises(
        ValueError, match=r"未知的退休类别 / unknown retirement category.*female_60"
    ):
        statutory_retirement(datetime.date(1970, 1, 1), "female_60")
    with pytest.raises(ValueError, match="female_60"):
        is_past_retirement(datetime.date(1970, 1, 1), "female_60", datetime.date(2030, 1, 1))


def test_category_for():
    assert category_for("M", cadre=True) == category_for("M", cadre=False) == "male_60"
    assert category_for("F", cadre=True) == "female_55"
    assert category_for("F", cadre=False) == "female_50"
    with pytest.raises(ValueError):
        category_for("X", cadre=False)


def test_year_month():
    assert str(YearMonth(2025, 2)) == "2025-02"
    assert YearMonth(2024, 12) + 1 == YearMonth(2025, 1)
    assert YearMonth(2025, 1) - 1 == YearMonth(2024, 12)
    assert YearMonth(2025, 3) - YearMonth(2024, 12) == 3
    assert YearMonth(2024, 2).last_day == datetime.date(2024, 2, 29)
    assert YearMonth(2025, 2).first_day == datetime.date(2025, 2, 1)
    assert YearMonth(2024, 12) < YearMonth(2025, 1)
    with pytest.raises(ValueError):
        YearMonth(2025, 13)

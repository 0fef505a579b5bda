"""The working-day calendar: Monday to Friday, except the holidays (放假) and adjusted working
weekend days (调休上班) of the State Council notice of each year (ADR 0010).

Policy data lives in versioned files (core/data/holidays/YYYY.json), one data set version per
year citing its notice; the same loader serves the data migration, the `holidays` command and
the upload page. Reads cost one query for the exceptions of the range they need."""

import dataclasses
import datetime
import json
from pathlib import Path

from django.apps import apps as global_apps
from django.db import transaction

from .errors import InvalidInput
from .journal import journal_record
from .models import CalendarDay, DatasetVersion

HOLIDAYS_DIR = Path(__file__).resolve().parent / "data" / "holidays"
DATASET = "holidays"
HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY.value, CalendarDay.Kind.WORKDAY.value
FIRST_YEAR, LAST_YEAR = 1949, 2100
NAME_MAX = 40
# Wide enough for the longest break (Spring Festival, 9 days) in one query almost always.
_WINDOW_SLACK = 30


@dataclasses.dataclass(frozen=True)
class Schedule:
    """One year's exceptions as published: the notice it comes from and its days."""

    year: int
    source: str
    published_on: datetime.date
    days: tuple[tuple[datetime.date, str, str], ...]  # (day, kind, name), sorted by day


# --- validation of a year's file -------------------------------------------------------------


def _invalid(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(f"{field}：{zh}", f"{field}: {en}", field=field)


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "不能为空，须为文字", "is required and must be text")
    if len(value.strip()) > limit:
        raise _invalid(field, f"不能超过 {limit} 个字", f"must not exceed {limit} characters")
    return value.strip()


def _date(value: object, field: str) -> datetime.date:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _invalid(
        field, f"“{value}”不是日期（YYYY-MM-DD）", f"{value!r} is not a date (YYYY-MM-DD)"
    )


def _year(data: dict) -> int:
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise _invalid(
            "year",
            f"须为 {FIRST_YEAR}–{LAST_YEAR} 之间的整数年份",
            f"must be a whole year between {FIRST_YEAR} and {LAST_YEAR}",
        )
    return year


def _day_in_year(value: object, field: str, year: int) -> datetime.date:
    day = _date(value, field)
    if day.year != year:
        raise _invalid(field, f"{day} 不在 {year} 年内", f"{day} does not fall within {year}")
    return day


def _check_workday(day: datetime.date, field: str) -> None:
    if day.weekday() < 5:
        raise _invalid(
            field,
            f"调休上班日 {day} 须为星期六或星期日",
            f"adjusted working day {day} must fall on a Saturday or Sunday",
        )


def _period_days(entry: dict, field: str, year: int) -> list[datetime.date]:
    start = _day_in_year(entry.get("from"), f"{field}.from", year)
    end = _day_in_year(entry.get("to"), f"{field}.to", year)
    if end < start:
        raise _invalid(
            f"{field}.to",
            f"放假结束日 {end} 早于开始日 {start}",
            f"the last day {end} is before the first day {start}",
        )
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


def _entry_days(entry: object, field: str, year: int) -> list[tuple[datetime.date, str, str, str]]:
    """The holiday period of one festival and its adjusted working days, each day with the
    field it comes from (day, kind, name, field)."""
    if not isinstance(entry, dict):
        raise _invalid(field, "须为对象（name、from、to、workdays）", "must be an object")
    name = _text(entry.get("name"), f"{field}.name", NAME_MAX)
    days = [(day, HOLIDAY, name, field) for day in _period_days(entry, field, year)]
    workdays = entry.get("workdays", [])
    if not isinstance(workdays, list):
        raise _invalid(f"{field}.workdays", "须为日期列表", "must be a list of dates")
    for j, value in enumerate(workdays):
        day_field = f"{field}.workdays[{j}]"
        day = _day_in_year(value, day_field, year)
        _check_workday(day, day_field)
        days.append((day, WORKDAY, name, day_field))
    return days


def _check_unique(days: list[tuple[datetime.date, str, str, str]]) -> None:
    seen: dict[datetime.date, str] = {}
    for day, kind, _name, field in days:
        if day in seen:
            if {kind, seen[day]} == {HOLIDAY, WORKDAY}:
                raise _invalid(
                    field,
                    f"{day} 不能既是放假日又是调休上班日",
                    f"{day} cannot be both a holiday and an adjusted working day",
                )
            raise _invalid(field, f"{day} 重复列出", f"{day} is listed twice")
        seen[day] = kind


def holidays_parse(data: object) -> Schedule:
    """Validate one year's schedule (the JSON of core/data/holidays); nothing is written.

    Rules: every date inside the year; an adjusted working day on a Saturday or Sunday; no day
    both a holiday and a working day; no day listed twice."""
    if not isinstance(data, dict):
        raise _invalid("file", "内容须为 JSON 对象", "the content must be a JSON object")
    year = _year(data)
    title = _text(data.get("title"), "title", 200)
    source = f"{title}（{_text(data.get('number'), 'number', 60)}）"
    published_on = _date(data.get("published_on"), "published_on")
    entries = data.get("holidays")
    if not isinstance(entries, list) or not entries:
        raise _invalid("holidays", "须为非空列表", "must be a non-empty list")
    tagged = []
    for i, entry in enumerate(entries):
        tagged.extend(_entry_days(entry, f"holidays[{i}]", year))
    _check_unique(tagged)
    days = tuple(sorted((d, k, n) for d, k, n, _f in tagged))
    return Schedule(year=year, source=source, published_on=published_on, days=days)


def holidays_store(schedule: Schedule, apps=global_apps):
    """Write a parsed year (replacing the days of that year); returns (data set, before).

    Takes `apps` so the data migration writes through the same code as the command."""
    dataset_model = apps.get_model("core", "DatasetVersion")
    day_model = apps.get_model("core", "CalendarDay")
    year = schedule.year
    dataset = dataset_model.objects.filter(dataset=DATASET, version=str(year)).first()
    in_year = day_model.objects.filter(day__year=year)
    before = None
    if dataset is not None:
        before = {"source": dataset.source, "days": in_year.count()}
        dataset.source, dataset.published_on = schedule.source, schedule.published_on
        dataset.save(update_fields=["source", "published_on"])
    else:
        dataset = dataset_model.objects.create(
            dataset=DATASET,
            version=str(year),
            source=schedule.source,
            published_on=schedule.published_on,
        )
    in_year.delete()
    day_model.objects.bulk_create(
        day_model(day=day, kind=kind, name=name, dataset=dataset)
        for day, kind, name in schedule.days
    )
    return dataset, before


def read_schedule_file(path: Path) -> dict:
    """The JSON of a schedule file (UTF-8, a byte-order mark allowed)."""
    return json.loads(path.read_text(encoding="utf-8-sig"))


def load_shipped_holidays(apps=global_apps) -> list[int]:
    """Load every file of core/data/holidays (the data migration); returns the years."""
    years = []
    for path in sorted(HOLIDAYS_DIR.glob("*.json")):
        schedule = holidays_parse(read_schedule_file(path))
        holidays_store(schedule, apps)
        years.append(schedule.year)
    return years


# --- writes ----------------------------------------------------------------------------------


def _summary(schedule: Schedule) -> dict:
    kinds = [kind for _day, kind, _name in schedule.days]
    return {
        "year": schedule.year,
        "source": schedule.source,
        "published_on": schedule.published_on.isoformat(),
        "holidays": kinds.count(HOLIDAY),
        "workdays": kinds.count(WORKDAY),
    }


@transaction.atomic
def calendar_load(*, actor, data: dict) -> DatasetVersion:
    """Load one year's schedule all-or-nothing; loading a year again replaces its days."""
    schedule = holidays_parse(data)
    dataset, before = holidays_store(schedule)
    journal_record(
        obj=dataset,
        action="core.calendarday.loaded",
        actor=actor,
        before=before,
        after=_summary(schedule),
        effective_date=datetime.date(schedule.year, 1, 1),
    )
    return dataset


def _check_day(day: object, kind: str, name: str) -> DatasetVersion:
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise _invalid("day", "须为日期", "must be a date")
    if kind not in (HOLIDAY, WORKDAY):
        raise _invalid(
            "kind", "须为 holiday（放假）或 workday（调休上班）", "must be holiday or workday"
        )
    _text(name, "name", NAME_MAX)
    if kind == WORKDAY:
        _check_workday(day, "day")
    dataset = DatasetVersion.objects.filter(dataset=DATASET, version=str(day.year)).first()
    if dataset is None:
        raise _invalid(
            "day",
            f"{day.year} 年的节假日安排尚未载入，请先载入该年文件",
            f"the schedule of {day.year} is not loaded; load that year's file first",
        )
    return dataset


def _day_state(row: CalendarDay) -> dict:
    return {"day": row.day.isoformat(), "kind": row.kind, "name": row.name}


@transaction.atomic
def calendar_day_set(*, actor, day: datetime.date, kind: str, name: str) -> CalendarDay:
    """Mark one day of a loaded year as a holiday or an adjusted working (weekend) day."""
    dataset = _check_day(day, kind, name)
    row = CalendarDay.objects.select_for_update().filter(day=day).first()
    before = _day_state(row) if row else None
    if row is None:
        row = CalendarDay(day=day, dataset=dataset)
    row.kind, row.name = kind, name.strip()
    row.save()
    journal_record(
        obj=row,
        action="core.calendarday.set",
        actor=actor,
        before=before,
        after=_day_state(row),
        effective_date=day,
    )
    return row


@transaction.atomic
def calendar_day_remove(*, actor, day: datetime.date) -> None:
    """Make one day ordinary again (a weekday works, a weekend rests)."""
    row = CalendarDay.objects.select_for_update().filter(day=day).first()
    if row is None:
        raise _invalid(
            "day",
            f"{day} 不是放假日或调休上班日",
            f"{day} is neither a holiday nor an adjusted working day",
        )
    journal_record(
        obj=row,
        action="core.calendarday.removed",
        actor=actor,
        before=_day_state(row),
        after=None,
        effective_date=day,
    )
    row.delete()


# --- reads -----------------------------------------------------------------------------------


def exceptions_between(start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    """The holidays and adjusted working days from `start` to `end` inclusive (one query)."""
    rows = CalendarDay.objects.filter(day__range=(start, end)).values_list("day", "kind")
    return dict(rows)


def _works(day: datetime.date, exceptions: dict[datetime.date, str]) -> bool:
    kind = exceptions.get(day)
    if kind is not None:
        return kind == WORKDAY
    return day.weekday() < 5


def _check_date(value: object, name: str) -> None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")


def is_working_day(day: datetime.date) -> bool:
    """Monday to Friday unless a holiday; Saturday and Sunday only when an adjusted workday."""
    _check_date(day, "day")
    return _works(day, exceptions_between(day, day))


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `start` (not counted); before it when n < 0; n=0 is start."""
    _check_date(start, "start")
    step, remaining = (1, n) if n >= 0 else (-1, -n)
    day = start
    span = remaining * 7 // 5 + _WINDOW_SLACK
    while remaining:
        far = day + datetime.timedelta(days=step * span)
        exceptions = exceptions_between(min(day, far), max(day, far))
        for _ in range(span):
            day += datetime.timedelta(days=step)
            remaining -= _works(day, exceptions)
            if not remaining:
                break
    return day


def _weekdays_after(start: datetime.date, end: datetime.date) -> int:
    """Mondays to Fridays in (start, end], end >= start, by arithmetic."""
    days = (end - start).days
    count = days // 7 * 5
    for offset in range(days % 7):
        count += (start.weekday() + 1 + offset) % 7 < 5
    return count


def working_days_between(
    start: datetime.date, end: datetime.date, exceptions: dict | None = None
) -> int:
    """Working days in (start, end]; negative (those in (end, start]) when end < start.
    `exceptions` (from `exceptions_between` over a range holding both dates) saves the query
    when many spans are counted at once."""
    _check_date(start, "start")
    _check_date(end, "end")
    if end < start:
        return -working_days_between(end, start, exceptions)
    if end == start:
        return 0
    if exceptions is None:
        exceptions = exceptions_between(start + datetime.timedelta(days=1), end)
    count = _weekdays_after(start, end)
    for day, kind in exceptions.items():
        if not start < day <= end:
            continue
        weekday = day.weekday() < 5
        if kind == HOLIDAY and weekday:
            count -= 1
        elif kind == WORKDAY and not weekday:
            count += 1
    return count


def covered_years() -> set[int]:
    """The years whose schedule is loaded; outside them only the Monday–Friday rule applies."""
    versions = DatasetVersion.objects.filter(dataset=DATASET).values_list("version", flat=True)
    return {int(v) for v in versions if v.isdigit()}


def year_schedule(year: int) -> tuple[DatasetVersion | None, dict[datetime.date, CalendarDay]]:
    """The data set of a year and its days by date (two queries), for the year page."""
    dataset = DatasetVersion.objects.filter(dataset=DATASET, version=str(year)).first()
    days = {row.day: row for row in CalendarDay.objects.filter(day__year=year)}
    return dataset, days

"""The working-day calendar: arithmetic over the shipped 2025/2026 schedules, the loader's
rules, one-day corrections, the `holidays` command and the /calendar/ page."""

import copy
import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import include, path, reverse

from bianzhi import urls as project_urls
from bianzhi.core import calendar
from bianzhi.core.calendar import (
    add_working_days,
    calendar_day_remove,
    calendar_day_set,
    calendar_load,
    covered_years,
    is_working_day,
    working_days_between,
)
from bianzhi.core.errors import InvalidInput
from bianzhi.core.journal import entries_for
from bianzhi.core.models import CalendarDay, DatasetVersion, JournalEntry
from bianzhi.testing import make_user

D = datetime.date

# The page's tests run on the project's URLs plus /calendar/ until bianzhi/urls.py has it.
urlpatterns = list(project_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "calendar" for p in urlpatterns):
    urlpatterns.append(path("calendar/", include("bianzhi.core.urls_calendar")))


def schedule_2026() -> dict:
    return calendar.read_schedule_file(calendar.HOLIDAYS_DIR / "2026.json")


def schedule_2027() -> dict:
    """A made-up year for the tests (no notice for 2027 exists yet)."""
    return {
        "year": 2027,
        "title": "测试用节假日安排",
        "number": "测试〔2026〕1号",
        "published_on": "2026-11-01",
        "holidays": [
            {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03", "workdays": []},
            {"name": "春节", "from": "2027-02-06", "to": "2027-02-12", "workdays": ["2027-02-13"]},
        ],
    }


# --- the shipped schedules and the arithmetic ------------------------------------------------


@pytest.mark.django_db
def test_the_migration_loads_the_shipped_years_with_their_notices():
    assert {2025, 2026} <= covered_years()
    notice = DatasetVersion.objects.get(dataset="holidays", version="2026")
    assert notice.source == "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）"
    assert notice.published_on == D(2025, 11, 4)
    assert CalendarDay.objects.get(day=D(2025, 1, 26)).kind == "workday"
    assert CalendarDay.objects.filter(day__year=2026, kind="holiday").count() == 33
    assert CalendarDay.objects.filter(day__year=2026, kind="workday").count() == 6


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Friday → the adjusted working Saturday
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # over the nine days of Spring Festival
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),  # over National Day and Mid-Autumn 2025
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # the adjusted working Sunday
        (D(2026, 2, 24), -1, D(2026, 2, 14)),  # backwards
        (D(2026, 2, 16), 0, D(2026, 2, 16)),  # n=0 is the start, even on a holiday
        (D(2026, 1, 1), 248, D(2026, 12, 31)),  # the whole of 2026
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


@pytest.mark.django_db
def test_working_days_between_around_national_day():
    # (9-26, 10-10]: Sun 9-28 works, 9-29, 9-30, then 10-1..10-8 off, 10-9, 10-10.
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 10)) == 5
    assert working_days_between(D(2025, 10, 10), D(2025, 9, 26)) == -5
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 8)) == 0
    assert working_days_between(D(2025, 9, 30), D(2025, 9, 30)) == 0
    assert working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 248
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


@pytest.mark.django_db
def test_add_and_between_agree():
    start = D(2025, 1, 20)
    for n in range(0, 60, 3):
        end = add_working_days(start + datetime.timedelta(days=n * 5), n)
        assert working_days_between(start + datetime.timedelta(days=n * 5), end) == n


@pytest.mark.django_db
def test_is_working_day():
    assert is_working_day(D(2026, 2, 14))  # Saturday, adjusted working day
    assert not is_working_day(D(2026, 2, 16))  # Monday of Spring Festival
    assert not is_working_day(D(2026, 3, 7))  # an ordinary Saturday
    assert is_working_day(D(2026, 3, 9))
    assert 2030 not in covered_years()
    assert is_working_day(D(2030, 1, 1))  # no schedule: only the Monday–Friday rule


@pytest.mark.django_db
def test_each_read_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert add_working_days(D(2026, 1, 1), 248) == D(2026, 12, 31)
    with django_assert_num_queries(1):
        working_days_between(D(2020, 1, 1), D(2030, 1, 1))
    with django_assert_num_queries(1):
        is_working_day(D(2026, 10, 8))
    with django_assert_num_queries(1):
        covered_years()


@pytest.mark.django_db
def test_reads_refuse_datetimes():
    with pytest.raises(TypeError):
        add_working_days(datetime.datetime(2026, 1, 1, 9), 1)


# --- loading a year --------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_a_new_year_is_journaled_and_used_at_once():
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 8)  # no 2027 schedule yet
    dataset = calendar_load(actor=None, data=schedule_2027())
    assert dataset.version == "2027" and dataset.source == "测试用节假日安排（测试〔2026〕1号）"
    assert dataset.calendar_days.count() == 11
    assert 2027 in covered_years()
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 13)  # the adjusted Saturday
    entry = entries_for(dataset).get()
    assert entry.action == "core.calendarday.loaded" and entry.before is None
    assert entry.after["holidays"] == 10 and entry.after["workdays"] == 1


@pytest.mark.django_db
def test_loading_a_year_again_replaces_its_days():
    data = schedule_2026()
    data["holidays"] = data["holidays"][:1]  # only 元旦
    dataset = calendar_load(actor=None, data=data)
    assert sorted(CalendarDay.objects.filter(day__year=2026).values_list("day", flat=True)) == [
        D(2026, 1, 1),
        D(2026, 1, 2),
        D(2026, 1, 3),
        D(2026, 1, 4),
    ]
    assert CalendarDay.objects.filter(day__year=2025).count() == 33  # other years untouched
    assert entries_for(dataset).get().before["days"] == 39
    assert is_working_day(D(2026, 2, 16))


def _broken(change) -> dict:
    data = copy.deepcopy(schedule_2026())
    change(data)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (lambda d: d["holidays"][0].update(to="2027-01-02"), "holidays[0].to", "within 2026"),
        (
            lambda d: d["holidays"][0]["workdays"].append("2026-01-05"),
            "holidays[0].workdays[1]",
            "Saturday or Sunday",
        ),
        (
            lambda d: d["holidays"][1]["workdays"].append("2026-02-21"),
            "holidays[1].workdays[2]",
            "both a holiday and an adjusted working day",
        ),
        (
            lambda d: d["holidays"].append(
                {"name": "重复", "from": "2026-10-07", "to": "2026-10-08"}
            ),
            "holidays[7]",
            "listed twice",
        ),
        (lambda d: d["holidays"][2].update({"from": "2026-4-4"}), "holidays[2].from", "not a date"),
        (lambda d: d["holidays"][2].update(to="2026-04-01"), "holidays[2].to", "before the first"),
        (lambda d: d["holidays"][3].update(name=" "), "holidays[3].name", "required"),
        (lambda d: d.update(year="2026"), "year", "whole year"),
        (lambda d: d.pop("title"), "title", "required"),
        (lambda d: d.update(holidays=[]), "holidays", "non-empty list"),
    ],
)
def test_a_bad_file_names_the_field_and_the_rule_and_saves_nothing(change, field, rule):
    before = list(CalendarDay.objects.values_list("day", "kind", "name"))
    with pytest.raises(InvalidInput) as caught:
        calendar_load(actor=None, data=_broken(change))
    assert caught.value.field == field
    assert rule in caught.value.message_en and field in caught.value.message_zh
    assert list(CalendarDay.objects.values_list("day", "kind", "name")) == before
    assert not JournalEntry.objects.filter(action="core.calendarday.loaded").exists()


def test_workday_rule_message_is_bilingual():
    with pytest.raises(InvalidInput) as caught:
        calendar.holidays_parse(
            _broken(lambda d: d["holidays"][0]["workdays"].append("2026-01-05"))
        )
    assert "须为星期六或星期日" in caught.value.message_zh


# --- one-day corrections ---------------------------------------------------------------------


@pytest.mark.django_db
def test_set_and_remove_one_day(users):
    actor = users["province"]
    row = calendar_day_set(actor=actor, day=D(2026, 3, 7), kind="workday", name="补班")
    assert is_working_day(D(2026, 3, 7))
    assert row.dataset.version == "2026"
    calendar_day_set(actor=actor, day=D(2026, 3, 7), kind="holiday", name="补休")
    entry = entries_for(row).filter(action="core.calendarday.set").last()
    assert entry.before == {"day": "2026-03-07", "kind": "workday", "name": "补班"}
    assert entry.after["kind"] == "holiday"
    calendar_day_remove(actor=actor, day=D(2026, 3, 7))
    assert not CalendarDay.objects.filter(day=D(2026, 3, 7)).exists()
    assert entries_for(row).filter(action="core.calendarday.removed").count() == 1
    assert not is_working_day(D(2026, 3, 7))  # an ordinary Saturday again


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "kind", "name", "field", "rule"),
    [
        (D(2026, 3, 9), "workday", "补班", "day", "Saturday or Sunday"),
        (D(2030, 3, 9), "holiday", "假", "day", "not loaded"),
        (D(2026, 3, 9), "vacation", "假", "kind", "holiday or workday"),
        (D(2026, 3, 9), "holiday", "", "name", "required"),
    ],
)
def test_set_refuses(day, kind, name, field, rule):
    with pytest.raises(InvalidInput) as caught:
        calendar_day_set(actor=None, day=day, kind=kind, name=name)
    assert caught.value.field == field and rule in caught.value.message_en


@pytest.mark.django_db
def test_remove_an_ordinary_day_is_refused():
    with pytest.raises(InvalidInput) as caught:
        calendar_day_remove(actor=None, day=D(2026, 3, 9))
    assert caught.value.field == "day" and "neither a holiday" in caught.value.message_en


# --- the command -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_loads_and_shows(tmp_path):
    source = tmp_path / "2027.json"
    source.write_text(json.dumps(schedule_2027(), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("holidays", "load", str(source), stdout=out)
    assert "2027: 11 days loaded" in out.getvalue()
    out = io.StringIO()
    call_command("holidays", "show", "2027", stdout=out)
    text = out.getvalue()
    assert "测试用节假日安排" in text and "2027-02-13 星期六  调休上班" in text


@pytest.mark.django_db
def test_command_refuses_bad_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"year": 2027,', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("holidays", "load", str(bad))
    bad.write_text(json.dumps(_broken(lambda d: d["holidays"][0].update(to="2025-12-31"))))
    with pytest.raises(CommandError, match=r"holidays\[0\]\.to"):
        call_command("holidays", "load", str(bad))
    with pytest.raises(CommandError, match="not loaded"):
        call_command("holidays", "show", "2031")


# --- the page --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, nodes):
    client.force_login(make_user("sysadmin1", nodes["national"], role="sysadmin"))
    return client


def _upload(content: bytes) -> dict:
    return {"file": SimpleUploadedFile("2027.json", content, "application/json"), "year": "2027"}


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_page_needs_login_and_permission(client, nodes):
    url = reverse("calendar:year")
    assert client.get(url).status_code == 302
    client.force_login(make_user("body", nodes["county"], role="unit"))
    assert client.get(url).status_code == 403


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_viewer_sees_the_year_without_forms(client, users, django_assert_max_num_queries):
    client.force_login(users["viewer"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("calendar:year"), {"year": 2026})
    body = response.content.decode()
    assert response.status_code == 200
    assert "国办发明电〔2025〕7号" in body and "春节" in body
    assert 'class="workday"' in body and 'class="holiday"' in body
    assert response.context["working_days"] == 248
    assert "upload_form" not in response.context
    upload = client.post(reverse("calendar:upload"), _upload(b"{}"))
    assert upload.status_code == 403


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_an_uncovered_year_says_so(client, users):
    client.force_login(users["viewer"])
    response = client.get(reverse("calendar:year"), {"year": 2031})
    assert response.context["dataset"] is None
    assert response.context["working_days"] == 261  # Monday–Friday only


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_admin_uploads_a_year(admin_client):
    content = json.dumps(schedule_2027(), ensure_ascii=False).encode("utf-8")
    response = admin_client.post(reverse("calendar:upload"), _upload(content))
    assert response.status_code == 302 and response["Location"].endswith("?year=2027")
    assert CalendarDay.objects.filter(day__year=2027).count() == 11
    assert admin_client.get(reverse("calendar:upload")).status_code == 405


@pytest.mark.urls(__name__)
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"year": 2027, ', "not valid JSON: line 1"),
        (json.dumps(schedule_2027(), ensure_ascii=False).encode("gbk"), "not UTF-8 encoded"),
        (b"[1, 2]", "must be a JSON object"),
        (
            json.dumps(
                {**schedule_2027(), "holidays": [{"name": "x", "from": "2027-02-30"}]}
            ).encode(),
            "holidays[0].from",
        ),
    ],
)
def test_admin_upload_errors_are_shown_and_nothing_is_saved(admin_client, content, message):
    response = admin_client.post(reverse("calendar:upload"), _upload(content))
    assert response.status_code == 200
    errors = response.context["upload_form"].errors["file"]
    assert any(message in e for e in errors), errors
    assert not CalendarDay.objects.filter(day__year=2027).exists()


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_admin_sets_and_removes_a_day(admin_client):
    url = reverse("calendar:day_set")
    response = admin_client.post(url, {"day": "2026-03-07", "kind": "workday", "name": "补班"})
    assert response.status_code == 302
    assert is_working_day(D(2026, 3, 7))
    refused = admin_client.post(url, {"day": "2026-03-09", "kind": "workday", "name": "补班"})
    assert "Saturday or Sunday" in str(refused.context["day_form"].errors["day"])
    response = admin_client.post(reverse("calendar:day_remove"), {"day": "2026-03-07"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(day=D(2026, 3, 7)).exists()
    missing = admin_client.post(reverse("calendar:day_remove"), {"day": "2026-03-07"})
    assert "neither a holiday" in missing.context["remove_error"]

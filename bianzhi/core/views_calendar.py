"""The working-day calendar page: a year in twelve month grids, its source notice, and for
the system administrator the upload of a year's file and one-day corrections."""

import calendar as stdlib_calendar
import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import calendar
from .errors import DomainError
from .forms_calendar import DayRemoveForm, DaySetForm, ScheduleUploadForm
from .permissions import requires

VIEW, CHANGE = "core.view_calendarday", "core.change_calendarday"


def _year_param(request: HttpRequest) -> int:
    raw = request.GET.get("year", "") or request.POST.get("year", "")
    if raw.isdigit() and calendar.FIRST_YEAR <= int(raw) <= calendar.LAST_YEAR:
        return int(raw)
    return timezone.localdate().year


def _cell(day: datetime.date, month: int, days: dict, today: datetime.date) -> dict:
    if day.month != month:
        return {"day": None}
    row = days.get(day)
    weekday_kind = "work" if day.weekday() < 5 else "rest"
    kind = row.kind if row is not None else weekday_kind
    return {"day": day, "kind": kind, "name": row.name if row else "", "today": day == today}


def _months(year: int, days: dict) -> list[dict]:
    """Twelve month grids (weeks from Monday) with each day's kind."""
    today = timezone.localdate()
    grid = stdlib_calendar.Calendar(firstweekday=0)
    return [
        {
            "month": month,
            "weeks": [
                [_cell(day, month, days, today) for day in week]
                for week in grid.monthdatescalendar(year, month)
            ],
        }
        for month in range(1, 13)
    ]


def _page(request: HttpRequest, year: int, **forms) -> HttpResponse:
    dataset, days = calendar.year_schedule(year)
    can_change = request.user.has_perm(CHANGE)
    context = {
        "year": year,
        "dataset": dataset,
        "days": list(days.values()),
        "months": _months(year, days),
        "covered": sorted(calendar.covered_years()),
        "working_days": calendar.working_days_between(
            datetime.date(year - 1, 12, 31), datetime.date(year, 12, 31)
        ),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "can_change": can_change,
    }
    if can_change:
        context["upload_form"] = forms.get("upload_form") or ScheduleUploadForm()
        context["day_form"] = forms.get("day_form") or DaySetForm(initial={"day": None})
        context["remove_error"] = forms.get("remove_error")
    return render(request, "core/calendar.html", context)


def _back(year: int) -> HttpResponse:
    return redirect(f"{reverse('calendar:year')}?year={year}")


def _error(exc: DomainError) -> str:
    return f"{exc.message_zh} ({exc.message_en})"


@requires(VIEW)
def year_view(request: HttpRequest) -> HttpResponse:
    return _page(request, _year_param(request))


@requires(CHANGE)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    form = ScheduleUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            dataset = calendar.calendar_load(actor=request.user, data=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", _error(exc))
        else:
            count = dataset.calendar_days.count()
            messages.success(
                request,
                _("Schedule of %(year)s loaded: %(count)d days.")
                % {"year": dataset.version, "count": count},
            )
            return _back(int(dataset.version))
    return _page(request, _year_param(request), upload_form=form)


@requires(CHANGE)
@require_POST
def day_set(request: HttpRequest) -> HttpResponse:
    form = DaySetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            calendar.calendar_day_set(
                actor=request.user, day=data["day"], kind=data["kind"], name=data["name"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, _error(exc))
        else:
            messages.success(request, _("%(day)s saved.") % {"day": data["day"]})
            return _back(data["day"].year)
    return _page(request, _year_param(request), day_form=form)


@requires(CHANGE)
@require_POST
def day_remove(request: HttpRequest) -> HttpResponse:
    form = DayRemoveForm(request.POST)
    error = "day：日期格式不正确（YYYY-MM-DD） / day: not a valid date (YYYY-MM-DD)"
    if form.is_valid():
        day = form.cleaned_data["day"]
        try:
            calendar.calendar_day_remove(actor=request.user, day=day)
        except DomainError as exc:
            error = _error(exc)
        else:
            messages.success(request, _("%(day)s is an ordinary day again.") % {"day": day})
            return _back(day.year)
    return _page(request, _year_param(request), remove_error=error)

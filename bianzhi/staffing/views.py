"""Staff pages of the quota ledger: change forms per body, recruitment plans, and the live
monitoring lists (超编 / 满编 / 空编, 超职数, retirement, duplicate identities)."""

import datetime

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires
from bianzhi.core.scope import get_in_scope_or_404, region_prefix, scope_queryset
from bianzhi.orgs.models import Org
from bianzhi.personnel.models import Assignment

from . import queries
from .forms import (
    LeaderPostForm,
    QuotaChangeForm,
    ReservationCancelForm,
    ReservationForm,
    code_choices,
)
from .models import Reservation

VIEW, MANAGE = "staffing.view_quota", "staffing.manage_quota"

TABS = [
    ("over", gettext_lazy("Over quota (超编)")),
    ("full", gettext_lazy("Full (满编)")),
    ("vacant", gettext_lazy("Vacant (空编)")),
    ("leaders", gettext_lazy("Over leader posts (超职数)")),
    ("past", gettext_lazy("Past retirement")),
    ("due", gettext_lazy("Retiring within 12 months")),
    ("duplicates", gettext_lazy("Duplicate identities")),
]


def _org(request: HttpRequest, org_id: int) -> Org:
    return get_in_scope_or_404(request.user, Org.objects.all(), pk=org_id)


def run_form(form) -> object | None:
    """Run a valid form's service in one transaction; a domain error goes back onto the form
    and nothing is changed."""
    try:
        with transaction.atomic():
            return form.perform()
    except DomainError as exc:
        form.add_domain_error(exc)
        return None


def render_form(
    request, form, *, org=None, person=None, extra=None, template="staffing/form.html"
) -> HttpResponse:
    context = {"form": form, "org": org, "person": person, **(extra or {})}
    return render(request, template, context)


def _org_form(request: HttpRequest, org_id: int, form_class, done: str) -> HttpResponse:
    org = _org(request, org_id)
    form = form_class(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        org=org,
        initial=request.GET.dict(),
    )
    if request.method == "POST" and form.is_valid() and run_form(form) is not None:
        messages.success(request, done % {"name": org.name})
        return redirect("orgs:detail", org_id=org.pk)
    return render_form(request, form, org=org)


@requires(MANAGE)
def quota_change(request: HttpRequest, org_id: int) -> HttpResponse:
    return _org_form(request, org_id, QuotaChangeForm, _("Quotas of %(name)s changed."))


@requires(MANAGE)
def leader_post(request: HttpRequest, org_id: int) -> HttpResponse:
    return _org_form(request, org_id, LeaderPostForm, _("Leader posts of %(name)s set."))


@requires(MANAGE)
def reservations(request: HttpRequest, org_id: int) -> HttpResponse:
    """The body's recruitment plans, and the form that reserves posts for a new one."""
    org = _org(request, org_id)
    form = ReservationForm(request.POST or None, request.FILES or None, user=request.user, org=org)
    if request.method == "POST" and form.is_valid() and run_form(form) is not None:
        messages.success(request, _("Posts reserved in %(name)s.") % {"name": org.name})
        return redirect("staffing:reservations", org_id=org.pk)
    plans = (
        Reservation.objects.filter(quota__org=org)
        .select_related("quota", "document")
        .order_by("-created_at")[:100]
    )
    return render_form(
        request, form, org=org, extra={"plans": plans}, template="staffing/reservations.html"
    )


@requires(MANAGE)
def reservation_cancel(request: HttpRequest, reservation_id: int) -> HttpResponse:
    reservation = get_in_scope_or_404(
        request.user,
        Reservation.objects.select_related("quota__org"),
        "quota__org__region_code",
        pk=reservation_id,
    )
    org = reservation.quota.org
    form = ReservationCancelForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        org=org,
        reservation=reservation,
    )
    if request.method == "POST" and form.is_valid() and run_form(form) is not None:
        messages.success(request, _("Recruitment plan cancelled."))
        return redirect("staffing:reservations", org_id=org.pk)
    return render_form(
        request,
        form,
        org=org,
        extra={"reservation": reservation},
        template="staffing/reservation_cancel.html",
    )


def _today() -> datetime.date:
    return timezone.localdate()


def _monitor_filter(request: HttpRequest) -> queries.QuotaFilter:
    get = request.GET
    region = get.get("region", "").strip()
    return queries.QuotaFilter(
        region=region if region.isdigit() and len(region) == 6 else "",
        est_type=get.get("est_type", "").strip()[:20],
        as_of=_as_of(request),
    )


def _as_of(request: HttpRequest) -> datetime.date | None:
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        messages.error(
            request, _("“%(v)s” is not a date (YYYY-MM-DD); showing today.") % {"v": raw}
        )
        return None


def _duplicates(user) -> list[dict]:
    """Groups of people on posts sharing a name and birth date, each with its people."""
    groups = queries.duplicate_identities(user)
    if not groups:
        return []
    keys = {(g["person__name"], g["person__birth_date"]) for g in groups}
    rows = scope_queryset(
        user,
        Assignment.objects.filter(
            end_date__isnull=True,
            person__name__in={k[0] for k in keys},
            person__birth_date__in={k[1] for k in keys},
        ),
        "org__region_code",
    ).select_related("person", "org")
    people: dict[tuple, list] = {key: [] for key in keys}
    for row in rows.order_by("person__resident_id"):
        key = (row.person.name, row.person.birth_date)
        if key in people:
            people[key].append(row)
    return [
        {"name": name, "birth_date": born, "rows": people[(name, born)]}
        for name, born in sorted(keys, key=lambda k: (k[0], k[1]))
    ]


def _narrow(rows: list, flt: queries.QuotaFilter) -> list:
    """The region and type filters on lists whose queries take none (rows carry an org)."""
    prefix = region_prefix(flt.region) if flt.region else ""
    return [
        row
        for row in rows
        if row.org.region_code.startswith(prefix)
        and (not flt.est_type or getattr(row, "est_type", flt.est_type) == flt.est_type)
    ]


def _tab_rows(tab: str, user, flt: queries.QuotaFilter) -> list:
    day = flt.as_of or _today()
    if tab in queries.STATES:
        flt.state = tab
        return queries.quota_rows(user, flt)
    if tab == "leaders":
        return _narrow(queries.over_leader_posts(user), flt)
    if tab == "past":
        return _narrow(queries.past_retirement(user, day), flt)
    if tab == "due":
        return _narrow(queries.due_to_retire(user, day), flt)
    return _duplicates(user)


@requires(VIEW)
def monitor(request: HttpRequest) -> HttpResponse:
    """Live monitoring lists, scoped to the user's region, with an as-of date for quotas."""
    tab = request.GET.get("tab", "over")
    if tab not in dict(TABS):
        tab = "over"
    flt = _monitor_filter(request)
    rows = _tab_rows(tab, request.user, flt)
    query = request.GET.copy()
    query.pop("tab", None)
    return render(
        request,
        "staffing/monitor.html",
        {
            "tab": tab,
            "tabs": TABS,
            "rows": rows,
            "flt": flt,
            "day": flt.as_of or _today(),
            "query": query.urlencode(),
            "est_types": code_choices("establishment_type"),
        },
    )

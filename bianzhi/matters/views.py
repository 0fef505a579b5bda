"""Pages of establishment matters (机构编制事项) shared by the 编办 staff and the bodies' own
accounts: the inbox (待办), the list, drafting a new matter, the filings (备案) and the
notifications. The page of one matter is in views_detail."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import holds_any, requires, requires_any

from . import queries, routes, services
from .forms import MatterCreateForm, RouteForm
from .models import Matter, MatterState, MatterType, Notification
from .workflow import ACTIONS

PAGE_SIZE = 50
# Staff read matters (view_matter); a body's own account applies for its body (apply_matter).
READERS = ("matters.view_matter", "matters.apply_matter")
# Who may draft: a 编办 clerk (on a body's behalf) or a body's own account.
DRAFTERS = ("matters.handle_matter", "matters.apply_matter")


def matters_page(*permissions: str) -> Callable:
    """Signed in and holding one of `permissions`: staff and bodies' own accounts share these
    pages; which matters a user sees is `queries.visible_matters`, deny by default."""
    return requires_any(*permissions)


def rows_with_flags(matters: list[Matter]) -> list[tuple[Matter, queries.Deadline]]:
    flags = queries.deadlines(matters)
    return [(m, flags[m.pk]) for m in matters]


# --- the inbox and the list ---------------------------------------------------------------------


@matters_page(*READERS)
def inbox(request: HttpRequest) -> HttpResponse:
    """待办: the matters waiting for the user, the action each expects, and its deadline."""
    user = request.user
    matters = queries.inbox(user)
    flags = queries.deadlines(matters)
    rows = [(m, flags[m.pk], queries.expected_actions(user, m)) for m in matters]
    return render(request, "matters/inbox.html", {"rows": rows})


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def _filter_from(request: HttpRequest) -> queries.MatterFilter:
    get = request.GET
    matter_type = get.get("type", "")
    state = get.get("state", "")
    return queries.MatterFilter(
        matter_type=matter_type if matter_type in MatterType.values else "",
        state=state if state in MatterState.values else "",
        applicant=_int(get.get("applicant", "")),
        overdue=get.get("overdue") == "1",
        q=get.get("q", "").strip()[:100],
    )


def matter_page(qs, cursor: int | None, size: int = PAGE_SIZE) -> tuple[list[Matter], int | None]:
    """One keyset page of a list ordered by descending id, and the cursor of the next."""
    if cursor is not None:
        qs = qs.filter(pk__lt=cursor)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more else None)


@matters_page(*READERS)
def matter_list(request: HttpRequest) -> HttpResponse:
    flt = _filter_from(request)
    qs = queries.matter_list(request.user, flt)
    rows, next_cursor = matter_page(qs, _int(request.GET.get("cursor", "")), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "matters/list.html",
        {
            "rows": rows_with_flags(rows),
            "flt": flt,
            "types": MatterType.choices,
            "states": MatterState.choices,
            "next_cursor": next_cursor,
            "query": query.urlencode(),
            "is_body_account": queries.is_body_account(request.user),
        },
    )


# --- a new draft ----------------------------------------------------------------------------


def _own_body(user):
    """A body's own account drafts for its body only; a clerk chooses a body in scope."""
    if queries.is_body_account(user) and not user.has_perm("matters.handle_matter"):
        return user.org
    return None


def _create(form: MatterCreateForm, user) -> Matter | None:
    body = form.applicant_body()
    if body is None:
        return None
    data = form.cleaned_data
    try:
        with transaction.atomic():
            return services.matter_create(
                actor=user,
                applicant=body,
                matter_type=data["matter_type"],
                title=data["title"],
                reason=data["reason"],
                classification=data["classification"],
            )
    except DomainError as exc:  # Forbidden names the applicant field
        form.add_domain_error(exc)
    return None


@matters_page(*DRAFTERS)
def matter_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = _own_body(user)
    if own is None and not user.has_perm("matters.handle_matter"):
        raise PermissionDenied("matters.apply_matter")  # a body account bound to no body
    form = MatterCreateForm(
        request.POST or None, user=user, own_body=own, initial=request.GET.dict()
    )
    if request.method == "POST" and form.is_valid() and (matter := _create(form, user)):
        messages.success(request, _("Draft %(ref)s created.") % {"ref": matter.ref})
        return redirect("matters:detail", matter_id=matter.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "matters/new.html", {"form": form, "own": own}, status=status)


# --- filings and notifications -----------------------------------------------------------------


@requires("matters.view_matter")
def filings(request: HttpRequest) -> HttpResponse:
    """备案: what lower offices filed with the user's office, and whether it was acknowledged."""
    rows, next_cursor = matter_page(
        queries.filings(request.user).order_by("-id"), _int(request.GET.get("cursor", ""))
    )
    acknowledge = ACTIONS["acknowledge"]
    items = [(m, queries.may_act(request.user, m, acknowledge)) for m in rows]
    return render(request, "matters/filings.html", {"rows": items, "next_cursor": next_cursor})


@matters_page(*READERS)
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's notifications, unread first; POST marks them (or the chosen ones) read."""
    user = request.user
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("id") if v.isdigit() and len(v) < 12]
        done = services.notifications_read(actor=user, ids=ids or None)
        messages.success(request, _("%(n)s notifications marked read.") % {"n": done})
        return redirect("matters:notifications")
    rows = (
        Notification.objects.filter(user=user)
        .select_related("matter")
        .order_by(F("read_at").desc(nulls_first=True), "-id")[:200]
    )
    unread = sum(1 for n in rows if n.read_at is None)
    return render(request, "matters/notifications.html", {"rows": rows, "unread": unread})


# --- review routes ---------------------------------------------------------------------------


def _route_forms(rows, bound: RouteForm | None) -> list[tuple]:
    forms = []
    for row in rows:
        if bound is not None and bound.data.get("matter_type") == row.matter_type:
            forms.append((row, bound))
            continue
        initial = {
            "matter_type": row.matter_type,
            "major": row.route.major,
            "time_limit_days": row.route.time_limit_days,
        } | {f"step{n}": role for n, role in enumerate(row.route.steps, start=1)}
        auto_id = f"id_{row.matter_type}_%s"  # unique ids across the page's forms
        forms.append((row, RouteForm(initial=initial, auto_id=auto_id)))
    return forms


@requires("matters.view_matter")
def review_routes(request: HttpRequest) -> HttpResponse:
    """审核流程: the steps, major flag and time limit of each matter type at the user's office;
    the office's leader (change_reviewroute) sets its own or restores the national default."""
    user = request.user
    if user.node is None:
        raise PermissionDenied("matters.view_matter")
    bound = None
    if request.method == "POST":
        if not user.has_perm("matters.change_reviewroute"):
            holds_any(request, ("matters.change_reviewroute",))
            raise PermissionDenied("matters.change_reviewroute")
        if (done := _route_post(request)) is not None:
            return done
        bound = RouteForm(request.POST)
        bound.is_valid()
    rows = routes.office_routes(user.node)
    status = 400 if bound is not None else 200
    context = {
        "rows": _route_forms(rows, bound),
        "may_change": user.has_perm("matters.change_reviewroute"),
    }
    return render(request, "matters/routes.html", context, status=status)


def _route_post(request: HttpRequest) -> HttpResponse | None:
    """Save or reset one type's route; None when the form must be shown again with errors."""
    form = RouteForm(request.POST)
    if not form.is_valid():
        return None
    matter_type = form.cleaned_data["matter_type"]
    try:
        if "reset" in request.POST:
            routes.route_reset(actor=request.user, matter_type=matter_type)
        else:
            routes.route_set(
                actor=request.user,
                matter_type=matter_type,
                steps=form.steps(),
                major=form.cleaned_data["major"],
                time_limit_days=form.cleaned_data["time_limit_days"],
            )
    except DomainError as exc:
        messages.error(request, f"{exc.message_zh} ({exc.message_en})")
        return redirect("matters:routes")
    messages.success(request, _("Review route saved; it applies to matters drafted from now on."))
    return redirect("matters:routes")

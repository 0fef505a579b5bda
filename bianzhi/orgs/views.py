"""Staff pages of the registry: search, body page as of a date, tree, lifecycle forms."""

import datetime

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from bianzhi.core import reference
from bianzhi.core.classification import can_read, check_clearance
from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires
from bianzhi.core.scope import get_in_scope_or_404, region_prefix, user_region_prefix
from bianzhi.staffing import queries as staffing_queries

from . import queries
from .forms import CHANGE_FORMS, EstablishForm
from .labels import action_label
from .models import Org, OrgStatus

VIEW, MANAGE = "orgs.view_org", "orgs.manage_org"


def _org(request: HttpRequest, org_id: int) -> Org:
    """A body in the user's scope (404 otherwise) and clearance (403, audited, otherwise)."""
    org = get_in_scope_or_404(
        request.user, Org.objects.select_related("parent", "supervisor"), pk=org_id
    )
    check_clearance(request.user, org, request=request)
    return org


def _within_clearance(user, state: queries.OrgState) -> None:
    """Leave out sub-bodies above the user's clearance and the documents labelled above it."""
    state.internal_bodies = [v for v in state.internal_bodies if can_read(user, v.org)]
    state.subordinates = [v for v in state.subordinates if can_read(user, v.org)]


def _date_param(request: HttpRequest, name: str = "as_of") -> datetime.date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        messages.error(
            request, _("“%(v)s” is not a date (YYYY-MM-DD); showing today.") % {"v": raw}
        )
        return None


def _filter_from(request: HttpRequest) -> queries.OrgFilter:
    get = request.GET
    return queries.OrgFilter(
        q=get.get("q", "").strip()[:100],
        region=get.get("region", ""),
        category=get.get("category", ""),
        rank=get.get("rank", ""),
        status=get.get("status", ""),
        as_of=_date_param(request),
    )


def _filter_context() -> dict:
    lang = "zh-hans"
    return {
        "categories": reference.code_choices("org_category", lang),
        "ranks": reference.code_choices("rank", lang),
        "statuses": OrgStatus.choices,
    }


@requires(VIEW)
def org_list(request: HttpRequest) -> HttpResponse:
    flt = _filter_from(request)
    page = queries.org_search(request.user, flt, cursor=request.GET.get("cursor"), limit=50)
    context = {"page": page, "flt": flt, **_filter_context()}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "orgs/_result_rows.html", context)
    if request.htmx and request.htmx.target == "results":
        return render(request, "orgs/_results.html", context)
    return render(request, "orgs/list.html", context)


@requires(VIEW)
def org_suggest(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    rows = (
        queries.org_search(
            request.user, queries.OrgFilter(q=q, status=OrgStatus.ACTIVE), limit=8
        ).rows
        if q
        else []
    )
    return render(request, "orgs/_suggest.html", {"rows": rows})


@requires(VIEW)
def org_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _org(request, org_id)
    day = _date_param(request) or timezone.localdate()
    state = queries.org_state(org, day)
    _within_clearance(request.user, state)
    history = [
        (entry, action_label(entry.action))
        for entry in queries.org_history(org)[:200]
        if entry.document is None or can_read(request.user, entry.document)
    ]
    today = day == timezone.localdate()
    panel = None
    if request.user.has_perm("staffing.view_quota"):
        panel = staffing_queries.staffing_panel(org, day if not today else None)
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "state": state,
            "v": state.version,
            "history": history,
            "is_today": today,
            "operations": CHANGE_FORMS,
            "panel": panel,
        },
    )


@requires(VIEW)
def org_tree(request: HttpRequest) -> HttpResponse:
    day = _date_param(request) or timezone.localdate()
    prefix = user_region_prefix(request.user)
    root = request.user.node.region_code if request.user.node else ""
    return render(
        request,
        "orgs/tree.html",
        {
            "day": day,
            "root": _region_node(root, request.user, day),
            "prefix": prefix,
        },
    )


def _region_node(code: str, user, day) -> dict:
    name = reference.region_full_name(code) if code != "000000" else _("National")
    return {"code": code, "name": name}


def _subregions(code: str) -> list[tuple[str, str]]:
    table = reference.current_regions()
    if code == "000000":
        return sorted((c, v[0]) for c, v in table.items() if v[1] == 1)
    return sorted((c, v[0]) for c, v in table.items() if v[2] == code and c != code)


@requires(VIEW)
def org_tree_children(request: HttpRequest) -> HttpResponse:
    """One lazily loaded level of the tree: a region's subregions and bodies, or a body's."""
    day = _date_param(request) or timezone.localdate()
    parent_id = request.GET.get("parent")
    region = request.GET.get("region", "")
    if parent_id:
        parent = _org(request, int(parent_id)) if parent_id.isdigit() else None
        if parent is None:
            raise Http404
        bodies = queries.tree_children(request.user, parent=parent, region=None, day=day)
        subregions = []
    else:
        prefix = user_region_prefix(request.user)
        national = region == "000000"
        if prefix is None or (national and prefix) or not region.startswith(prefix):
            raise Http404
        bodies = queries.tree_children(request.user, parent=None, region=region, day=day)
        codes = _subregions(region)
        counts = queries.region_body_counts(request.user, [c for c, _n in codes], day)
        subregions = [
            {"code": c, "name": n, "count": counts.get(c, 0), "prefix": region_prefix(c)}
            for c, n in codes
        ]
    return render(
        request,
        "orgs/_tree_children.html",
        {
            "bodies": bodies,
            "subregions": subregions,
            "day": day,
            "category_names": dict(reference.code_choices("org_category")),
        },
    )


def _run_form(request: HttpRequest, form) -> Org | None:
    try:
        with transaction.atomic():
            return form.perform()
    except DomainError as exc:
        form.add_domain_error(exc)
        return None


@requires(MANAGE)
def org_establish(request: HttpRequest) -> HttpResponse:
    form = EstablishForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid() and (org := _run_form(request, form)):
        messages.success(request, _("Established %(name)s.") % {"name": org.name})
        return redirect("orgs:detail", org_id=org.pk)
    return render(request, "orgs/change_form.html", {"form": form, "org": None})


@requires(MANAGE)
def org_change(request: HttpRequest, org_id: int, operation: str) -> HttpResponse:
    form_class = CHANGE_FORMS.get(operation)
    if form_class is None:
        raise Http404
    org = _org(request, org_id)
    form = form_class(request.POST or None, request.FILES or None, user=request.user, org=org)
    if request.method == "POST" and form.is_valid() and (result := _run_form(request, form)):
        messages.success(request, _("%(op)s: done.") % {"op": form.title})
        return redirect("orgs:detail", org_id=result.pk)
    return render(request, "orgs/change_form.html", {"form": form, "org": org})

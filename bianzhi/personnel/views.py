"""Staff pages of the real-name register: search with masked IDs, the full record (every view
audited), and the forms for every way in, across and out of a post."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bianzhi.core.audit import record_access
from bianzhi.core.classification import check_clearance, field_visible, visible_to
from bianzhi.core.identifiers import mask_resident_id
from bianzhi.core.permissions import requires
from bianzhi.core.scope import get_in_scope_or_404
from bianzhi.orgs.models import Org
from bianzhi.staffing.views import render_form, run_form

from .forms import (
    RESIDENT_ID,
    AppointForm,
    ExitForm,
    OnboardForm,
    PersonForm,
    RelieveForm,
    TransferForm,
)
from .models import Assignment, LeaderTenure, Person
from .queries import person_in_scope_or_404, persons_in_scope
from .retirement import is_past_retirement, statutory_retirement

VIEW, FULL, MANAGE = (
    "personnel.view_person",
    "personnel.view_person_full",
    "personnel.manage_person",
)
CATEGORIES = {
    "male_60": gettext_lazy("Men (originally 60)"),
    "female_55": gettext_lazy("Women cadres (originally 55)"),
    "female_50": gettext_lazy("Women workers (originally 50)"),
}


def _open_posts() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(end_date__isnull=True).select_related(
            "org", "leader_post"
        ),
        to_attr="open_posts",
    )


def _search(qs: QuerySet, q: str) -> QuerySet:
    if not q:
        return qs
    if RESIDENT_ID.match(q):
        return qs.filter(resident_id=q.upper())
    return qs.filter(name__startswith=q)


@requires(VIEW)
def person_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:60]
    qs = _search(visible_to(request.user, persons_in_scope(request.user)), q)
    qs = qs.prefetch_related(_open_posts())
    page = Paginator(qs.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "personnel/list.html", {"page": page, "q": q})


def _person(request: HttpRequest, person_id: int) -> Person:
    """A person in scope (404 otherwise) and within the clearance (403, audited, otherwise)."""
    person = person_in_scope_or_404(request.user, person_id)
    check_clearance(request.user, person, request=request)
    return person


def _labelled_fields(user, person: Person) -> dict:
    """The labelled fields of the full record the user may see; the others are left out."""
    shown = {
        name: getattr(person, name)
        for name in ("resident_id", "phone", "home_address")
        if field_visible(user, "personnel.person", name)
    }
    shown.setdefault("resident_id", mask_resident_id(person.resident_id))
    return shown


@requires(FULL)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """The full record, including the resident ID; every view is an access event."""
    person = _person(request, person_id)
    record_access(request, "personnel.person.viewed", person)
    assignments = list(
        person.assignments.select_related(
            "org", "leader_post", "entry_document", "exit_document"
        ).order_by("-start_date", "-pk")
    )
    tenures = (
        LeaderTenure.objects.filter(assignment__person=person)
        .select_related("leader_post__org", "document")
        .order_by("-start_date", "-pk")
    )
    today = timezone.localdate()
    return render(
        request,
        "personnel/detail.html",
        {
            "person": person,
            "labelled": _labelled_fields(request.user, person),
            "retirement": statutory_retirement(person.birth_date, person.retirement_category),
            "category": CATEGORIES.get(person.retirement_category, person.retirement_category),
            "past": is_past_retirement(person.birth_date, person.retirement_category, today),
            "assignments": assignments,
            "current": next((a for a in assignments if a.end_date is None), None),
            "tenures": tenures,
        },
    )


@requires(MANAGE)
def person_register(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and (person := run_form(form)):
        messages.success(
            request,
            _("%(name)s is on the register; onboard them from a body's page.")
            % {"name": person.name},
        )
        return redirect("personnel:index")
    return render_form(request, form)


@requires(MANAGE)
def onboard(request: HttpRequest, org_id: int) -> HttpResponse:
    org = get_in_scope_or_404(request.user, Org.objects.all(), pk=org_id)
    form = OnboardForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        org=org,
        initial=request.GET.dict(),
    )
    if request.method == "POST" and form.is_valid() and (done := run_form(form)):
        messages.success(request, _("%(name)s onboarded.") % {"name": done.person.name})
        return redirect("orgs:detail", org_id=org.pk)
    return render_form(request, form, org=org)


def _open_assignment(request: HttpRequest, person_id: int) -> Assignment:
    person = _person(request, person_id)
    assignment = (
        person.assignments.filter(end_date__isnull=True)
        .select_related("org", "person", "leader_post")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


def _assignment_form(request: HttpRequest, person_id: int, form_class) -> HttpResponse:
    assignment = _open_assignment(request, person_id)
    form = form_class(
        request.POST or None, request.FILES or None, user=request.user, assignment=assignment
    )
    if request.method == "POST" and form.is_valid() and (done := run_form(form)):
        messages.success(request, _("%(op)s: done.") % {"op": form.title})
        return redirect("orgs:detail", org_id=done.org_id)
    return render_form(request, form, org=assignment.org, person=assignment.person)


@requires(MANAGE)
def transfer(request: HttpRequest, person_id: int) -> HttpResponse:
    return _assignment_form(request, person_id, TransferForm)


@requires(MANAGE)
def exit_post(request: HttpRequest, person_id: int) -> HttpResponse:
    return _assignment_form(request, person_id, ExitForm)


@requires(MANAGE)
def appoint(request: HttpRequest, person_id: int) -> HttpResponse:
    return _assignment_form(request, person_id, AppointForm)


@requires(MANAGE)
def relieve(request: HttpRequest, person_id: int) -> HttpResponse:
    return _assignment_form(request, person_id, RelieveForm)

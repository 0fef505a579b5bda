"""The registrar's side (/registration/): the queue of applications waiting for a step, all
applications, one application with the steps the user may take, filing on a body's behalf,
and the register of institutions. Scoped by region (`queries.applications_for`,
`queries.institutions_for`); outsiders get 404."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires
from bianzhi.core.scope import audit_out_of_scope

from . import applications, queries, rules, views_common
from .forms import SubjectForm, content_form, item_display
from .models import (
    Application,
    ApplicationKind,
    ApplicationState,
    Institution,
    InstitutionStatus,
)

S, K = ApplicationState, ApplicationKind
NS = "registration"
VIEW = "registration.view_application"
HANDLE = "registration.handle_application"
REGISTER = "registration.view_institution"
QUEUE = (S.SUBMITTED, S.ACCEPTED, S.REVIEWED, S.APPROVED)
INBOX_CAP = 500
PAGE_SIZE = 50


@dataclass(frozen=True)
class Filter:
    state: str = ""
    kind: str = ""
    flag: str = ""
    q: str = ""


def _filter(request: HttpRequest) -> Filter:
    get = request.GET
    state, kind, flag = get.get("state", ""), get.get("kind", ""), get.get("flag", "")
    return Filter(
        state=state if state in S.values else "",
        kind=kind if kind in K.values else "",
        flag=flag if flag in rules.FLAG_LABELS else "",
        q=get.get("q", "").strip()[:100],
    )


def _filtered(qs, flt: Filter):
    if flt.state:
        qs = qs.filter(state=flt.state)
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.q:
        qs = qs.filter(
            Q(number__icontains=flt.q)
            | Q(institution__name__icontains=flt.q)
            | Q(institution__credit_code=flt.q.upper())
            | Q(org__name__icontains=flt.q)
        )
    return qs


def _rows(apps: list[Application], flag: str = "") -> list[tuple]:
    today = timezone.localdate()
    rows = []
    for app in apps:
        flags = queries.all_flags(app, today)
        if flag and flag not in flags:
            continue
        rows.append((app, [(f, rules.FLAG_LABELS.get(f, f)) for f in flags]))
    return rows


def _cursor(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def _choices() -> dict:
    return {
        "states": S.choices,
        "queue_states": [(s.value, s.label) for s in QUEUE],
        "kinds": K.choices,
        "flag_choices": list(rules.FLAG_LABELS.items()),
    }


@requires(VIEW)
def inbox(request: HttpRequest) -> HttpResponse:
    """待办: submitted, accepted, examined and approved applications, the oldest first; overdue
    acceptance or decision is flagged."""
    flt = _filter(request)
    qs = _filtered(queries.applications_for(request.user).filter(state__in=QUEUE), flt)
    apps = list(qs.order_by("submitted_on", "id")[:INBOX_CAP])
    context = {"rows": _rows(apps, flt.flag), "flt": flt, **_choices()}
    return render(request, "registration/inbox.html", context)


@requires(VIEW)
def application_list(request: HttpRequest) -> HttpResponse:
    """Every application in scope, newest first, one keyset page at a time."""
    flt = _filter(request)
    qs = _filtered(queries.applications_for(request.user), flt).order_by("-id")
    cursor = _cursor(request.GET.get("cursor", ""))
    if cursor is not None:
        qs = qs.filter(pk__lt=cursor)
    apps = list(qs[: PAGE_SIZE + 1])
    more = len(apps) > PAGE_SIZE
    apps = apps[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "rows": _rows(apps, flt.flag),
        "flt": flt,
        "next_cursor": apps[-1].pk if more else None,
        "query": query.urlencode(),
        **_choices(),
    }
    return render(request, "registration/list.html", context)


def _subject_kwargs(kind: str, subject) -> dict:
    if kind == K.ESTABLISH:
        return {"org": subject}
    return {"institution": subject}


@requires(HANDLE)
def new(request: HttpRequest, kind: str) -> HttpResponse:
    """A registrar drafts an application on a body's behalf (a body in the user's scope)."""
    if kind not in K.values:
        raise Http404
    user = request.user
    bound = request.POST if request.method == "POST" else None
    chosen = request.GET if bound is None and request.GET.get("subject") else bound
    subject_form = SubjectForm(chosen, user=user, kind=kind)  # chosen from the register
    subject = subject_form.cleaned_data["subject"] if subject_form.is_valid() else None
    form = content_form(kind, bound, institution=subject if kind != K.ESTABLISH else None)
    if bound is not None and subject_form.is_valid() and form.is_valid():
        data, event_date, move_date = form.values()
        try:
            app = applications.application_create(
                actor=user,
                kind=kind,
                data=data,
                event_date=event_date,
                move_date=move_date,
                **_subject_kwargs(kind, subject),
            )
        except applications.Forbidden as exc:
            raise PermissionDenied(exc.message_en) from exc
        except DomainError as exc:
            target = subject_form if exc.field in {"institution", "org"} else form
            target.add_domain_error(exc)
            messages.error(request, views_common.error_text(exc))
        else:
            messages.success(request, _("Draft %(number)s saved.") % {"number": app.number})
            return redirect("registration:application", application_id=app.pk)
    context = {
        "ns": NS,
        "kind": kind,
        "kind_label": K(kind).label,
        "form": form,
        "form_rows": views_common.form_rows(form, {}),
        "subject_form": subject_form,
        "kinds": K.choices,
    }
    return render(request, "registration/new.html", context, status=400 if bound else 200)


# --- the register -------------------------------------------------------------------------


@requires(REGISTER)
def register(request: HttpRequest) -> HttpResponse:
    """The register: search by name or credit code, filter by status; keyset by credit code."""
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    status = status if status in InstitutionStatus.values else ""
    qs = queries.institutions_for(request.user).order_by("credit_code")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__startswith=q.upper()))
    if status:
        qs = qs.filter(status=status)
    after = request.GET.get("after", "").strip().upper()[:18]
    if after:
        qs = qs.filter(credit_code__gt=after)
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "rows": rows,
        "q": q,
        "status": status,
        "statuses": InstitutionStatus.choices,
        "next_after": rows[-1].credit_code if more else None,
        "query": query.urlencode(),
    }
    return render(request, "registration/register.html", context)


def _supervision_link(institution: Institution) -> str | None:
    try:
        return reverse("supervision:record", args=[institution.pk])
    except NoReverseMatch:
        return None


@requires(REGISTER)
def institution(request: HttpRequest, institution_id: int) -> HttpResponse:
    """One institution: its items now and over time, certificates and applications."""
    user = request.user
    found = queries.institutions_for(user).filter(pk=institution_id).first()
    if found is None:
        audit_out_of_scope(user, Institution.objects.all(), {"pk": institution_id})
        raise Http404
    certificates = [(c, views_common.certificate_links(c)) for c in found.certificates.all()]
    context = {
        "institution": found,
        "versions": list(found.versions.order_by("-valid_from", "-id")),
        "certificates": certificates,
        "applications": list(found.applications.order_by("-id")[:100]),
        "supervision": _supervision_link(found)
        if user.has_perm("supervision.view_inspection")
        else None,
        "file_kinds": [(k.value, k.label) for k in (K.CHANGE, K.CANCEL, K.REPLACE)],
        "items": [
            (rules.ITEM_LABELS[item], item_display(item, value))
            for item, value in found.items().items()
        ],
    }
    return render(request, "registration/institution.html", context)

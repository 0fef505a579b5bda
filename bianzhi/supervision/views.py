"""Pages of supervision: 双随机 draws and their inspections, penalties and their decisions, and
the record of one institution. Each POST calls one service; a field error re-renders the form
(400), a step the state does not allow says why (409), one the user may not take is 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.core.audit import record_access
from bianzhi.core.classification import check_clearance
from bianzhi.core.errors import DomainError, InvalidTransition
from bianzhi.core.permissions import requires

from . import queries, services
from .forms import DrawForm, InspectionRecordForm, LiftForm, PenaltyForm
from .models import InspectionState, PenaltyKind

VIEW = "supervision.view_inspection"
MANAGE = "supervision.manage_inspection"
DECIDE = "supervision.decide_penalty"
LIST_SIZE = 200


def _call(form, call) -> tuple[object | None, int]:
    """Run one service for a valid form: its result, or None and the status of the refusal
    (the error is on the form; a refusal of the actor is 403)."""
    if not form.is_valid():
        return None, 400
    try:
        with transaction.atomic():
            return call(form.cleaned_data), 200
    except services.Forbidden as exc:
        raise PermissionDenied(exc.message_en) from exc
    except DomainError as exc:
        form.add_domain_error(exc)
        return None, 409 if isinstance(exc, InvalidTransition) else 400


# --- draws and inspections -------------------------------------------------------------------


@requires(VIEW)
def draw_list(request: HttpRequest) -> HttpResponse:
    rows = queries.draws(request.user)[:LIST_SIZE]
    return render(request, "supervision/draws.html", {"rows": rows})


@requires(MANAGE)
def draw_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = DrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        draw, status = _call(
            form, lambda data: services.draw_create(actor=user, **_draw_args(data))
        )
        if draw is not None:
            messages.success(request, _("Drawn with seed %(seed)s.") % {"seed": draw.seed})
            return redirect("supervision:draw", draw_id=draw.pk)
    pool, inspectors = services.draw_pools(user.node) if user.node else ([], [])
    context = {"form": form, "pool_size": len(pool), "inspector_count": len(inspectors)}
    return render(request, "supervision/draw_new.html", context, status=status)


def _draw_args(data: dict) -> dict:
    return {
        "title": data["title"],
        "year": data["year"],
        "institution_count": data["institution_count"],
        "inspectors_per_institution": data["inspectors_per_institution"],
        "seed": data["seed"] or None,
    }


@requires(VIEW)
def draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    """The draw, its picks and inspectors, and whether the seed reproduces them."""
    draw = queries.draw_or_404(request.user, draw_id)
    inspections = queries.draw_inspections(draw)
    stored = [(i.institution_id, sorted(u.pk for u in i.inspectors.all())) for i in inspections]
    context = {
        "draw": draw,
        "inspections": inspections,
        "reproduced": services.draw_replay(draw) == stored,
        "may_record": _may_manage(request.user, draw.registrar_id),
    }
    return render(request, "supervision/draw.html", context)


def _may_manage(user, node_id: int) -> bool:
    return user.has_perm(MANAGE) and user.node_id == node_id


@requires(MANAGE)
def inspection_record(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = queries.inspection_or_404(request.user, inspection_id)
    initial = {"inspected_on": timezone.localdate()}
    form = InspectionRecordForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        done, status = _call(
            form,
            lambda data: services.inspection_record(
                actor=request.user, inspection=inspection, **data
            ),
        )
        if done is not None:
            messages.success(request, _("Inspection result recorded."))
            if inspection.draw_id:
                return redirect("supervision:draw", draw_id=inspection.draw_id)
            return redirect("supervision:record", institution_id=inspection.institution_id)
    context = {
        "inspection": inspection,
        "form": form,
        "recorded": inspection.state == InspectionState.DONE,
    }
    return render(request, "supervision/inspection_record.html", context, status=status)


# --- penalties ---------------------------------------------------------------------------


def _penalty_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    user = request.user
    rows = list(queries.penalties(user)[:LIST_SIZE])
    liftable = {
        p.pk
        for p in rows
        if p.kind == PenaltyKind.SUSPEND
        and p.lifted_on is None
        and user.has_perm(DECIDE)
        and user.node_id == p.institution.registrar_id
    }
    context = {"rows": rows, "liftable": liftable, "today": timezone.localdate()}
    return render(request, "supervision/penalties.html", context, status=status)


@requires(VIEW)
def penalty_list(request: HttpRequest) -> HttpResponse:
    return _penalty_page(request)


def _impose(request: HttpRequest, form: PenaltyForm):
    def call(data: dict):
        institution = queries.institution_find(request.user, data["institution"])
        if institution is None:
            form.add_error(
                "institution", _("No registered institution with this id or code in your scope.")
            )
            return None
        inspection = None
        if data["inspection"]:
            inspection = institution.inspections.filter(pk=data["inspection"]).first()
            if inspection is None:
                form.add_error("inspection", _("No inspection of this institution has this id."))
                return None
        return services.penalty_impose(
            actor=request.user,
            institution=institution,
            kind=data["kind"],
            reason=data["reason"],
            decided_on=data["decided_on"],
            suspend_until=data["suspend_until"],
            inspection=inspection,
        )

    penalty, status = _call(form, call)
    return penalty, (400 if penalty is None and status == 200 else status)


@requires(DECIDE)
def penalty_new(request: HttpRequest) -> HttpResponse:
    initial = {
        "institution": request.GET.get("institution", "")[:18],
        "decided_on": timezone.localdate(),
    }
    form = PenaltyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        penalty, status = _impose(request, form)
        if penalty is not None:
            messages.success(
                request, _("Penalty imposed: %(number)s.") % {"number": penalty.document.number}
            )
            return redirect("supervision:record", institution_id=penalty.institution_id)
    return render(request, "supervision/penalty_new.html", {"form": form}, status=status)


@requires(DECIDE)
@require_POST
def penalty_lift(request: HttpRequest, penalty_id: int) -> HttpResponse:
    penalty = queries.penalty_or_404(request.user, penalty_id)
    form = LiftForm(request.POST)
    done, status = _call(
        form, lambda data: services.penalty_lift(actor=request.user, penalty=penalty, **data)
    )
    if done is None:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
        return _penalty_page(request, status=status)
    messages.success(request, _("Suspension lifted; the certificate is valid again."))
    return redirect("supervision:penalties")


@requires(VIEW)
def penalty_decision(request: HttpRequest, penalty_id: int) -> FileResponse:
    """The decision (处罚决定书) as issued, PDF; every download is audited."""
    penalty = queries.penalty_or_404(request.user, penalty_id)
    document = penalty.document
    if not document.file:
        raise Http404
    check_clearance(request.user, document, request=request)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{document.number or penalty.pk}.pdf",
        content_type="application/pdf",
    )
    record_access(request, "core.document.downloaded", document, {"penalty": penalty.pk})
    return response


# --- the record of one institution -------------------------------------------------------------


@requires(VIEW)
def institution_record(request: HttpRequest, institution_id: int) -> HttpResponse:
    """监管档案: registered items over time, certificates, applications, inspections,
    penalties, notices and the journal of one institution."""
    institution = queries.institution_or_404(request.user, institution_id)
    record = queries.institution_record(institution)
    context = {
        "record": record,
        "institution": institution,
        "may_impose": request.user.has_perm(DECIDE)
        and request.user.node_id == institution.registrar_id,
    }
    return render(request, "supervision/record.html", context)

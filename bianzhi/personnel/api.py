"""REST routes of the real-name register (实名制): persons, and the ways into and out of posts
(onboard, transfer, appoint, relieve, exit). Lists mask resident IDs; the full record shows the
full number and every view of it is recorded as an access event."""

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.errors import HttpError

from bianzhi.core.audit import record_access
from bianzhi.core.classification import (
    AboveClearance,
    check_clearance,
    field_visible,
    visible_to,
)
from bianzhi.core.documents import document_register
from bianzhi.core.errors import InvalidInput
from bianzhi.core.identifiers import mask_resident_id
from bianzhi.core.permissions import api_requires
from bianzhi.core.scope import get_in_scope_or_404, scope_queryset
from bianzhi.orgs.models import Org
from bianzhi.orgs.queries import decode_cursor, encode_cursor
from bianzhi.staffing.models import LeaderPost, Reservation

from . import services
from .models import Assignment, Person
from .queries import person_in_scope_or_404, persons_in_scope
from .schemas import (
    AppointIn,
    AssignmentOut,
    ExitIn,
    OnboardIn,
    OverrideIn,
    PersonDetailOut,
    PersonIn,
    PersonOut,
    PersonPage,
    RelieveIn,
    TransferIn,
)

router = Router(tags=["personnel"])
VIEW, FULL, MANAGE = (
    "personnel.view_person",
    "personnel.view_person_full",
    "personnel.manage_person",
)
PERSON_FIELDS = (
    "id",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "retirement_category",
    "retires_on",
)


def _org(request, org_id: int) -> Org:
    return get_in_scope_or_404(request.user, Org.objects.all(), pk=org_id)


def _document(request, document):
    return document_register(actor=request.user, **document.dict())


def _open_posts() -> QuerySet:
    return Assignment.objects.filter(end_date__isnull=True)


def _person_out(person: Person, *, full: bool = False, user=None) -> dict:
    data = {name: getattr(person, name) for name in PERSON_FIELDS}
    number = person.resident_id
    if full:  # labelled fields above the reader's clearance are masked or left out
        full = field_visible(user, "personnel.person", "resident_id")
        data |= {
            name: getattr(person, name) if field_visible(user, "personnel.person", name) else None
            for name in ("phone", "home_address")
        }
    return data | {
        "resident_id": number if full else mask_resident_id(number),
        "org_id": getattr(person, "post_org_id", None),
        "org_name": getattr(person, "post_org_name", None),
    }


def _assignment_out(a: Assignment) -> dict:
    fields = ("id", "person_id", "org_id", "est_type", "leader_post_id", "start_date")
    data = {name: getattr(a, name) for name in fields}
    return data | {
        "person_name": a.person.name,
        "resident_id": mask_resident_id(a.person.resident_id),
        "org_name": a.org.name,
        "leader_title": a.leader_post.title if a.leader_post else None,
        "end_date": a.end_date,
        "entry_way": a.entry_way,
        "exit_way": a.exit_way,
        "override_by": a.override_by,
    }


def _with_post(qs: QuerySet) -> QuerySet:
    """Annotate the body of each person's open post (one query for the page)."""
    post = _open_posts().filter(person=OuterRef("pk"))
    return qs.annotate(
        post_org_id=Subquery(post.values("org_id")[:1]),
        post_org_name=Subquery(post.values("org__name")[:1]),
    )


# --- persons --------------------------------------------------------------------------------


@router.post("/persons", response={201: PersonOut}, summary="Register a person 实名登记")
@api_requires(MANAGE)
@transaction.atomic
def person_register(request, data: PersonIn):
    """Put a person on the register; gender and birth date come from the resident ID."""
    person = services.person_register(actor=request.user, **data.dict())
    return Status(201, _person_out(person))


def _after(cursor: str | None) -> int:
    values = decode_cursor(cursor)
    return values[0] if values and isinstance(values[0], int) else 0


@router.get("/persons", response=PersonPage, summary="Search persons 人员查询")
@api_requires(VIEW)
def person_list(
    request,
    q: str = Query("", max_length=60, description="name prefix, or the full resident ID"),
    org_id: int | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
):
    """Persons whose open post is in your region (a person without an open post is visible to a
    national user only), by id; resident IDs are masked."""
    qs = visible_to(request.user, persons_in_scope(request.user))
    if org_id is not None:
        qs = qs.filter(pk__in=_open_posts().filter(org=_org(request, org_id)).values("person_id"))
    if q.strip():
        q = q.strip()
        qs = qs.filter(Q(name__startswith=q) | Q(resident_id=q.upper()))
    rows = list(_with_post(qs.filter(pk__gt=_after(cursor))).order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [_person_out(p) for p in rows],
        "next_cursor": encode_cursor([rows[-1].pk]) if more else None,
    }


@router.get("/persons/{int:person_id}", response=PersonDetailOut, summary="Full record 人员档案")
@api_requires(FULL)
def person_detail(request, person_id: int):
    """The full record with the full resident ID and every assignment; each view is recorded
    (`personnel.person.viewed`)."""
    scoped = _with_post(persons_in_scope(request.user))
    person = person_in_scope_or_404(request.user, person_id, scoped)
    try:
        check_clearance(request.user, person, request=request)
    except AboveClearance as exc:
        raise HttpError(403, exc.message) from exc
    record_access(request, "personnel.person.viewed", person)
    history = person.assignments.select_related("person", "org", "leader_post")
    return _person_out(person, full=True, user=request.user) | {
        "assignments": [_assignment_out(a) for a in history.order_by("-start_date", "-id")]
    }


# --- assignments ----------------------------------------------------------------------------


def _assignments(request) -> QuerySet:
    qs = scope_queryset(
        request.user,
        Assignment.objects.select_related("person", "org", "leader_post"),
        "org__region_code",
    )
    qs = visible_to(request.user, qs, "person__classification")
    return visible_to(request.user, qs, "org__classification")


def _assignment(request, assignment_id: int) -> Assignment:
    return get_object_or_404(_assignments(request), pk=assignment_id)


def _reservation(request, reservation_id: int | None) -> Reservation | None:
    if reservation_id is None:
        return None
    qs = scope_queryset(request.user, Reservation.objects.all(), "quota__org__region_code")
    reservation = qs.filter(pk=reservation_id).first()
    if reservation is None:
        raise InvalidInput(
            f"用编计划 {reservation_id} 不存在或不在您的范围内",
            f"reservation {reservation_id} does not exist or is outside your scope",
            field="reservation_id",
            code="invalid_reservation",
        )
    return reservation


def _override(request, data: OverrideIn) -> dict:
    document = data.override_document
    return {
        "override_by": data.override_by,
        "override_document": _document(request, document) if document else None,
    }


@router.get("/assignments", response=list[AssignmentOut], summary="Assignments 占编情况")
@api_requires(VIEW)
def assignment_list(
    request,
    org_id: int | None = None,
    person_id: int | None = None,
    active: bool | None = None,
    limit: int = Query(500, ge=1, le=5000),
):
    """Assignments in bodies of your region; `active=true` only open ones (masked IDs)."""
    qs = _assignments(request)
    if org_id is not None:
        qs = qs.filter(org=_org(request, org_id))
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if active is not None:
        qs = qs.filter(end_date__isnull=active)
    return [_assignment_out(a) for a in qs.order_by("-start_date", "-id")[:limit]]


@router.post("/assignments", response={201: AssignmentOut}, summary="Onboard 入编")
@api_requires(MANAGE)
@transaction.atomic
def assignment_onboard(request, data: OnboardIn):
    """Take a registered person onto a post; 409 over_quota / quota_frozen /
    already_on_establishment."""
    org = _org(request, data.org_id)
    assignment = services.assignment_onboard(
        actor=request.user,
        person=get_object_or_404(Person, pk=data.person_id),
        org=org,
        est_type=data.est_type,
        start_date=data.start_date,
        entry_way=data.entry_way,
        document=_document(request, data.document),
        reservation=_reservation(request, data.reservation_id),
        **_override(request, data),
    )
    return Status(201, _assignment_out(assignment))


@router.post(
    "/assignments/{int:assignment_id}/transfer", response=AssignmentOut, summary="Transfer 调动"
)
@api_requires(MANAGE)
@transaction.atomic
def assignment_transfer(request, assignment_id: int, data: TransferIn):
    """Leave the current body and enter another in one transaction; refused as a whole (409)
    when the receiving body has no vacant post. Returns the new assignment."""
    assignment = services.assignment_transfer(
        actor=request.user,
        assignment=_assignment(request, assignment_id),
        to_org=_org(request, data.to_org_id),
        date=data.date,
        document=_document(request, data.document),
        est_type=data.est_type,
        entry_way=data.entry_way,
        reservation=_reservation(request, data.reservation_id),
        **_override(request, data),
    )
    return _assignment_out(assignment)


@router.post(
    "/assignments/{int:assignment_id}/appoint", response=AssignmentOut, summary="Appoint 任职"
)
@api_requires(MANAGE)
@transaction.atomic
def assignment_appoint(request, assignment_id: int, data: AppointIn):
    """Appoint to a leader post of the body or its internal body; 409 over_leader_posts."""
    posts = scope_queryset(request.user, LeaderPost.objects.all(), "org__region_code")
    assignment = services.leader_appoint(
        actor=request.user,
        assignment=_assignment(request, assignment_id),
        leader_post=get_object_or_404(posts.select_related("org"), pk=data.leader_post_id),
        date=data.date,
        document=_document(request, data.document),
        **_override(request, data),
    )
    return _assignment_out(assignment)


@router.post(
    "/assignments/{int:assignment_id}/relieve", response=AssignmentOut, summary="Relieve 免职"
)
@api_requires(MANAGE)
@transaction.atomic
def assignment_relieve(request, assignment_id: int, data: RelieveIn):
    assignment = services.leader_relieve(
        actor=request.user,
        assignment=_assignment(request, assignment_id),
        date=data.date,
        document=_document(request, data.document),
    )
    return _assignment_out(assignment)


@router.post("/assignments/{int:assignment_id}/exit", response=AssignmentOut, summary="Exit 出编")
@api_requires(MANAGE)
@transaction.atomic
def assignment_exit(request, assignment_id: int, data: ExitIn):
    assignment = services.assignment_exit(
        actor=request.user,
        assignment=_assignment(request, assignment_id),
        end_date=data.end_date,
        exit_way=data.exit_way,
        document=_document(request, data.document),
    )
    return _assignment_out(assignment)

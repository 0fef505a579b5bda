"""Every write to the real-name register. Each way into a post (onboard, transfer in, re-entry,
import) checks the quota under a row lock in the same transaction; appointments check the
leader posts; one person holds at most one post nationwide (一人一编)."""

import datetime

from django.db import IntegrityError, transaction

from bianzhi.core.errors import InvalidInput
from bianzhi.core.identifiers import IdentifierError, validate_resident_id
from bianzhi.core.journal import journal_record
from bianzhi.core.models import Document
from bianzhi.orgs.models import Org, OrgStatus
from bianzhi.orgs.validation import check_code, check_scope
from bianzhi.staffing import control
from bianzhi.staffing.models import LeaderPost, Reservation

from .models import Assignment, LeaderTenure, Person
from .retirement import category_for, statutory_retirement

PERSON_FIELDS = ("name", "ethnicity", "political_status", "education")
SEALED_FIELDS = ("phone", "home_address")  # SM4 at rest; the journal says only that they changed


def _snapshot(assignment: Assignment) -> dict:
    return {
        "person_id": assignment.person_id,
        "org_id": assignment.org_id,
        "est_type": assignment.est_type,
        "leader_post_id": assignment.leader_post_id,
        "start_date": assignment.start_date.isoformat(),
        "end_date": assignment.end_date.isoformat() if assignment.end_date else None,
        "entry_way": assignment.entry_way,
        "exit_way": assignment.exit_way,
    }


def _identity(resident_id: str):
    try:
        return validate_resident_id(resident_id)
    except IdentifierError as exc:
        raise InvalidInput(
            exc.message_zh, exc.message_en, field="resident_id", code=exc.code
        ) from exc


@transaction.atomic
def person_register(
    *,
    actor,
    resident_id: str,
    name: str,
    cadre: bool = True,
    ethnicity: str = "",
    political_status: str = "",
    education: str = "",
    gender: str | None = None,
    birth_date: datetime.date | None = None,
    phone: str = "",
    home_address: str = "",
) -> Person:
    """Put a person on the register; gender and birth date come from the ID and must agree with
    any given; the retirement category is keyed on the original statutory age."""
    ric = _identity(resident_id)
    if gender and gender != ric.gender:
        raise InvalidInput(
            "性别与公民身份号码不符",
            "gender disagrees with the resident ID",
            field="gender",
            code="ric.inconsistent",
        )
    if birth_date and birth_date != ric.birth_date:
        raise InvalidInput(
            "出生日期与公民身份号码不符",
            "birth date disagrees with the ID",
            field="birth_date",
            code="ric.inconsistent",
        )
    if not name.strip():
        raise InvalidInput("姓名不能为空", "name is required", field="name")
    if Person.objects.filter(resident_id=ric.number).exists():
        raise InvalidInput(
            "该公民身份号码已在实名库中",
            "this resident ID is already registered",
            field="resident_id",
            code="duplicate",
        )
    category = category_for(ric.gender, cadre=cadre)
    person = Person.objects.create(
        resident_id=ric.number,
        name=name.strip(),
        gender=ric.gender,
        birth_date=ric.birth_date,
        ethnicity=ethnicity,
        political_status=political_status,
        education=education,
        phone=phone.strip(),
        home_address=home_address.strip(),
        retirement_category=category,
        retires_on=statutory_retirement(ric.birth_date, category).month.first_day,
    )
    journal_record(
        obj=person,
        action="personnel.person.registered",
        actor=actor,
        after={"name": person.name, "category": category},
    )
    return person


def _lock_person(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def _check_free(person: Person) -> None:
    current = person.assignments.filter(end_date__isnull=True).select_related("org").first()
    if current is not None:
        raise control.ControlRefused(
            f"{person.name}已在“{current.org.name}”占编，一人只能占用一个编制",
            f"{person.name} already holds a post in {current.org.name!r} (one person, one post)",
            field="person",
            code="already_on_establishment",
            details={"assignment_id": current.pk, "org_id": current.org_id},
        )


def _check_org(actor, org: Org) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise InvalidInput(
            f"“{org.name}”已撤销", f"{org.name!r} is not active", field="org", code="inactive"
        )
    check_scope(actor, org.region_code)


def _reservation(reservation: Reservation | None, quota) -> Reservation | None:
    if reservation is None:
        return None
    reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.quota_id != quota.pk or reservation.status != Reservation.Status.ACTIVE:
        raise InvalidInput(
            "用编计划不属于该机构和编制类型，或已失效",
            "the reservation is for another body or type, or no longer active",
            field="reservation",
            code="invalid_reservation",
        )
    return reservation


def _enter(
    *,
    actor,
    person: Person,
    org: Org,
    est_type: str,
    start_date: datetime.date,
    entry_way: str,
    document: Document,
    reservation: Reservation | None = None,
    override_by: str = "",
    override_document: Document | None = None,
    action: str,
) -> Assignment:
    """The one door every way in passes: 一人一编, then the quota under its row lock."""
    check_code("establishment_type", est_type, "est_type", required=True)
    check_code("entry_way", entry_way, "entry_way", required=True)
    _check_org(actor, org)
    _check_free(person)
    quota = control.lock_quota(org, est_type)
    control.release_expired(quota, actor=actor)
    reservation = _reservation(reservation, quota)
    override = bool(override_by.strip() and override_document)
    control.check_entry(quota, reservation=reservation, override=override)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                person=person,
                org=org,
                quota=quota,
                est_type=est_type,
                start_date=start_date,
                entry_way=entry_way,
                entry_document=document,
                reservation=reservation,
                override_by=override_by.strip() if override else "",
                override_document=override_document if override else None,
            )
    except IntegrityError as exc:  # a racing entry of the same person on another connection
        raise control.ControlRefused(
            "该人员已占编",
            "the person already holds a post",
            field="person",
            code="already_on_establishment",
        ) from exc
    control.take_post(quota, reservation)
    journal_record(
        obj=assignment,
        action=action,
        actor=actor,
        after=_snapshot(assignment),
        document=document,
        effective_date=start_date,
    )
    return assignment


@transaction.atomic
def assignment_onboard(
    *,
    actor,
    person: Person,
    org: Org,
    est_type: str,
    start_date: datetime.date,
    entry_way: str,
    document: Document,
    reservation: Reservation | None = None,
    override_by: str = "",
    override_document: Document | None = None,
) -> Assignment:
    """Take a person onto a post (入编); refused when over quota, frozen, or already on a post."""
    person = _lock_person(person)
    return _enter(
        actor=actor,
        person=person,
        org=org,
        est_type=est_type,
        start_date=start_date,
        entry_way=entry_way,
        document=document,
        reservation=reservation,
        override_by=override_by,
        override_document=override_document,
        action="personnel.assignment.onboarded",
    )


def _leave(
    assignment: Assignment, *, actor, end_date: datetime.date, exit_way: str, document: Document
) -> Assignment:
    check_code("exit_way", exit_way, "exit_way", required=True)
    if assignment.end_date is not None:
        raise InvalidInput(
            "该人员已出编",
            "the person has already left this post",
            field="assignment",
            code="invalid_transition",
        )
    if end_date < assignment.start_date:
        raise InvalidInput(
            "出编日期早于入编日期", "the end date precedes the start date", field="end_date"
        )
    if assignment.leader_post_id:
        _relieve(assignment, actor=actor, end_date=end_date, document=document)
    quota = control.lock_quota(assignment.org, assignment.est_type)
    before = _snapshot(assignment)
    assignment.end_date, assignment.exit_way, assignment.exit_document = (
        end_date,
        exit_way,
        document,
    )
    assignment.save(update_fields=["end_date", "exit_way", "exit_document"])
    control.release_post(quota)
    journal_record(
        obj=assignment,
        action="personnel.assignment.exited",
        actor=actor,
        before=before,
        after=_snapshot(assignment),
        document=document,
        effective_date=end_date,
    )
    return assignment


def _locked_assignment(actor, assignment: Assignment) -> Assignment:
    _lock_person(assignment.person)
    assignment = (
        Assignment.objects.select_for_update().select_related("org", "person").get(pk=assignment.pk)
    )
    check_scope(actor, assignment.org.region_code)
    return assignment


@transaction.atomic
def assignment_exit(
    *, actor, assignment: Assignment, end_date: datetime.date, exit_way: str, document: Document
) -> Assignment:
    """Take a person off their post (出编): retirement, transfer out, resignation, …"""
    assignment = _locked_assignment(actor, assignment)
    return _leave(assignment, actor=actor, end_date=end_date, exit_way=exit_way, document=document)


@transaction.atomic
def assignment_transfer(
    *,
    actor,
    assignment: Assignment,
    to_org: Org,
    date: datetime.date,
    document: Document,
    est_type: str | None = None,
    entry_way: str = "transfer_in",
    reservation: Reservation | None = None,
    override_by: str = "",
    override_document: Document | None = None,
) -> Assignment:
    """Move a person from one body to another (调动) atomically: leave A, enter B; refused as a
    whole when B has no vacant post."""
    assignment = _locked_assignment(actor, assignment)
    est_type = est_type or assignment.est_type
    if to_org.pk == assignment.org_id and est_type == assignment.est_type:
        raise InvalidInput("调入机构与现机构相同", "the person is already there", field="org")
    control.lock_quota(min(assignment.org, to_org, key=lambda o: o.pk), est_type)
    _leave(assignment, actor=actor, end_date=date, exit_way="transfer_out", document=document)
    return _enter(
        actor=actor,
        person=assignment.person,
        org=to_org,
        est_type=est_type,
        start_date=date,
        entry_way=entry_way,
        document=document,
        reservation=reservation,
        override_by=override_by,
        override_document=override_document,
        action="personnel.assignment.transferred",
    )


def _relieve(assignment: Assignment, *, actor, end_date, document) -> None:
    post = control.lock_leader_post(assignment.leader_post)
    tenure = assignment.tenures.get(end_date__isnull=True)
    tenure.end_date, tenure.end_document = end_date, document
    tenure.save(update_fields=["end_date", "end_document"])
    post.filled -= 1
    post.save(update_fields=["filled"])
    assignment.leader_post = None
    assignment.save(update_fields=["leader_post"])
    journal_record(
        obj=assignment,
        action="personnel.leader.relieved",
        actor=actor,
        before={"leader_post_id": post.pk, "title": post.title},
        document=document,
        effective_date=end_date,
    )


@transaction.atomic
def leader_appoint(
    *,
    actor,
    assignment: Assignment,
    leader_post: LeaderPost,
    date: datetime.date,
    document: Document,
    override_by: str = "",
    override_document: Document | None = None,
) -> Assignment:
    """Appoint a person on a post of the body (or of its internal body) to a leader post;
    refused beyond the approved leader positions (超职数)."""
    assignment = _locked_assignment(actor, assignment)
    if assignment.end_date is not None:
        raise InvalidInput(
            "该人员已出编",
            "the person has left the post",
            field="assignment",
            code="invalid_transition",
        )
    post_org = leader_post.org
    if assignment.org_id not in {post_org.pk, post_org.parent_id}:
        raise InvalidInput(
            "领导职务须属于其所在机构或其内设机构",
            "the leader post belongs to another body",
            field="leader_post",
        )
    if assignment.leader_post_id:
        _relieve(assignment, actor=actor, end_date=date, document=document)
    post = control.lock_leader_post(leader_post)
    control.check_leader_post(post, override=bool(override_by.strip() and override_document))
    post.filled += 1
    post.save(update_fields=["filled"])
    LeaderTenure.objects.create(
        assignment=assignment, leader_post=post, start_date=date, document=document
    )
    assignment.leader_post = post
    assignment.save(update_fields=["leader_post"])
    journal_record(
        obj=assignment,
        action="personnel.leader.appointed",
        actor=actor,
        after={"leader_post_id": post.pk, "title": post.title, "override_by": override_by.strip()},
        document=document,
        effective_date=date,
    )
    return assignment


@transaction.atomic
def leader_relieve(
    *, actor, assignment: Assignment, date: datetime.date, document: Document
) -> Assignment:
    """Relieve a person of their leader post (免职), keeping their establishment post."""
    assignment = _locked_assignment(actor, assignment)
    if not assignment.leader_post_id:
        raise InvalidInput(
            "该人员未担任领导职务",
            "the person holds no leader post",
            field="assignment",
            code="invalid_transition",
        )
    _relieve(assignment, actor=actor, end_date=date, document=document)
    return assignment


@transaction.atomic
def assignment_correct(
    *,
    actor,
    assignment: Assignment,
    reason: str,
    entry_way: str | None = None,
    start_date: datetime.date | None = None,
) -> Assignment:
    """Correct a recorded fact (with a reason); it never re-runs the quota check."""
    if not reason.strip():
        raise InvalidInput("更正必须说明理由", "a correction needs a reason", field="reason")
    assignment = _locked_assignment(actor, assignment)
    before = _snapshot(assignment)
    if entry_way:
        check_code("entry_way", entry_way, "entry_way")
        assignment.entry_way = entry_way
    if start_date:
        assignment.start_date = start_date
    assignment.save(update_fields=["entry_way", "start_date"])
    journal_record(
        obj=assignment,
        action="personnel.assignment.corrected",
        actor=actor,
        before=before,
        after=_snapshot(assignment) | {"reason": reason.strip()},
    )
    return assignment


@transaction.atomic
def person_correct(*, actor, person: Person, reason: str, **fields) -> Person:
    """Correct a person's name or descriptive fields (with a reason); the ID never changes."""
    if not reason.strip():
        raise InvalidInput("更正必须说明理由", "a correction needs a reason", field="reason")
    unknown = set(fields) - set(PERSON_FIELDS) - set(SEALED_FIELDS)
    if unknown:
        raise InvalidInput(
            "只能更正姓名、民族、政治面貌、学历、电话和家庭住址",
            "only name, ethnicity, political status, education, phone and address change",
            field=sorted(unknown)[0],
        )
    person = _lock_person(person)
    before = {name: getattr(person, name) for name in fields if name not in SEALED_FIELDS}
    for name, value in fields.items():
        setattr(person, name, value.strip())
    person.save(update_fields=list(fields))
    after = {name: "(sealed)" if name in SEALED_FIELDS else v for name, v in fields.items()}
    journal_record(
        obj=person,
        action="personnel.person.corrected",
        actor=actor,
        before=before,
        after=after | {"reason": reason.strip()},
    )
    return person

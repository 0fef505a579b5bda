"""The state machine of a matter through the real services: every transition, refusals of
illegal ones and of the wrong people, the deadline clock, execution (idempotent, all or
nothing, conflict report), the decision document and the filing with the higher level."""

import datetime
import hashlib

import pytest
from django.core import mail
from django.utils import timezone

from bianzhi.core.errors import DomainError, InvalidInput, InvalidTransition
from bianzhi.core.models import JournalEntry
from bianzhi.matters import queries, services
from bianzhi.matters.models import MatterEvent, MatterState, Notification
from bianzhi.matters.services import Forbidden
from bianzhi.staffing.models import Quota, QuotaChange
from bianzhi.testing import make_user

from .conftest import act, cut_meanwhile, raise_matter, to_approved

S = MatterState
pytestmark = pytest.mark.django_db


def approved_count(office) -> int:
    return Quota.objects.get(org=office.body, est_type="admin").approved


def test_full_flow_changes_the_ledger_from_the_effective_date(office):
    matter = raise_matter(office)
    assert matter.state == S.DRAFT and matter.node.code == "320506"
    assert matter.steps == ["clerk", "division_head", "leader"] and not matter.major
    to_approved(office, matter)
    effective = timezone.localdate() + datetime.timedelta(days=3)
    act(matter, office.clerk, "issue", effective_date=effective, signer="张三")
    matter.refresh_from_db()
    year = timezone.localdate().year
    assert matter.state == S.ISSUED
    assert matter.document.number == f"吴中区委编办发〔{year}〕1号"
    assert matter.document.title == "关于调增行政编制的批复"
    stored = matter.document.file.read()
    assert stored.startswith(b"%PDF-")
    assert matter.document.sha256 == hashlib.sha256(stored).hexdigest()
    assert approved_count(office) == 20  # nothing changes before execution

    act(matter, office.clerk, "execute")
    assert approved_count(office) == 25
    change = QuotaChange.objects.filter(quota__org=office.body).latest("id")
    assert (change.delta, change.effective_date, change.document_id) == (
        5,
        effective,
        matter.document_id,
    )
    act(matter, office.clerk, "file")
    matter.refresh_from_db()
    assert matter.state == S.FILED and matter.filed_with.code == "320500"
    assert list(queries.filings(office.city_clerk)) == [matter]
    assert [a.name for a in queries.allowed_actions(office.city_clerk, matter)] == ["acknowledge"]
    act(matter, office.city_clerk, "acknowledge")
    matter.refresh_from_db()
    assert matter.filing_acknowledged_at is not None
    assert queries.allowed_actions(office.city_clerk, matter) == []
    trail = list(matter.events.values_list("action", "from_state", "to_state"))
    assert trail[0] == ("create", "", "draft")
    assert [a for a, *_ in trail] == [
        "create", "submit", "accept", "pass", "pass", "approve", "issue", "execute", "file",
        "acknowledge",
    ]  # fmt: skip
    assert JournalEntry.objects.filter(action="matters.matter.executed").count() == 1


def test_every_step_is_taken_by_its_own_role_only(office):
    matter = raise_matter(office)
    with pytest.raises(Forbidden):
        act(matter, office.head, "submit")
    act(matter, office.unit, "submit")
    for wrong in (office.unit, office.head, office.leader, office.city_clerk, office.outsider):
        with pytest.raises(Forbidden):
            act(matter, wrong, "accept")
    act(matter, office.clerk, "accept")
    with pytest.raises(Forbidden):
        act(matter, office.head, "pass")  # step 0 is the handling clerk's
    act(matter, office.clerk, "pass")
    with pytest.raises(Forbidden):
        act(matter, office.clerk, "pass")  # step 1 is the division head's
    act(matter, office.head, "pass")
    with pytest.raises(Forbidden):
        act(matter, office.clerk, "approve")  # a clerk cannot approve
    with pytest.raises(Forbidden):
        act(matter, office.head, "approve")
    with pytest.raises(InvalidTransition):
        act(matter, office.leader, "pass")  # the last step of an ordinary matter decides
    act(matter, office.leader, "approve")
    matter.refresh_from_db()
    assert matter.state == S.APPROVED and matter.decided_by == office.leader


@pytest.mark.parametrize(
    ("state_actions", "illegal"),
    [
        ([], "accept"),
        ([], "approve"),
        ([], "execute"),
        ([("unit", "submit")], "resubmit"),
        ([("unit", "submit")], "issue"),
        ([("unit", "submit"), ("clerk", "accept")], "submit"),
        ([("unit", "submit"), ("clerk", "accept")], "file"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(office, state_actions, illegal):
    matter = raise_matter(office)
    for who, action in state_actions:
        act(matter, getattr(office, who), action)
    matter.refresh_from_db()
    before = (matter.state, matter.events.count())
    with pytest.raises(InvalidTransition) as refused:
        act(matter, office.clerk, illegal)
    assert refused.value.field == "action"
    matter.refresh_from_db()
    assert (matter.state, matter.events.count()) == before


@pytest.mark.parametrize(
    ("request_title", "reply"),
    [
        ("关于调增行政编制的请示", "关于调增行政编制的批复"),
        ("关于设立某某中心的请示（二）", "关于设立某某中心（二）的批复"),
        ("调整内设机构申请", "关于调整内设机构的批复"),
        ("机构改革方案", "关于机构改革方案的批复"),
    ],
)
def test_the_reply_takes_its_title_from_the_request(request_title, reply):
    from bianzhi.matters.decision import decision_title

    assert decision_title(request_title) == reply


def test_unknown_action_names_the_field(office):
    with pytest.raises(InvalidInput) as refused:
        act(raise_matter(office), office.clerk, "teleport")
    assert refused.value.field == "action"


def test_refusal_needs_a_reason_and_ends_the_matter(office):
    matter = raise_matter(office)
    act(matter, office.unit, "submit")
    with pytest.raises(InvalidInput) as missing:
        act(matter, office.clerk, "refuse")
    assert missing.value.field == "comment"
    act(matter, office.clerk, "refuse", comment="不属于本机关职责")
    matter.refresh_from_db()
    assert matter.state == S.REFUSED
    assert queries.allowed_actions(office.unit, matter) == []
    assert queries.allowed_actions(office.clerk, matter) == []


def test_return_during_review_stops_the_clock_and_resumes_at_that_step(office, monkeypatch):
    matter = raise_matter(office)
    act(matter, office.unit, "submit")
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2026, 2, 9))
    act(matter, office.clerk, "accept")
    matter.refresh_from_db()
    # 20 working days from Mon 9 Feb 2026 across the Spring Festival (15–23 Feb off; Sat 14
    # and Sat 28 Feb worked): 10–14 Feb (5), 24–28 Feb (5), 2–6, 9–13 Mar (10) → 13 Mar.
    assert matter.due_on == datetime.date(2026, 3, 13)
    act(matter, office.clerk, "pass")
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2026, 3, 6))
    act(matter, office.head, "return", comment="请补充职能调整依据")
    matter.refresh_from_db()
    assert (matter.state, matter.due_on, matter.returned_at_step) == (S.RETURNED, None, 1)
    assert matter.days_left_when_returned == 5
    assert [a.name for a in queries.allowed_actions(office.unit, matter)] == [
        "resubmit",
        "withdraw",
    ]
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2026, 4, 1))
    act(matter, office.unit, "resubmit")
    matter.refresh_from_db()
    assert (matter.state, matter.step) == (S.REVIEWING, 1)
    # five working days left: 2, 3, then 4–6 Apr (清明) off, 7, 8, 9 Apr
    assert matter.due_on == datetime.date(2026, 4, 9)


def test_return_at_acceptance_goes_back_to_submitted(office):
    matter = raise_matter(office)
    act(matter, office.unit, "submit")
    act(matter, office.clerk, "return", comment="材料不全")
    act(matter, office.unit, "resubmit")
    matter.refresh_from_db()
    assert matter.state == S.SUBMITTED


def test_deadline_flags(office, monkeypatch):
    matter = raise_matter(office)
    act(matter, office.unit, "submit")
    act(matter, office.clerk, "accept")
    matter.refresh_from_db()
    due = matter.due_on
    assert not queries.deadline(matter, today=due - datetime.timedelta(days=40)).due_soon
    assert queries.deadline(matter, today=due).due_soon
    late = queries.deadline(matter, today=due + datetime.timedelta(days=7))
    assert late.overdue and late.days_left < 0
    overdue = queries.matter_list(
        office.clerk, queries.MatterFilter(overdue=True), today=due + datetime.timedelta(days=1)
    )
    assert list(overdue) == [matter]


def test_major_matter_goes_before_the_committee(office):
    matter = services.matter_create(
        actor=office.clerk,
        applicant=office.body,
        matter_type="rename",
        title="关于更名的请示",
    )
    services.item_add(
        actor=office.clerk,
        matter=matter,
        op="org.rename",
        org=office.body,
        params={"name": "苏州市吴中区市场监管局"},
    )
    matter.major = True  # a node may mark renaming as major through its review route
    matter.save(update_fields=["major"])
    act(matter, office.clerk, "submit")
    act(matter, office.clerk, "accept")
    act(matter, office.clerk, "pass")
    act(matter, office.head, "pass")
    act(matter, office.leader, "pass")
    matter.refresh_from_db()
    assert matter.state == S.DELIBERATING
    with pytest.raises(InvalidInput) as missing:
        act(matter, office.leader, "approve")
    assert missing.value.field == "meeting_kind"
    with pytest.raises(InvalidInput) as future:
        act(
            matter,
            office.leader,
            "approve",
            meeting_kind="committee",
            meeting_date=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert future.value.field == "meeting_date"
    act(
        matter,
        office.leader,
        "approve",
        meeting_kind="committee",
        meeting_date=timezone.localdate(),
    )
    matter.refresh_from_db()
    assert (matter.state, matter.meeting_kind) == (S.APPROVED, "committee")


def test_a_matter_is_labelled_no_higher_than_its_author_may_read(office):
    with pytest.raises(InvalidInput) as refused:
        raise_matter(office, classification=2)  # 秘密, above the default clearance 内部
    assert refused.value.field == "classification"
    internal = raise_matter(office, classification=1)
    assert internal.classification == 1
    assert internal in queries.visible_matters(office.clerk)
    office.clerk.clearance = 0
    assert internal not in queries.visible_matters(office.clerk)


def test_establishing_a_body_is_major_by_default(office):
    matter = services.matter_create(
        actor=office.clerk, applicant=office.body, matter_type="establish", title="设立"
    )
    assert matter.major and matter.time_limit_days == 30


def test_withdrawn_or_refused_matters_change_nothing(office):
    matter = raise_matter(office)
    act(matter, office.unit, "submit")
    act(matter, office.unit, "withdraw")
    matter.refresh_from_db()
    assert matter.state == S.WITHDRAWN
    with pytest.raises(InvalidTransition):
        act(matter, office.clerk, "execute")
    assert approved_count(office) == 20


def test_no_withdrawal_after_the_decision(office):
    matter = to_approved(office, raise_matter(office))
    with pytest.raises(InvalidTransition):
        act(matter, office.unit, "withdraw")


def test_execution_is_idempotent(office):
    matter = to_approved(office, raise_matter(office))
    act(matter, office.clerk, "issue")
    act(matter, office.clerk, "execute")
    entries = JournalEntry.objects.count()
    again = act(matter, office.clerk, "execute")
    assert again.state == S.EXECUTED
    assert approved_count(office) == 25
    assert JournalEntry.objects.count() == entries
    assert matter.events.filter(action="execute").count() == 1


def test_execution_stops_with_a_conflict_report_when_the_ledger_moved(office):
    matter = to_approved(office, raise_matter(office))
    act(matter, office.clerk, "issue")
    cut_meanwhile(office)
    with pytest.raises(DomainError) as refused:
        act(matter, office.clerk, "execute")
    assert refused.value.code == "conflict"
    conflicts = refused.value.details["conflicts"]
    assert conflicts and conflicts[0]["seq"] == 1
    assert (conflicts[0]["expected"], conflicts[0]["found"]) == (20, 17)
    matter.refresh_from_db()
    assert matter.state == S.ISSUED
    assert matter.execution_report["code"] == "conflict"
    assert matter.events.filter(action="execute_failed").exists()
    assert approved_count(office) == 17


def test_execution_is_all_or_nothing(office):
    matter = raise_matter(office, matter_type="provision")
    services.item_add(
        actor=office.unit,
        matter=matter,
        op="quota.cut",
        org=office.body,
        params={"est_type": "admin", "count": 40},
    )
    to_approved(office, matter)
    act(matter, office.clerk, "issue")
    with pytest.raises(DomainError) as refused:
        act(matter, office.clerk, "execute")
    assert refused.value.details.get("seq") == 2
    assert approved_count(office) == 20  # the first item's raise was rolled back too
    matter.refresh_from_db()
    assert matter.state == S.ISSUED and matter.execution_report["details"]["seq"] == 2


def test_submission_needs_a_change_set(office):
    matter = services.matter_create(
        actor=office.unit, applicant=office.body, matter_type="quota_raise", title="空"
    )
    with pytest.raises(InvalidInput) as empty:
        act(matter, office.unit, "submit")
    assert empty.value.field == "items"


def test_only_drafts_and_returned_matters_can_be_edited(office):
    matter = raise_matter(office)
    act(matter, office.unit, "submit")
    with pytest.raises(InvalidTransition):
        services.matter_update(actor=office.unit, matter=matter, title="改", reason="")
    with pytest.raises(InvalidTransition):
        services.item_add(
            actor=office.unit,
            matter=matter,
            op="quota.raise",
            org=office.body,
            params={"est_type": "admin", "count": 1},
        )


def test_a_body_account_drafts_only_for_its_own_body(office):
    from bianzhi.testing import establish

    other = establish("苏州市吴中区教育局", region="320506")
    with pytest.raises(Forbidden):
        services.matter_create(
            actor=office.unit, applicant=other, matter_type="quota_raise", title="x"
        )
    mine = raise_matter(office)
    theirs = services.matter_create(
        actor=office.clerk, applicant=other, matter_type="quota_raise", title="y"
    )
    assert list(queries.visible_matters(office.unit)) == [mine]
    assert set(queries.visible_matters(office.clerk)) == {mine, theirs}
    assert list(queries.visible_matters(office.outsider)) == []


def test_the_next_actors_are_notified_in_the_app_and_by_mail(
    office, django_capture_on_commit_callbacks
):
    office.clerk.email = "clerk@example.invalid"
    office.clerk.save(update_fields=["email"])
    matter = raise_matter(office)
    with django_capture_on_commit_callbacks(execute=True):
        act(matter, office.unit, "submit")
    assert list(Notification.objects.values_list("user__username", "action")) == [
        ("wz_clerk", "submit")
    ]
    assert [m.to for m in mail.outbox] == [["clerk@example.invalid"]]
    assert matter.ref in mail.outbox[0].body and matter.title in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        act(matter, office.clerk, "return", comment="补充材料")
    assert Notification.objects.filter(user=office.unit, action="return").exists()
    assert mail.outbox[-1].to == ["unit@example.invalid"]
    assert services.notifications_read(actor=office.unit) == 1


def test_mail_about_a_secret_matter_leaves_out_its_title(
    office, django_capture_on_commit_callbacks
):
    office.unit.clearance = 2
    office.clerk.email, office.clerk.clearance = "clerk@example.invalid", 2
    office.clerk.save(update_fields=["email", "clearance"])
    uncleared = make_user("wz_clerk2", office.clerk.node)
    uncleared.email = "clerk2@example.invalid"
    uncleared.save(update_fields=["email"])
    matter = raise_matter(office, classification=2, title="关于某涉密机构调增编制的请示")
    with django_capture_on_commit_callbacks(execute=True):
        act(matter, office.unit, "submit")
    (sent,) = mail.outbox  # not to the clerk below the matter's label
    assert sent.to == ["clerk@example.invalid"]
    assert matter.ref in sent.body and "涉密" not in sent.body + sent.subject
    with pytest.raises(Forbidden):
        act(matter, uncleared, "accept")
    act(matter, office.clerk, "accept")


def test_issuing_skips_a_number_the_office_recorded_by_hand(office):
    from bianzhi.core.documents import document_register

    year = timezone.localdate().year
    document_register(
        actor=office.clerk,
        issuer=office.clerk.node.name,
        number=f"吴中区委编办发〔{year}〕1号",
        issued_on=timezone.localdate(),
        title="纸质批复",
    )
    matter = to_approved(office, raise_matter(office))
    act(matter, office.clerk, "issue")
    matter.refresh_from_db()
    assert matter.document.number == f"吴中区委编办发〔{year}〕2号"


def test_the_decision_document_carries_the_matters_classification(office):
    office.unit.clearance = 1
    matter = to_approved(office, raise_matter(office, classification=1))
    act(matter, office.clerk, "issue")
    matter.refresh_from_db()
    assert matter.document.classification == 1


def test_the_inbox_holds_what_each_person_can_do_now(office):
    matter = raise_matter(office)
    assert queries.inbox(office.unit) == [matter]
    assert queries.inbox(office.clerk) == []
    act(matter, office.unit, "submit")
    assert queries.inbox(office.clerk) == [matter] and queries.inbox(office.unit) == []
    act(matter, office.clerk, "accept")
    act(matter, office.clerk, "pass")
    assert queries.inbox(office.head) == [matter] and queries.inbox(office.clerk) == []
    act(matter, office.head, "pass")
    assert queries.inbox(office.leader) == [matter] and queries.inbox(office.head) == []


def test_trail_records_the_step_role_and_comment(office):
    matter = raise_matter(office)
    act(matter, office.unit, "submit")
    act(matter, office.clerk, "accept")
    act(matter, office.clerk, "pass", comment="符合条件")
    event = MatterEvent.objects.get(matter=matter, action="pass")
    assert (event.step, event.role, event.comment, event.actor) == (
        0,
        "clerk",
        "符合条件",
        office.clerk,
    )


def test_attachments_are_checked_by_name_content_and_size(office, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    matter = raise_matter(office)
    pdf = SimpleUploadedFile("请示.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    attachment = services.attachment_add(actor=office.unit, matter=matter, upload=pdf)
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.4\n%%EOF\n").hexdigest()
    assert (attachment.size, attachment.content_type) == (15, "application/pdf")
    cases = [
        (SimpleUploadedFile("a.exe", b"MZ\x90\x00"), "type"),
        (SimpleUploadedFile("b.pdf", b"<html>not a pdf"), "content"),
        (SimpleUploadedFile("c.pdf", b""), "empty"),
    ]
    cases.append((SimpleUploadedFile("d.pdf", b"%PDF-" + b"x" * 20), "size"))
    for upload, code in cases:
        settings.MATTER_ATTACHMENT_MAX_BYTES = 10 if code == "size" else 1024
        with pytest.raises(InvalidInput) as refused:
            services.attachment_add(actor=office.unit, matter=matter, upload=upload)
        assert (refused.value.code, refused.value.field) == (code, "file")
    with pytest.raises(Forbidden):
        services.comment_add(actor=office.outsider, matter=matter, text="看看")
    assert services.comment_add(actor=office.clerk, matter=matter, text="请补充").text == "请补充"


def test_one_route_per_node_and_type_and_one_default_per_type(office):
    from django.db import IntegrityError, transaction

    from bianzhi.matters.models import ReviewRoute

    ReviewRoute.objects.create(node=office.clerk.node, matter_type="quota_raise", steps=["leader"])
    # the node's route for the type, and the shipped default for every type
    for node, matter_type in ((office.clerk.node, "quota_raise"), (None, "")):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReviewRoute.objects.create(node=node, matter_type=matter_type, steps=["clerk"])
    matter = raise_matter(office)
    assert matter.steps == ["leader"]  # the node's own route wins over the default

"""The matter pages through the test client: who sees which page, which actions are offered,
what posting them does (and refuses), field errors, downloads that are audited, and the query
counts of the inbox and the list."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bianzhi.audit.models import AuditEvent
from bianzhi.matters import services
from bianzhi.matters.models import Matter, MatterState, Notification, ReviewRoute
from bianzhi.staffing.models import Quota
from bianzhi.testing import establish, make_user

from .conftest import act, cut_meanwhile, raise_matter, to_approved

S = MatterState
pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def draft(office, **kwargs) -> Matter:
    return raise_matter(office, **kwargs)


def submitted(office, **kwargs) -> Matter:
    matter = draft(office, **kwargs)
    act(matter, office.unit, "submit")
    return matter


def reviewing(office, **kwargs) -> Matter:
    matter = submitted(office, **kwargs)
    act(matter, office.clerk, "accept")
    return matter


def offered(response) -> list[str]:
    return [form.act.name for form in response.context["action_forms"]]


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- who sees what ---------------------------------------------------------------------------


def test_each_role_sees_the_matter_page_and_outsiders_get_404(client, office):
    matter = reviewing(office)
    url = f"/matters/{matter.pk}/"
    for user in (office.unit, office.clerk, office.head, office.leader, office.city_clerk):
        response = page(client, user, url)
        assert response.status_code == 200, user
        assert matter.ref in response.content.decode()
    assert page(client, office.outsider, url).status_code == 404
    other_body = establish("苏州市吴中区统计局")
    stranger = make_user("other_unit", None, role="unit")
    type(stranger).objects.filter(pk=stranger.pk).update(org=other_body)
    assert page(client, stranger, url).status_code == 404
    assert AuditEvent.objects.filter(action="access.out_of_scope").count() == 2


def test_users_without_any_matters_permission_are_refused_and_audited(client, office):
    admin = make_user("sys", None, role="sysadmin")
    matter = draft(office)
    for url in ("/matters/", "/matters/inbox/", "/matters/new/", f"/matters/{matter.pk}/"):
        assert page(client, admin, url).status_code == 403, url
    assert AuditEvent.objects.filter(action="access.denied").count() == 4
    viewer = make_user("viewer2", office.clerk.node, role="viewer")
    assert page(client, viewer, "/matters/").status_code == 200
    assert page(client, viewer, "/matters/new/").status_code == 403  # reads, never drafts


def test_only_the_actions_the_user_may_take_are_offered(client, office):
    matter = reviewing(office)
    url = f"/matters/{matter.pk}/"
    assert offered(page(client, office.clerk, url)) == ["return", "pass", "withdraw"]
    assert offered(page(client, office.head, url)) == []
    assert offered(page(client, office.leader, url)) == []
    assert offered(page(client, office.unit, url)) == ["withdraw"]
    assert offered(page(client, office.city_clerk, url)) == []
    act(matter, office.clerk, "pass")
    act(matter, office.head, "pass")
    leader = page(client, office.leader, url)
    assert offered(leader) == ["return", "approve", "reject"]
    content = leader.content.decode()
    assert 'id="action-approve"' in content and 'name="approve-decision_text"' in content
    assert "meeting_kind" not in content  # an ordinary matter is decided without a meeting


def test_a_body_account_sees_only_its_own_matters(client, office):
    mine = draft(office, title="本单位的请示")
    other_body = establish("苏州市吴中区统计局")
    services.matter_create(
        actor=office.clerk, applicant=other_body, matter_type="quota_raise", title="别人的请示"
    )
    response = page(client, office.unit, "/matters/")
    assert [m.pk for m, _d in response.context["rows"]] == [mine.pk]
    clerk = page(client, office.clerk, "/matters/")
    assert len(clerk.context["rows"]) == 2


# --- the inbox and the list ------------------------------------------------------------------


def test_inbox_shows_what_waits_with_deadline_flags(client, office):
    waiting = reviewing(office, title="快到期的请示")
    late = reviewing(office, title="逾期的请示")
    draft(office, title="未报送的草稿")
    today = timezone.localdate()
    Matter.objects.filter(pk=late.pk).update(due_on=today - datetime.timedelta(days=10))
    Matter.objects.filter(pk=waiting.pk).update(due_on=today)
    response = page(client, office.clerk, "/matters/inbox/")
    rows = {m.title: (d, [a.name for a in actions]) for m, d, actions in response.context["rows"]}
    assert set(rows) == {
        "快到期的请示",
        "逾期的请示",
    }  # the draft waits for the body, not the clerk
    assert rows["逾期的请示"][0].overdue and rows["逾期的请示"][0].days_left < 0
    assert rows["快到期的请示"][0].due_soon and rows["快到期的请示"][0].days_left == 0
    assert rows["快到期的请示"][1] == ["return", "pass"]  # withdrawal is never a task
    content = response.content.decode()
    assert content.count('class="badge dl-overdue"') == 1
    assert content.count('class="badge dl-soon"') == 1
    assert [m.title for m, *_ in page(client, office.unit, "/matters/inbox/").context["rows"]] == [
        "未报送的草稿"
    ]


def test_the_inbox_costs_the_same_queries_for_more_matters(
    client, office, django_assert_max_num_queries
):
    for _n in range(3):
        reviewing(office)
    client.force_login(office.clerk)
    with django_assert_max_num_queries(9):  # with the top bar's unread count
        first = client.get("/matters/inbox/")
    for _n in range(6):
        reviewing(office)
    with django_assert_max_num_queries(9):  # with the top bar's unread count
        more = client.get("/matters/inbox/")
    assert (len(first.context["rows"]), len(more.context["rows"])) == (3, 9)


def test_list_filters_by_type_state_body_text_and_overdue(client, office):
    raise_one = reviewing(office, title="调增编制")
    cut = services.matter_create(
        actor=office.clerk, applicant=office.body, matter_type="quota_cut", title="核减编制"
    )
    other_body = establish("苏州市吴中区统计局")
    other = services.matter_create(
        actor=office.clerk, applicant=other_body, matter_type="quota_raise", title="统计局调增"
    )
    Matter.objects.filter(pk=raise_one.pk).update(due_on=datetime.date(2020, 1, 6))
    client.force_login(office.clerk)

    def titles(**query) -> set[str]:
        rows = client.get("/matters/", query).context["rows"]
        return {m.title for m, _d in rows}

    assert titles(type="quota_cut") == {"核减编制"}
    assert titles(state="draft") == {"核减编制", "统计局调增"}
    assert titles(applicant=other_body.pk) == {"统计局调增"}
    assert titles(q="调增") == {"调增编制", "统计局调增"}
    assert titles(q=cut.ref) == {"核减编制"}
    assert titles(overdue="1") == {"调增编制"}
    assert titles(type="nonsense", state="nonsense", applicant="x") == {
        "调增编制",
        "核减编制",
        "统计局调增",
    }
    assert other.pk and 'class="badge dl-overdue"' in client.get("/matters/").content.decode()


def test_list_pages_by_keyset_and_costs_the_same_queries(
    client, office, monkeypatch, django_assert_max_num_queries
):
    from bianzhi.matters import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [draft(office, title=f"请示{n}") for n in range(5)]
    client.force_login(office.clerk)
    with django_assert_max_num_queries(9):  # with the top bar's unread count
        first = client.get("/matters/")
    ids = [m.pk for m, _d in first.context["rows"]]
    assert ids == [made[4].pk, made[3].pk]
    cursor = first.context["next_cursor"]
    second = client.get("/matters/", {"cursor": cursor})
    assert [m.pk for m, _d in second.context["rows"]] == [made[2].pk, made[1].pk]
    last = client.get("/matters/", {"cursor": second.context["next_cursor"]})
    assert [m.pk for m, _d in last.context["rows"]] == [made[0].pk]
    assert last.context["next_cursor"] is None
    monkeypatch.setattr(views, "PAGE_SIZE", 50)
    for n in range(10):
        reviewing(office, title=f"更多{n}")
    with django_assert_max_num_queries(9):  # with the top bar's unread count
        assert len(client.get("/matters/").context["rows"]) == 15


# --- a new draft -----------------------------------------------------------------------------


def test_a_body_account_drafts_for_its_own_body(client, office):
    response = page(client, office.unit, "/matters/new/")
    assert "applicant" not in response.context["form"].fields
    assert office.body.name in response.content.decode()
    posted = client.post(
        "/matters/new/",
        {"matter_type": "quota_raise", "title": "关于调增编制的请示", "reason": "新增职能"},
    )
    matter = Matter.objects.get(title="关于调增编制的请示")
    assert posted.status_code == 302 and posted["Location"] == f"/matters/{matter.pk}/"
    assert (matter.applicant, matter.state, matter.created_by) == (
        office.body,
        S.DRAFT,
        office.unit,
    )


def test_a_clerk_drafts_for_a_body_in_scope_and_sees_field_errors(client, office):
    client.force_login(office.clerk)
    foreign = establish("北京市某局", region="110101")
    refused = client.post(
        "/matters/new/",
        {"matter_type": "quota_raise", "applicant": str(foreign.pk), "title": "跨区请示"},
    )
    assert refused.status_code == 400
    assert "applicant" in refused.context["form"].errors
    empty = client.post(
        "/matters/new/", {"matter_type": "quota_raise", "applicant": str(office.body.pk)}
    )
    assert empty.status_code == 400 and "title" in empty.context["form"].errors
    by_name = client.post(
        "/matters/new/",
        {"matter_type": "rename", "applicant": office.body.name, "title": "关于更名的请示"},
    )
    assert by_name.status_code == 302
    assert Matter.objects.get().applicant == office.body


# --- actions -----------------------------------------------------------------------------------


def post_action(client, matter, action: str, **fields):
    data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/matters/{matter.pk}/act/", data)


def test_posting_an_action_moves_the_matter(client, office):
    matter = submitted(office)
    client.force_login(office.clerk)
    response = post_action(client, matter, "accept", comment="材料齐全")
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.state == S.REVIEWING and matter.due_on is not None
    event = matter.events.get(action="accept")
    assert (event.actor, event.comment) == (office.clerk, "材料齐全")
    trail = client.get(f"/matters/{matter.pk}/").content.decode()
    assert "材料齐全" in trail and 'id="review-steps"' in trail


def test_a_clerk_posting_approve_is_refused_with_403(client, office):
    matter = reviewing(office)
    client.force_login(office.clerk)
    assert post_action(client, matter, "approve").status_code == 403
    matter.refresh_from_db()
    assert matter.state == S.REVIEWING


def test_a_missing_comment_is_a_field_error(client, office):
    matter = reviewing(office)
    client.force_login(office.clerk)
    response = post_action(client, matter, "return", comment="")
    assert response.status_code == 400
    bound = next(f for f in response.context["action_forms"] if f.act.name == "return")
    assert "comment" in bound.errors
    matter.refresh_from_db()
    assert matter.state == S.REVIEWING


def test_an_action_that_cannot_apply_now_is_a_409_with_the_reason(client, office):
    matter = reviewing(office)
    client.force_login(office.clerk)
    response = post_action(client, matter, "issue")
    assert response.status_code == 409
    assert "不能" in response.content.decode()
    assert post_action(client, matter, "teleport").status_code == 400


def test_a_major_matter_asks_for_the_meeting_and_checks_it(client, office):
    ReviewRoute.objects.create(
        node=office.clerk.node,
        matter_type="quota_raise",
        steps=["clerk", "division_head", "leader"],
        major=True,
    )
    matter = reviewing(office)
    act(matter, office.clerk, "pass")
    act(matter, office.head, "pass")
    act(matter, office.leader, "pass")
    client.force_login(office.leader)
    detail = client.get(f"/matters/{matter.pk}/")
    assert 'name="approve-meeting_kind"' in detail.content.decode()
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = post_action(
        client, matter, "approve", meeting_kind="committee", meeting_date=future.isoformat()
    )
    assert response.status_code == 400
    bound = next(f for f in response.context["action_forms"] if f.act.name == "approve")
    assert "不能晚于今天" in str(bound.errors["meeting_date"])
    done = post_action(
        client,
        matter,
        "approve",
        meeting_kind="committee",
        meeting_date=timezone.localdate().isoformat(),
        meeting_minutes="编委第3次会议",
    )
    assert done.status_code == 302
    matter.refresh_from_db()
    assert (matter.state, matter.meeting_kind) == (S.APPROVED, "committee")


def test_issue_and_the_decision_document_download_is_audited(client, office):
    matter = to_approved(office, draft(office))
    client.force_login(office.clerk)
    approved = client.get(f"/matters/{matter.pk}/")
    assert approved.context["decision_kind"] == "draft"
    effective = timezone.localdate() + datetime.timedelta(days=5)
    response = post_action(
        client,
        matter,
        "issue",
        effective_date=effective.isoformat(),
        signer="王五",
        copies_to="区财政局",
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.state == S.ISSUED and matter.effective_date == effective
    content = client.get(f"/matters/{matter.pk}/").content.decode()
    assert matter.document.number in content and matter.document.sha256 in content
    assert f"{effective.year}年{effective.month}月{effective.day}日起执行" in content
    download = client.get(f"/matters/{matter.pk}/decision.pdf")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="core.document.downloaded")
    assert (event.entity_id, event.actor_id) == (str(matter.document_id), office.clerk.pk)
    assert page(client, office.outsider, f"/matters/{matter.pk}/decision.pdf").status_code == 404


def test_a_refused_execution_shows_the_conflict_report(client, office):
    matter = to_approved(office, draft(office))
    act(matter, office.clerk, "issue")
    cut_meanwhile(office)
    client.force_login(office.clerk)
    response = post_action(client, matter, "execute")
    assert response.status_code == 409
    content = response.content.decode()
    assert 'id="execution-report"' in content
    assert Quota.objects.get(org=office.body, est_type="admin").approved == 17
    matter.refresh_from_db()
    assert matter.state == S.ISSUED and matter.execution_report["code"] == "conflict"


# --- the change set --------------------------------------------------------------------------


def test_adding_and_removing_changes_on_the_page(client, office):
    matter = services.matter_create(
        actor=office.clerk, applicant=office.body, matter_type="quota_transfer", title="划转"
    )
    target = establish("苏州市吴中区统计局")
    client.force_login(office.clerk)
    forms = client.get(f"/matters/{matter.pk}/").context["item_forms"]
    assert [f.op for f in forms] == ["quota.transfer"]
    same = {
        "op": "quota.transfer",
        "quota-transfer-org": str(office.body.pk),
        "quota-transfer-est_type": "admin",
        "quota-transfer-count": "2",
        "quota-transfer-target_id": str(office.body.pk),
    }
    refused = client.post(f"/matters/{matter.pk}/items/", same)
    assert refused.status_code == 400
    bound = next(f for f in refused.context["item_forms"] if f.op == "quota.transfer")
    assert "划出与划入机构相同" in str(bound.errors["target_id"])
    zero = client.post(f"/matters/{matter.pk}/items/", same | {"quota-transfer-count": "0"})
    assert zero.status_code == 400
    good = same | {"quota-transfer-target_id": target.name}
    assert client.post(f"/matters/{matter.pk}/items/", good).status_code == 302
    item = matter.items.get()
    assert (item.op, item.org, item.params["target_id"], item.params["count"]) == (
        "quota.transfer",
        office.body,
        target.pk,
        2,
    )
    wrong_op = client.post(f"/matters/{matter.pk}/items/", {"op": "org.abolish"})
    assert wrong_op.status_code == 400
    preview = client.get(f"/matters/{matter.pk}/").context["preview"]
    assert {b.org_id for b in preview} == {office.body.pk, target.pk}
    removed = client.post(f"/matters/{matter.pk}/items/remove/", {"item": str(item.seq)})
    assert removed.status_code == 302 and not matter.items.exists()


def test_a_body_account_adds_a_change_for_its_body(client, office):
    matter = services.matter_create(
        actor=office.unit, applicant=office.body, matter_type="quota_raise", title="调增"
    )
    client.force_login(office.unit)
    form = client.get(f"/matters/{matter.pk}/").context["item_forms"][0]
    assert form.initial["org"] == office.body.pk
    assert "data-org-picker" not in str(form["org"])  # the suggestions are the registry's
    response = client.post(
        f"/matters/{matter.pk}/items/",
        {
            "op": "quota.raise",
            "quota-raise-org": str(office.body.pk),
            "quota-raise-est_type": "admin",
            "quota-raise-count": "3",
        },
    )
    assert response.status_code == 302
    assert matter.items.get().params == {"est_type": "admin", "count": 3}


def test_the_change_set_is_frozen_after_submission(client, office):
    matter = reviewing(office)
    client.force_login(office.clerk)
    detail = client.get(f"/matters/{matter.pk}/")
    assert detail.context["item_forms"] == [] and not detail.context["editable"]
    response = client.post(f"/matters/{matter.pk}/items/remove/", {"item": "1"})
    assert response.status_code == 409
    assert matter.items.count() == 1
    edit = client.post(f"/matters/{matter.pk}/edit/", {"title": "新标题"})
    assert edit.status_code == 409


def test_editing_the_title_and_reasons(client, office):
    matter = draft(office)
    client.force_login(office.unit)
    assert client.post(f"/matters/{matter.pk}/edit/", {"title": " "}).status_code == 400
    response = client.post(f"/matters/{matter.pk}/edit/", {"title": "新标题", "reason": "理由"})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.title, matter.reason) == ("新标题", "理由")


# --- comments, attachments, filings, notifications ---------------------------------------


def test_comments_and_attachments_with_audited_downloads(client, office):
    matter = submitted(office)
    client.force_login(office.unit)
    assert client.post(f"/matters/{matter.pk}/comments/", {"text": ""}).status_code == 400
    client.post(f"/matters/{matter.pk}/comments/", {"text": "请尽快受理"})
    assert matter.comments.get().text == "请尽快受理"
    wrong = SimpleUploadedFile("说明.pdf", b"not a pdf", content_type="application/pdf")
    refused = client.post(f"/matters/{matter.pk}/attachments/", {"file": wrong})
    assert refused.status_code == 400
    assert "扩展名" in str(refused.context["attachment_form"].errors["file"])
    upload = SimpleUploadedFile("说明.pdf", PDF, content_type="application/pdf")
    assert client.post(f"/matters/{matter.pk}/attachments/", {"file": upload}).status_code == 302
    attachment = matter.attachments.get()
    content = client.get(f"/matters/{matter.pk}/").content.decode()
    assert attachment.sha256 in content and "请尽快受理" in content
    client.force_login(office.clerk)
    download = client.get(f"/matters/{matter.pk}/attachments/{attachment.pk}/")
    assert b"".join(download.streaming_content) == PDF
    event = AuditEvent.objects.get(action="matters.attachment.downloaded")
    assert (event.entity_id, event.actor_id) == (str(attachment.pk), office.clerk.pk)
    assert client.get(f"/matters/{matter.pk}/attachments/{attachment.pk + 1}/").status_code == 404
    outsider = page(client, office.outsider, f"/matters/{matter.pk}/attachments/{attachment.pk}/")
    assert outsider.status_code == 404


def test_filings_are_acknowledged_by_the_higher_office(client, office):
    matter = to_approved(office, draft(office))
    for action in ("issue", "execute", "file"):
        act(matter, office.clerk, action)
    response = page(client, office.city_clerk, "/matters/filings/")
    assert [(m.pk, may) for m, may in response.context["rows"]] == [(matter.pk, True)]
    assert page(client, office.clerk, "/matters/filings/").context["rows"] == []
    client.force_login(office.city_clerk)
    done = client.post(f"/matters/{matter.pk}/act/", {"action": "acknowledge"})
    assert done.status_code == 302
    matter.refresh_from_db()
    assert matter.filing_acknowledged_at is not None
    again = client.get("/matters/filings/")
    assert [(m.pk, may) for m, may in again.context["rows"]] == [(matter.pk, False)]
    assert page(client, office.unit, "/matters/filings/").status_code == 403


def test_notifications_unread_first_and_marked_read(client, office):
    first = submitted(office, title="第一件")
    submitted(office, title="第二件")
    client.force_login(office.clerk)
    response = client.get("/matters/notifications/")
    assert response.context["unread"] == 2
    assert 'class="count-badge">2<' in response.content.decode()
    one = Notification.objects.get(user=office.clerk, matter=first)
    client.post("/matters/notifications/", {"id": str(one.pk)})
    rows = list(client.get("/matters/notifications/").context["rows"])
    assert [n.matter.title for n in rows] == ["第二件", "第一件"]  # unread first
    assert rows[1].read_at is not None
    client.post("/matters/notifications/")
    assert not Notification.objects.filter(user=office.clerk, read_at=None).exists()
    assert Group.objects.filter(name="unit").exists()


def test_the_matter_page_costs_the_same_queries_for_more_changes(
    client, office, django_assert_max_num_queries
):
    matter = raise_matter(office)
    client.force_login(office.unit)
    with django_assert_max_num_queries(16):
        client.get(f"/matters/{matter.pk}/")
    for est_type in ("worker", "political_legal", "inst_full"):
        services.item_add(
            actor=office.unit,
            matter=matter,
            op="quota.raise",
            org=office.body,
            params={"est_type": est_type, "count": 2},
        )
    with django_assert_max_num_queries(16):
        response = client.get(f"/matters/{matter.pk}/")
    (body,) = response.context["preview"]
    assert len(body.quotas) == 4 and len(response.context["items"]) == 4


def test_the_new_matter_form_offers_labels_up_to_the_users_clearance(client, office):
    client.force_login(office.clerk)
    form = client.get("/matters/new/").context["form"]
    assert [value for value, _label in form.fields["classification"].choices] == [0, 1]
    response = client.post(
        "/matters/new/",
        {
            "matter_type": "quota_raise",
            "applicant": office.body.pk,
            "title": "涉密请示",
            "classification": 2,
        },
    )
    assert response.status_code == 400
    assert "classification" in response.context["form"].errors
    assert not Matter.objects.filter(title="涉密请示").exists()

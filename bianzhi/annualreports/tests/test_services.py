"""Drafting and every transition of an annual report, each refusal (role, state, another
institution, the window), the trail, the journal and the notifications."""

import datetime

import pytest
from django.core import mail

from bianzhi.annualreports import queries, services
from bianzhi.annualreports.models import AnnualReport, AnnualReportState
from bianzhi.core.errors import DomainError
from bianzhi.core.journal import entries_for
from bianzhi.matters.models import Notification
from bianzhi.registration.services import institution_end
from bianzhi.registration.testing import make_institution

from .conftest import JAN_2, YEAR, draft, good_content, submitted, unit_account

S = AnnualReportState
pytestmark = pytest.mark.django_db
D = datetime.date


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def act(report, actor, action, comment="", today=JAN_2):
    return services.report_act(
        actor=actor, report=report, action=action, comment=comment, today=today
    )


# --- drafting ----------------------------------------------------------------------------------


def test_the_own_account_drafts_and_updates_a_report(world):
    report = draft(world, content={"activities": {"text": "只写了一半"}})
    assert report.state == S.DRAFT
    assert report.content["activities"]["text"] == "只写了一半"
    again = draft(world, content=good_content())
    assert again.pk == report.pk and again.content["assets"]["revenue"] == "800.00"
    actions = list(entries_for(report).values_list("action", flat=True))
    assert actions == ["annualreports.annualreport.created", "annualreports.annualreport.edited"]
    assert list(report.events.values_list("action", flat=True)) == ["create"]


def test_nobody_else_drafts_an_institutions_report(world):
    for actor in (world.clinic_unit, world.registrar, world.clerk):
        error = refusal(lambda a=actor: draft(world, unit=a))
        assert (error.code, error.field) == ("forbidden", "institution"), actor
    assert not AnnualReport.objects.exists()


def test_a_year_before_registration_or_in_the_future_is_refused(world):
    error = refusal(lambda: draft(world, year=2020))  # registered on 2021-03-01
    assert (error.code, error.field) == ("invalid", "year")
    error = refusal(lambda: draft(world, year=JAN_2.year + 1))
    assert (error.code, error.field) == ("invalid", "year")


def test_a_submitted_report_cannot_be_changed(world):
    submitted(world)
    error = refusal(lambda: draft(world))
    assert (error.code, error.field) == ("invalid_transition", "state")


# --- the window ---------------------------------------------------------------------------------


def test_31_december_is_too_early_and_1_january_opens_the_window(world):
    report = draft(world)
    error = refusal(lambda: act(report, world.unit, "submit", today=D(YEAR, 12, 31)))
    assert (error.code, error.field) == ("invalid", "year")
    report.refresh_from_db()
    assert report.state == S.DRAFT and report.submitted_on is None
    report = act(report, world.unit, "submit", today=D(YEAR + 1, 1, 1))
    assert (report.state, report.submitted_on, report.late) == (S.SUBMITTED, D(2025, 1, 1), False)


def test_31_march_is_on_time_and_1_april_is_late(world):
    on_time = submitted(world, today=D(YEAR + 1, 3, 31))
    assert (on_time.late, on_time.submitted_on) == (False, D(2025, 3, 31))
    late = submitted(world, institution=world.clinic, unit=world.clinic_unit, today=D(2025, 4, 1))
    assert (late.state, late.late, late.submitted_on) == (S.SUBMITTED, True, D(2025, 4, 1))


def test_an_institution_registered_after_the_year_does_not_report_on_it(world):
    newcomer = make_institution("吴中区新设中心", registrar=world.county, on=D(2025, 1, 10))
    account = unit_account("newcomer_unit", newcomer)
    error = refusal(lambda: draft(world, institution=newcomer, unit=account, year=2024))
    assert error.field == "year"
    assert newcomer not in queries.must_report(2024)
    assert world.school in queries.must_report(2024)


def test_a_cancelled_institution_cannot_submit(world):
    report = draft(world)
    institution_end(
        actor=None,
        institution=world.school,
        status="cancelled",
        on=JAN_2,
        document=None,
        reason="撤并",
    )
    error = refusal(lambda: act(report, world.unit, "submit"))
    assert (error.code, error.field) == ("invalid_transition", "institution")


# --- the rules at submission -------------------------------------------------------------------


def test_submission_refuses_the_first_error_and_lists_them_all(world):
    content = good_content(assets__net_assets_closing="999.00", results__text="")
    report = draft(world, content=content)
    error = refusal(lambda: act(report, world.unit, "submit"))
    assert (error.code, error.field) == ("invalid", "assets.net_assets_closing")
    assert [e["field"] for e in error.details["errors"]] == [
        "assets.net_assets_closing",
        "results.text",
    ]
    report.refresh_from_db()
    assert report.state == S.DRAFT


# --- review ------------------------------------------------------------------------------------


def test_the_registrar_returns_with_remarks_and_the_unit_resubmits(world):
    report = submitted(world)
    error = refusal(lambda: act(report, world.registrar, "return", comment="  "))
    assert (error.code, error.field) == ("invalid", "comment")
    report = act(report, world.registrar, "return", comment="请补充捐赠情况")
    assert (report.state, report.remarks, report.reviewer) == (
        S.RETURNED,
        "请补充捐赠情况",
        world.registrar,
    )
    note = Notification.objects.get(user=world.unit)
    assert (note.action, note.url, note.matter) == ("return", f"/unit/annual-reports/{YEAR}/", None)
    assert not Notification.objects.filter(user=world.clinic_unit).exists()
    draft(world, content=good_content(donations__amount="5.00", donations__text="校友捐赠"))
    report = act(report, world.unit, "submit", today=D(2025, 5, 1))
    # The first submission counts for the deadline.
    assert (report.state, report.submitted_on, report.late) == (S.SUBMITTED, JAN_2, False)
    actions = list(entries_for(report).values_list("action", flat=True))
    assert actions[-3:] == [
        "annualreports.annualreport.returned",
        "annualreports.annualreport.edited",
        "annualreports.annualreport.resubmitted",
    ]


def test_the_registrar_publishes_and_the_unit_is_told_in_the_app_and_by_mail(
    world, django_capture_on_commit_callbacks
):
    report = submitted(world)
    with django_capture_on_commit_callbacks(execute=True):
        report = act(report, world.registrar, "publish")
    assert report.state == S.PUBLISHED and report.published_at is not None
    assert Notification.objects.get(user=world.unit).action == "publish"
    assert [m.to for m in mail.outbox] == [["school@example.cn"]]
    assert f"{YEAR} 年度报告已公示" in mail.outbox[0].subject
    trail = list(report.events.values_list("action", "state_before", "state_after"))
    assert trail == [
        ("create", "", S.DRAFT),
        ("submit", S.DRAFT, S.SUBMITTED),
        ("publish", S.SUBMITTED, S.PUBLISHED),
    ]


@pytest.mark.parametrize("who", ["unit", "clinic_unit", "clerk", "leader", "city_registrar"])
def test_only_the_registration_authority_reviews(world, who):
    report = submitted(world)
    for action in ("publish", "return"):
        error = refusal(lambda a=action: act(report, getattr(world, who), a, comment="x"))
        assert (error.code, error.field) == ("forbidden", "action")
    report.refresh_from_db()
    assert report.state == S.SUBMITTED


def test_only_the_own_account_submits(world):
    report = draft(world)
    for actor in (world.clinic_unit, world.registrar):
        error = refusal(lambda a=actor: act(report, a, "submit"))
        assert error.code == "forbidden"


@pytest.mark.parametrize(
    ("state_path", "action"),
    [
        ("draft", "publish"),
        ("draft", "return"),
        ("submitted", "submit"),
        ("published", "return"),
        ("published", "publish"),
        ("published", "submit"),
    ],
)
def test_actions_from_the_wrong_state_are_refused(world, state_path, action):
    report = draft(world)
    if state_path != "draft":
        report = act(report, world.unit, "submit")
    if state_path == "published":
        report = act(report, world.registrar, "publish")
    actor = world.unit if action == "submit" else world.registrar
    error = refusal(lambda: act(report, actor, action, comment="x"))
    assert (error.code, error.field) == ("invalid_transition", "state")


def test_an_unknown_action_is_refused(world):
    error = refusal(lambda: act(draft(world), world.unit, "approve"))
    assert (error.code, error.field) == ("invalid", "action")


def test_actions_offered_follow_the_table(world):
    report = draft(world)
    assert [t.name for t in queries.actions_for(world.unit, report)] == ["submit"]
    assert queries.actions_for(world.registrar, report) == []
    report = act(report, world.unit, "submit")
    assert [t.name for t in queries.actions_for(world.registrar, report)] == ["return", "publish"]
    assert queries.actions_for(world.unit, report) == []


# --- for the public pages ----------------------------------------------------------------------


def test_published_reports_newest_first_with_the_content_only(world):
    first = submitted(world, year=2023)
    act(first, world.registrar, "publish", comment="内部意见")
    second = submitted(world, year=2024)
    act(second, world.registrar, "publish")
    submitted(world, institution=world.clinic, unit=world.clinic_unit)
    reports = list(queries.published_for(world.school))
    assert [r.year for r in reports] == [2024, 2023]
    public = queries.public_content(reports[1])
    assert public["assets"]["net_assets_closing"] == "1000.25"
    assert "内部意见" not in str(public) and "remarks" not in public and "reviewer" not in public

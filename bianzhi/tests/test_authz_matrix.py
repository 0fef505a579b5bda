"""The authorization matrix, generated from the URL resolver and the API's operations: for each
role (anonymous, clerk in scope, viewer, the three administrators, and a clerk of another
region) and each route, GET gives exactly the expected outcome —
anonymous: to the login page (site) or 401 (API); lacking the declared permission: 403 (and
an `access.denied` audit row); holding it: 200/302/405; a clerk outside the object's region:
404. URL parameters come from PARAMS; a new route with an unknown parameter fails the test,
so new routes are covered as they are added. Expected rights come from accounts.roles.ROLES,
not from the code under test."""

import datetime
import re
from collections import defaultdict

import pytest

from bianzhi.accounts.roles import ROLES
from bianzhi.audit.models import AuditEvent, SecurityAlert
from bianzhi.audit.services import audit_record
from bianzhi.core.permissions import LOGIN, PUBLIC
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import ImportJob
from bianzhi.personnel import services as people
from bianzhi.personnel.models import PersonImportJob
from bianzhi.staffing import services as staffing
from bianzhi.testing import establish, make_document, make_user
from bianzhi.tests.test_url_auth import api_operations, declared, site_patterns

pytestmark = pytest.mark.django_db
D = datetime.date
ROLE_NAMES = ["anonymous", "clerk", "viewer", "sysadmin", "secadmin", "auditor", "outsider"]
ROLE_OF = {"outsider": "clerk"}  # a clerk of another region (110000)
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")

# Parameter name → the fixture object that fills it, given the world, the route (for names
# shared by apps) and the role (for the audit, whose visible rows differ by role).
PARAMS = {
    "org_id": lambda w, route, role: w["org"].pk,
    "person_id": lambda w, route, role: w["person"].pk,
    "assignment_id": lambda w, route, role: w["assignment"].pk,
    "reservation_id": lambda w, route, role: w["reservation"].pk,
    "alias_id": lambda w, route, role: w["alias"].pk,
    "job_id": lambda w, route, role: (w["person_job"] if "persons" in route else w["org_job"]).pk,
    "operation": lambda w, route, role: "rename",
    "user_id": lambda w, route, role: w["account"].pk,
    "alert_id": lambda w, route, role: w["alert"].pk,
    # The security administrator sees the auditors' events only; the auditor everyone else's.
    "seq": lambda w, route, role: (w["auditor_event"] if role == "secadmin" else w["event"]).pk,
    "matter_id": lambda w, route, role: w["matter"].pk,
    "attachment_id": lambda w, route, role: w["attachment"].pk,
    # Public institution registration (registration, annual reports, supervision, portal).
    "application_id": lambda w, route, role: w["reg"]["application"].pk,
    "file_id": lambda w, route, role: w["reg"]["file"].pk,
    "kind": lambda w, route, role: "change",
    "institution_id": lambda w, route, role: w["reg"]["institution"].pk,
    "certificate_id": lambda w, route, role: w["reg"]["certificate"].pk,
    "credit_code": lambda w, route, role: w["reg"]["institution"].credit_code,
    "notice_id": lambda w, route, role: w["reg"]["notice"].pk,
    "request_id": lambda w, route, role: w["reg"]["request"].pk,
    "account_id": lambda w, route, role: w["account"].pk,
    "report_id": lambda w, route, role: w["reg"]["report"].pk,
    "year": lambda w, route, role: w["reg"]["report"].year,
    "draw_id": lambda w, route, role: w["reg"]["draw"].pk,
    "inspection_id": lambda w, route, role: w["reg"]["inspection"].pk,
    "penalty_id": lambda w, route, role: w["reg"]["penalty"].pk,
}
# Routes that need a query parameter to name their object: route → (query name, PARAMS name).
QUERY = {
    "orgs/tree/children/": ("parent", "org_id"),
    "api/v1/quota-changes": ("org_id", "org_id"),
}
# Parameters naming an object of a region: outsiders get 404.
SCOPED = {"org_id", "person_id", "assignment_id", "reservation_id", "alias_id", "job_id"}
SCOPED |= {"matter_id", "attachment_id"}
SCOPED |= {"application_id", "file_id", "institution_id", "certificate_id", "report_id"}
SCOPED |= {"draw_id", "inspection_id", "penalty_id"}


def perms_of(role: str) -> set[str]:
    return set(ROLES[ROLE_OF.get(role, role)][1]) if role != "anonymous" else set()


def _job(model, creator, **extra):
    return model.objects.create(
        created_by=creator,
        region_code="320506",
        file="imports/x.csv",
        filename="x.csv",
        sha256="0" * 64,
        size=10,
        **extra,
    )


@pytest.fixture
def auditor(db):
    return make_user("auditor", None, role="auditor")


@pytest.fixture
def world(users, auditor):
    """One object of each kind, in region 320506 (inside the clerk's 32 prefix)."""
    org = establish("吴中区统计局")
    staffing.quota_set(
        actor=None,
        org=org,
        est_type="admin",
        approved=3,
        document=make_document(),
        effective_date=D(2020, 1, 1),
    )
    person = people.person_register(actor=None, resident_id="110101199003070011", name="张伟")
    assignment = people.assignment_onboard(
        actor=None,
        person=person,
        org=org,
        est_type="admin",
        start_date=D(2021, 1, 1),
        entry_way="exam",
        document=make_document(),
    )
    reservation = staffing.reservation_create(
        actor=None,
        org=org,
        est_type="admin",
        count=1,
        purpose="2026年度考录",
        expires_on=D(2099, 1, 1),
        document=make_document(),
    )
    alias = orgs.alias_add(
        actor=None,
        org=org,
        name="吴中区普查中心",
        document=make_document(),
        effective_date=D(2021, 1, 1),
    )
    matter, attachment = _matter_world(users, org)
    return {
        "reg": _registration_world(users),
        "matter": matter,
        "attachment": attachment,
        "org": org,
        "person": person,
        "assignment": assignment,
        "reservation": reservation,
        "alias": alias,
        "org_job": _job(ImportJob, users["county"]),
        "person_job": _job(PersonImportJob, users["county"]),
        "account": users["nobody"],
        "alert": SecurityAlert.objects.create(rule="bulk_export", summary="x", details={}),
        "event": audit_record("orgs.org.exported", actor=users["province"]),
        "auditor_event": audit_record("audit.event.exported", actor=auditor),
    }


def _matter_world(users, org):
    """An issued matter of the body with an attachment, handled by the county office."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bianzhi.matters import services as matters

    clerk = users["county"]
    head = make_user("wz_head", clerk.node, role="division_head")
    leader = make_user("wz_leader", clerk.node, role="leader")
    matter = matters.matter_create(
        actor=clerk, applicant=org, matter_type="quota_raise", title="关于调增编制的请示"
    )
    matters.item_add(
        actor=clerk,
        matter=matter,
        op="quota.raise",
        org=org,
        params={"est_type": "admin", "count": 1},
    )
    steps = [(clerk, "submit"), (clerk, "accept"), (clerk, "pass"), (head, "pass")]
    for actor, action in [*steps, (leader, "approve"), (clerk, "issue")]:
        matters.matter_act(actor=actor, matter=matter, action=action)
    upload = SimpleUploadedFile("材料.pdf", b"%PDF-1.4\n%%EOF\n")
    return matter, matters.attachment_add(actor=clerk, matter=matter, upload=upload)


def _registration_world(users):
    """A registered institution of the county with a change application and its material, a
    certificate, a notice, an annual report, an account request, a draw and a warning."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bianzhi.annualreports import services as annualreports
    from bianzhi.registration import accounts, applications
    from bianzhi.registration.services import notice_publish, public_items
    from bianzhi.registration.testing import make_institution
    from bianzhi.supervision import services as supervision

    node = users["county"].node
    registrar = make_user("wz_registrar", node, role="registrar")
    leader = make_user("wz_reg_leader", node, role="leader")
    institution = make_institution("吴中区实验幼儿园", registrar=node)
    application = applications.application_create(
        actor=registrar,
        kind="change",
        institution=institution,
        data={"changes": {"legal_rep": "李四"}},
        event_date=D(2026, 1, 5),
    )
    upload = SimpleUploadedFile("申请书.pdf", b"%PDF-1.4\n%%EOF\n")
    file = applications.attachment_add(
        actor=registrar, application=application, kind="application_form", upload=upload
    )
    unit = make_user("wz_unit", node, role="unit")
    unit.org = institution.org
    unit.save()
    report = annualreports.report_save(
        actor=unit, institution=institution, year=2024, content={}, today=D(2025, 1, 2)
    )
    request = accounts.account_request_submit(
        credit_code=institution.credit_code,
        name=institution.name,
        legal_rep=institution.legal_rep,
        applicant_name="赵小梅",
        phone="0512-65001234",
        email="zhao@example.cn",
        username="wz_kindergarten",
        password="Qz7#mW2p-Lantern-91",
    )
    draw = supervision.draw_create(
        actor=registrar,
        title="2026年度抽查",
        year=2026,
        institution_count=1,
        inspectors_per_institution=1,
    )
    penalty = supervision.penalty_impose(
        actor=leader,
        institution=institution,
        kind="warning",
        reason="未按时报送年度报告",
        decided_on=D(2025, 3, 1),
    )
    notice = notice_publish(
        actor=None,
        institution=institution,
        kind="establish",
        title="设立登记公告",
        body=public_items(institution),
    )
    return {
        "institution": institution,
        "application": application,
        "file": file,
        "certificate": institution.certificates.get(),
        "notice": notice,
        "report": report,
        "request": request,
        "draw": draw,
        "inspection": draw.inspections.get(),
        "penalty": penalty,
    }


@pytest.fixture
def people_by_role(users, auditor):
    return {
        "clerk": users["province"],
        "viewer": users["viewer"],
        "outsider": users["outsider"],
        "auditor": auditor,
        **{role: make_user(role, None, role=role) for role in ("sysadmin", "secadmin")},
    }


def fill(route: str, world, role: str = "clerk") -> tuple[str, bool]:
    """The concrete URL of a route and whether it names an object of a region."""
    names = PARAM.findall(route)
    query = ""
    if route in QUERY:
        key, name = QUERY[route]
        names.append(name)
        query = f"?{key}={PARAMS[name](world, route, role)}"
    unknown = [name for name in names if name not in PARAMS]
    if unknown:
        pytest.fail(f"route {route} has parameters {unknown} unknown to PARAMS: add them")
    url = PARAM.sub(lambda m: str(PARAMS[m.group(1)](world, route, role)), route)
    return "/" + url + query, bool(set(names) & SCOPED)


def expected(role: str, permission: str, scoped: bool, any_of: tuple = ()) -> str:
    if role == "anonymous":
        return "login"
    if permission != LOGIN and permission not in perms_of(role):
        return "403"
    if any_of and not set(any_of) & perms_of(role):  # LOGIN plus one of these (matters)
        return "403"
    return "404" if role == "outsider" and scoped else "ok"


def outcome(response, api: bool) -> str:
    code = response.status_code
    if api and code == 401:
        return "login"
    if not api and code == 302 and "/accounts/login/" in response["Location"]:
        return "login"
    if code in (200, 302, 405):
        return "ok"
    return str(code)


def site_routes():
    return [
        (route, entry) for route, entry in site_patterns() if declared(entry.callback) != PUBLIC
    ]


def api_routes():
    by_route = defaultdict(list)
    for route, operation in api_operations():
        by_route[route].append(operation)
    return by_route


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_site_route_gives_each_role_exactly_its_rights(client, world, people_by_role, role):
    if role != "anonymous":
        client.force_login(people_by_role[role])
    wrong, refused = [], 0
    for route, entry in site_routes():
        url, scoped = fill(route, world, role)
        any_of = getattr(entry.callback, "any_permission", ())
        want = expected(role, declared(entry.callback), scoped, any_of)
        got = outcome(client.get(url), api=False)
        if want == "404" and got == "ok" and client.get(url).status_code == 405:
            got = "404"  # POST-only: GET stops before the object is looked up
        refused += got == "403"
        if got != want:
            wrong.append((url, want, got))
    assert wrong == []
    assert AuditEvent.objects.filter(action="access.denied").count() == refused


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_api_route_gives_each_role_exactly_its_rights(client, world, people_by_role, role):
    if role != "anonymous":
        client.force_login(people_by_role[role])
    wrong = []
    for route, operations in api_routes().items():
        url, scoped = fill(route, world, role)
        gets = [op for op in operations if "GET" in op.methods]
        if gets and gets[0].view_func.required_permission == PUBLIC:
            got = client.get(url).status_code  # the public registration API: open to all
            if got != 200:
                wrong.append((url, "200", str(got)))
            continue
        if not gets:
            got = client.get(url).status_code
            if got != 405:
                wrong.append((url, "405", str(got)))
            continue
        view = gets[0].view_func
        want = expected(role, view.required_permission, scoped, getattr(view, "any_permission", ()))
        got = outcome(client.get(url), api=True)
        if got != want:
            wrong.append((url, want, got))
    assert wrong == []


def test_anonymous_writes_to_the_api_are_refused_before_anything_runs(client, world):
    posts = [route for route, ops in api_routes().items() if any("POST" in o.methods for o in ops)]
    assert len(posts) > 10
    for route in posts:
        url, _scoped = fill(route, world)
        assert client.post(url, {}, content_type="application/json").status_code == 401, url


def test_anonymous_head_requests_are_sent_to_login(client, world):
    for route, _entry in site_routes():
        url, _scoped = fill(route, world)
        response = client.head(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_the_admin_site_is_for_the_system_administrator_only(client, people_by_role, role):
    if role != "anonymous":
        client.force_login(people_by_role[role])
    response = client.get("/admin/")
    assert response.status_code == (200 if role == "sysadmin" else 302)
    for path in ("/api/v1/docs", "/api/v1/openapi.json"):
        assert client.get(path).status_code == (302 if role == "anonymous" else 200), path


def test_the_matrix_covers_every_route():
    """Guard against an empty walk: the matrix sees the site, the API and the new pages."""
    routes = {route for route, _e in site_routes()}
    assert {"orgs/<int:org_id>/", "security/accounts/", "security/alerts/"} <= routes
    assert len(api_routes()) > 20

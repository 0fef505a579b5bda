"""Institution accounts: created by the registrar with a one-time password, or asked for on the
public signup page (checked against the register without saying which item failed) and
approved or rejected by the registrar of the institution's authority, once; deactivation;
the signup rate limit."""

import pytest
from django.contrib.auth.hashers import check_password
from django.core.cache import cache

from bianzhi.accounts.models import User
from bianzhi.audit.models import AuditEvent
from bianzhi.core.errors import Conflict, InvalidInput, InvalidTransition
from bianzhi.core.journal import entries_for
from bianzhi.matters.models import Notification
from bianzhi.registration import accounts
from bianzhi.registration.models_accounts import AccountRequest, AccountRequestState
from bianzhi.registration.testing import make_institution
from bianzhi.registration.views_accounts import SIGNUP_POSTS, SIGNUP_WINDOW
from bianzhi.testing import make_user

pytestmark = pytest.mark.django_db
S = AccountRequestState
CHOSEN = "Lib-Account-2026!"  # nosec B105  # the applicant's chosen password in these tests
MISMATCH = "do not match the register"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture
def world(nodes):
    class World:
        registrar = make_user("reg", nodes["county"], role="registrar")
        city_registrar = make_user("reg_city", nodes["city"], role="registrar")
        far_registrar = make_user("reg_far", nodes["other"], role="registrar")
        clerk = make_user("clerk", nodes["county"])
        library = make_institution(
            "苏州市吴中区图书馆", registrar=nodes["county"], legal_rep="李芳"
        )

    return World


def signup_data(institution, **changes) -> dict:
    data = {
        "credit_code": institution.credit_code,
        "institution_name": institution.name,
        "legal_rep": institution.legal_rep,
        "applicant_name": "赵小梅",
        "phone": "0512-65001234",
        "email": "zhao@example.cn",
        "username": "wzlib",
        "password": CHOSEN,
        "password2": CHOSEN,
    }
    return {**data, **changes}


def submit(institution, **changes) -> AccountRequest:
    data = signup_data(institution, **changes)
    data["name"] = data.pop("institution_name")
    data.pop("password2")
    return accounts.account_request_submit(**data)


def logs_in(client, username: str, password: str) -> bool:
    client.logout()
    client.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


# --- created by the registrar -------------------------------------------------------------------


def test_the_registrar_creates_an_account_bound_to_the_institution_with_the_unit_role_only(world):
    user, raw = accounts.unit_account_create(
        actor=world.registrar,
        institution=world.library,
        username="wzlib1",
        full_name="赵小梅",
        email="zhao@example.cn",
    )
    user.refresh_from_db()
    assert (user.org_id, user.node_id) == (world.library.org_id, world.library.registrar_id)
    assert set(user.groups.values_list("name", flat=True)) == {"unit"}
    assert user.is_active and user.must_change_password
    assert user.password != raw and check_password(raw, user.password)
    assert not user.has_perm("registration.handle_application")
    assert user.has_perm("registration.apply_application")
    entry = entries_for(user).get()
    assert (entry.action, entry.actor_id) == ("accounts.account.created", world.registrar.pk)
    assert entry.after["institution"] == world.library.credit_code
    assert "phone" not in entry.after


def test_the_page_shows_the_password_once_and_the_holder_must_change_it(client, world):
    client.force_login(world.registrar)
    url = f"/registration/accounts/institutions/{world.library.pk}/new/"
    response = client.post(url, {"username": "wzlib1", "full_name": "赵小梅"})
    assert response.status_code == 200
    raw = response.context["password"]
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert logs_in(client, "wzlib1", raw)
    assert client.get("/").url.startswith("/accounts/password/")


def test_a_taken_username_or_bad_email_is_refused_on_its_field_keeping_the_values(client, world):
    client.force_login(world.registrar)
    url = f"/registration/accounts/institutions/{world.library.pk}/new/"
    response = client.post(url, {"username": "reg", "full_name": "赵小梅"})
    assert response.status_code == 400
    assert "is taken" in " ".join(response.context["form"].errors["username"])
    assert "赵小梅" in response.content.decode()
    response = client.post(url, {"username": "wzlib1", "full_name": "赵小梅", "email": "not-mail"})
    assert list(response.context["form"].errors) == ["email"]
    assert not User.objects.filter(username="wzlib1").exists()


def test_registrars_of_another_authority_cannot_create_or_see_accounts(client, world):
    for outsider in (world.city_registrar, world.far_registrar):
        with pytest.raises(accounts.Forbidden) as refused:
            accounts.unit_account_create(
                actor=outsider, institution=world.library, username="x1", full_name="某人"
            )
        assert refused.value.field == "institution"
        client.force_login(outsider)
        url = f"/registration/accounts/institutions/{world.library.pk}/"
        assert client.get(url).status_code == 404
        assert client.post(url + "new/", {"username": "x1", "full_name": "某人"}).status_code == 404
    client.force_login(world.clerk)
    assert client.get("/registration/accounts/").status_code == 403
    assert not User.objects.filter(username="x1").exists()
    assert AuditEvent.objects.filter(action="access.out_of_scope").count() == 4


def test_deactivation_stops_the_login_and_is_journaled(client, world):
    user, raw = accounts.unit_account_create(
        actor=world.registrar, institution=world.library, username="wzlib1", full_name="赵小梅"
    )
    client.force_login(world.far_registrar)
    assert client.post(f"/registration/accounts/{user.pk}/deactivate/").status_code == 404
    client.force_login(world.registrar)
    page = client.get(f"/registration/accounts/institutions/{world.library.pk}/")
    assert [a.username for a in page.context["accounts"]] == ["wzlib1"]
    response = client.post(f"/registration/accounts/{user.pk}/deactivate/")
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert not logs_in(client, "wzlib1", raw)
    assert entries_for(user).latest("seq").action == "accounts.account.deactivated"
    with pytest.raises(InvalidTransition):
        accounts.unit_account_deactivate(actor=world.registrar, account=user)


def test_only_unit_accounts_of_the_institution_can_be_deactivated_here(client, world):
    client.force_login(world.registrar)
    assert client.post(f"/registration/accounts/{world.clerk.pk}/deactivate/").status_code == 404
    world.clerk.refresh_from_db()
    assert world.clerk.is_active


# --- self-service requests ----------------------------------------------------------------------


def test_the_signup_page_works_anonymously(client, world):
    response = client.get("/unit/signup/")
    assert response.status_code == 200
    assert 'name="credit_code"' in response.content.decode()


def test_a_request_is_pending_with_the_password_hashed_and_no_account(client, world):
    response = client.post("/unit/signup/", signup_data(world.library))
    assert response.status_code == 302 and response.url == "/unit/signup/sent/"
    assert client.get(response.url).status_code == 200
    request = AccountRequest.objects.get()
    assert (request.state, request.institution_id) == (S.PENDING, world.library.pk)
    assert CHOSEN not in request.password and check_password(CHOSEN, request.password)
    assert request.phone == "0512-65001234"
    assert not User.objects.filter(username="wzlib").exists()
    assert not logs_in(client, "wzlib", CHOSEN)
    assert entries_for(request).get().action == "registration.accountrequest.submitted"
    notified = Notification.objects.values_list("user__username", flat=True)
    assert list(notified) == ["reg"]  # the institution's authority only


def test_the_password_is_not_stored_in_clear_anywhere(world):
    from django.db import connection

    submit(world.library)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registration_accountrequest")
        row = cursor.fetchone()
    assert not any(CHOSEN in str(value) for value in row)
    assert "0512-65001234" not in [str(value) for value in row]  # the phone is sealed


@pytest.mark.parametrize(
    "changes",
    [
        {"institution_name": "苏州市吴中区档案馆"},
        {"legal_rep": "王明"},
        {"credit_code": "121000004000123696"},  # valid, but not in the register
    ],
    ids=["name", "legal_rep", "code"],
)
def test_a_request_not_matching_the_register_is_refused_without_saying_which(
    client, world, changes
):
    response = client.post("/unit/signup/", signup_data(world.library, **changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["__all__"]
    assert MISMATCH in form.non_field_errors()[0]
    assert "赵小梅" in response.content.decode()  # the values stay
    assert not AccountRequest.objects.exists()
    refused = AuditEvent.objects.get(action="registration.accountrequest.refused")
    assert refused.result == "refused"


def test_width_and_spaces_do_not_count_as_a_mismatch(world):
    request = submit(world.library, institution_name=" 苏州市吴中区 图书馆 ", legal_rep="李 芳")
    assert request.institution == world.library


def test_a_malformed_code_or_weak_password_is_refused_on_its_field(client, world):
    response = client.post(
        "/unit/signup/", signup_data(world.library, credit_code="12100000400005852X")
    )
    assert list(response.context["form"].errors) == ["credit_code"]
    weak = signup_data(world.library, password="short", password2="short")
    response = client.post("/unit/signup/", weak)
    assert list(response.context["form"].errors) == ["password"]
    assert "length rule" in response.context["form"].errors["password"][0]
    spaced = signup_data(world.library, username="wz lib")
    assert list(client.post("/unit/signup/", spaced).context["form"].errors) == ["username"]
    other = signup_data(world.library, password2="Other-Password-2026")
    assert list(client.post("/unit/signup/", other).context["form"].errors) == ["password2"]
    assert not AccountRequest.objects.exists()


def test_a_username_taken_or_pending_is_refused(world):
    with pytest.raises(Conflict) as taken:
        submit(world.library, username="REG")
    assert taken.value.field == "username"
    submit(world.library)
    with pytest.raises(Conflict):
        submit(world.library, applicant_name="钱多多")
    with pytest.raises(InvalidInput) as phone:
        submit(world.library, username="wzlib2", phone="")
    assert phone.value.field == "phone"


# --- the registrar's decision -------------------------------------------------------------------


def test_approval_opens_an_active_bound_account_that_logs_in(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    request = submit(world.library)
    client.force_login(world.registrar)
    queue = client.get("/registration/accounts/")
    assert [r.pk for r in queue.context["pending"]] == [request.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/registration/accounts/requests/{request.pk}/approve/")
    assert response.status_code == 302
    request.refresh_from_db()
    user = User.objects.get(username="wzlib")
    assert (request.state, request.account, request.decided_by) == (
        S.APPROVED,
        user,
        world.registrar,
    )
    assert (user.org_id, user.node_id, user.is_active) == (
        world.library.org_id,
        world.library.registrar_id,
        True,
    )
    assert set(user.groups.values_list("name", flat=True)) == {"unit"}
    assert not user.must_change_password
    assert logs_in(client, "wzlib", CHOSEN)
    assert client.get("/matters/inbox/").status_code == 200  # no forced password change
    assert entries_for(request).latest("seq").action == "registration.accountrequest.approved"
    assert entries_for(user).get().actor_id == world.registrar.pk
    assert [m.to for m in mailoutbox] == [["zhao@example.cn"]]
    assert "wzlib" in mailoutbox[0].body


def test_rejection_needs_remarks_and_opens_no_account(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    request = submit(world.library)
    client.force_login(world.registrar)
    url = f"/registration/accounts/requests/{request.pk}/reject/"
    response = client.post(url, {"remarks": "  "})
    assert response.status_code == 400
    assert list(response.context["reject_form"].errors) == ["remarks"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"remarks": "经电话核实，单位未申请账号"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.remarks) == (S.REJECTED, "经电话核实，单位未申请账号")
    assert not User.objects.filter(username="wzlib").exists()
    assert not logs_in(client, "wzlib", CHOSEN)
    assert "经电话核实" in mailoutbox[0].body
    assert entries_for(request).latest("seq").action == "registration.accountrequest.rejected"


def test_a_request_is_decided_once(client, world):
    request = submit(world.library)
    accounts.account_request_approve(actor=world.registrar, request=request)
    with pytest.raises(InvalidTransition) as twice:
        accounts.account_request_approve(actor=world.registrar, request=request)
    assert twice.value.field == "state"
    with pytest.raises(InvalidTransition):
        accounts.account_request_reject(actor=world.registrar, request=request, remarks="晚了")
    client.force_login(world.registrar)
    response = client.post(f"/registration/accounts/requests/{request.pk}/approve/")
    assert response.status_code == 409
    assert User.objects.filter(username="wzlib").count() == 1


def test_a_username_taken_since_the_request_is_a_conflict(client, world):
    request = submit(world.library)
    make_user("WZLIB", None, role="")
    client.force_login(world.registrar)
    response = client.post(f"/registration/accounts/requests/{request.pk}/approve/")
    assert response.status_code == 409
    request.refresh_from_db()
    assert request.state == S.PENDING


def test_registrars_of_another_authority_cannot_see_or_decide(client, world):
    request = submit(world.library)
    for outsider in (world.city_registrar, world.far_registrar):
        client.force_login(outsider)
        assert client.get("/registration/accounts/").context["pending"] == []
        base = f"/registration/accounts/requests/{request.pk}/"
        assert client.get(base).status_code == 404
        assert client.post(base + "approve/").status_code == 404
        assert client.post(base + "reject/", {"remarks": "不行"}).status_code == 404
        with pytest.raises(accounts.Forbidden):
            accounts.account_request_approve(actor=outsider, request=request)
    client.force_login(world.clerk)
    assert client.post(f"/registration/accounts/requests/{request.pk}/approve/").status_code == 403
    request.refresh_from_db()
    assert request.state == S.PENDING and not User.objects.filter(username="wzlib").exists()


def test_viewing_a_request_is_audited(client, world):
    request = submit(world.library)
    client.force_login(world.registrar)
    response = client.get(f"/registration/accounts/requests/{request.pk}/")
    assert response.status_code == 200 and "0512-65001234" in response.content.decode()
    event = AuditEvent.objects.get(action="registration.accountrequest.viewed")
    assert event.actor_id == world.registrar.pk


def test_the_queue_takes_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    for n in range(3):
        submit(world.library, username=f"wzlib{n}")
    accounts.account_request_reject(
        actor=world.registrar, request=AccountRequest.objects.first(), remarks="重复"
    )
    client.force_login(world.registrar)
    client.get("/registration/accounts/")  # warm the session and permission caches
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get("/registration/accounts/?q=图书馆")
    assert len(response.context["pending"]) == 2 and len(response.context["recent"]) == 1
    assert [i.pk for i in response.context["found"]] == [world.library.pk]


QUEUE_QUERIES = 8


# --- rate limit ---------------------------------------------------------------------------------


def test_signup_posts_are_rate_limited_per_address(client, world, monkeypatch):
    mid_window = (1_800_000_000 // SIGNUP_WINDOW) * SIGNUP_WINDOW + 60.0
    monkeypatch.setattr("bianzhi.registration.views_accounts._now", lambda: mid_window)
    data = signup_data(world.library, legal_rep="猜一猜")
    for _n in range(SIGNUP_POSTS):
        assert client.post("/unit/signup/", data).status_code == 400
    response = client.post("/unit/signup/", signup_data(world.library))
    assert response.status_code == 429 and response["Retry-After"] == str(SIGNUP_WINDOW - 60)
    assert "too many requests" in response.content.decode()
    assert not AccountRequest.objects.exists()
    other = client.post("/unit/signup/", signup_data(world.library), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    assert client.get("/unit/signup/").status_code == 200  # reading the page is not counted

"""Institution accounts (单位账号): an account with the `unit` role bound to one registered
institution (`org` its body, `node` its registration authority). The registrar creates one
with a one-time password, or an applicant asks on the public signup page and the registrar
approves or rejects the request. Every write is journaled; reads for the pages follow."""

import re
import unicodedata

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from bianzhi.accounts.administration import initial_password
from bianzhi.accounts.models import User
from bianzhi.accounts.queries import users_holding
from bianzhi.core.errors import Conflict, DomainError, InvalidInput, InvalidTransition
from bianzhi.core.identifiers import IdentifierError, validate_credit_code
from bianzhi.core.journal import journal_record
from bianzhi.core.scope import region_in_scope, scope_queryset
from bianzhi.matters.models import Notification

from .models import Institution, InstitutionStatus
from .models_accounts import AccountRequest, AccountRequestState

UNIT_ROLE = "unit"
HANDLE = "registration.handle_application"
USERNAME_RE = re.compile(r"^[\w.@+-]{3,150}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{4,28}[0-9]$")
RECENT = 30  # decided requests shown under the pending ones
S = AccountRequestState


class Forbidden(DomainError):
    """The actor is not a registrar of the institution's registration authority (403)."""

    code = "forbidden"


def _check_registrar(actor, institution: Institution) -> None:
    """Only the staff of the institution's registration authority, holding handle_application."""
    if not (
        actor.has_perm(HANDLE)
        and actor.node_id == institution.registrar_id
        and region_in_scope(actor, institution.region_code)
    ):
        raise Forbidden(
            "只有该单位登记管理机关的登记人员可以管理其单位账号",
            "only the registrars of the institution's registration authority manage its accounts",
            field="institution",
        )


def _check_registered(institution: Institution) -> None:
    if institution.status != InstitutionStatus.REGISTERED:
        raise InvalidTransition(
            "该单位的登记已经注销或撤销", "the registration has ended", field="institution"
        )


def _clean_username(username: str) -> str:
    """Letters, digits and @/./+/-/_, 3-150 characters, not held by an account or a pending
    request (case-insensitive)."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "用户名应为 3-150 个字母、数字或 @/./+/-/_",
            "the username needs 3-150 letters, digits or @/./+/-/_",
            field="username",
        )
    taken = User.objects.filter(username__iexact=username).exists() or (
        AccountRequest.objects.filter(username__iexact=username, state=S.PENDING).exists()
    )
    if taken:
        raise Conflict(
            f"用户名“{username}”已被使用", f"the username {username!r} is taken", field="username"
        )
    return username


def _clean_contact(
    *, full_name: str, email: str, phone: str, phone_required: bool, name_field="full_name"
) -> dict:
    full_name, email, phone = (
        (full_name or "").strip(),
        (email or "").strip(),
        (phone or "").strip(),
    )
    if not full_name or len(full_name) > 60:
        raise InvalidInput(
            "姓名必填，不超过 60 个字",
            "the name is required, 60 characters at most",
            field=name_field,
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(
                "电子邮箱格式不正确", "the e-mail address is not valid", field="email"
            ) from None
    if (phone or phone_required) and not PHONE_RE.match(phone):
        raise InvalidInput(
            "联系电话应为 6-30 位数字（可含空格、括号、连字符）",
            "the phone needs 6-30 digits (spaces, brackets and hyphens allowed)",
            field="phone",
        )
    return {"full_name": full_name, "email": email, "phone": phone}


def _make_account(
    *,
    institution: Institution,
    username: str,
    full_name: str,
    email: str,
    password_hash: str,
    must_change_password: bool = False,
) -> User:
    """The active account with the unit role only, bound to the institution's body."""
    user = User(
        must_change_password=must_change_password,
        username=username,
        full_name=full_name,
        email=email,
        node_id=institution.registrar_id,
        org_id=institution.org_id,
        password=password_hash,
    )
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # taken by a concurrent request since the check
        raise Conflict(
            f"用户名“{username}”已被使用", f"the username {username!r} is taken", field="username"
        ) from None
    user.groups.add(Group.objects.get(name=UNIT_ROLE))
    return user


def _account_state(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "org": user.org_id,
        "node": user.node_id,
        "role": UNIT_ROLE,
        "is_active": user.is_active,
    }


@transaction.atomic
def unit_account_create(
    *, actor, institution: Institution, username: str, full_name: str, email: str = ""
) -> tuple[User, str]:
    """Create an institution's account with a one-time password to change at first login; the
    password is returned once and only its hash is kept. Registrars of the institution only."""
    _check_registrar(actor, institution)
    _check_registered(institution)
    # No phone here: an account has no column for one, and the journal is no place to keep it.
    contact = _clean_contact(full_name=full_name, email=email, phone="", phone_required=False)
    username = _clean_username(username)
    raw = initial_password()
    user = _make_account(
        institution=institution,
        username=username,
        full_name=contact["full_name"],
        email=contact["email"],
        password_hash=make_password(raw),
        must_change_password=True,
    )
    journal_record(
        obj=user,
        action="accounts.account.created",
        actor=actor,
        after={**_account_state(user), "institution": institution.credit_code},
    )
    return user, raw


@transaction.atomic
def unit_account_deactivate(*, actor, account: User) -> User:
    """Deactivate an institution's account: it can no longer sign in. Registrars of the
    institution only, and only for accounts with the unit role."""
    account = User.objects.select_for_update().get(pk=account.pk)
    institution = Institution.objects.filter(org_id=account.org_id).first()
    if institution is None or not account.groups.filter(name=UNIT_ROLE).exists():
        raise Forbidden(
            "这不是登记单位的单位账号",
            "not an account of a registered institution",
            field="account",
        )
    _check_registrar(actor, institution)
    if not account.is_active:
        raise InvalidTransition(
            "账号已经停用", "the account is already deactivated", field="account"
        )
    before = _account_state(account)
    User.objects.filter(pk=account.pk).update(is_active=False)
    account.is_active = False
    journal_record(
        obj=account,
        action="accounts.account.deactivated",
        actor=actor,
        before=before,
        after=_account_state(account),
    )
    return account


# --- self-service requests --------------------------------------------------------------------


def _same(a: str, b: str) -> bool:
    """Equal once widths and spaces are normalised (全角/半角, inner spaces)."""

    def norm(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s or "").split()).casefold()

    return norm(a) == norm(b)


def _mismatch() -> InvalidInput:
    return InvalidInput(
        "统一社会信用代码、单位名称和法定代表人与登记信息不符",
        "the credit code, name and legal representative do not match the register",
        code="register_mismatch",
    )


def _matching_institution(*, credit_code: str, name: str, legal_rep: str) -> Institution:
    """The registered institution whose code, name and legal representative all match; the
    refusal never says which one did not."""
    try:
        code = validate_credit_code(credit_code).number
    except IdentifierError as exc:
        raise InvalidInput(exc.message_zh, exc.message_en, field="credit_code") from None
    institution = (
        Institution.objects.filter(credit_code=code, status=InstitutionStatus.REGISTERED)
        .select_related("registrar")
        .first()
    )
    if institution is None:
        raise _mismatch()
    if not (_same(institution.name, name) and _same(institution.legal_rep, legal_rep)):
        raise _mismatch()
    return institution


def _check_password(password: str, *, username: str, full_name: str, email: str) -> None:
    """The password policy of accounts.passwords, every broken rule named."""
    probe = User(username=username, full_name=full_name, email=email)
    try:
        password_validation.validate_password(password, probe)
    except ValidationError as exc:
        text = "；".join(exc.messages)
        raise InvalidInput(text, text, field="password", code="password_policy") from None


def _notify_registrars(request: AccountRequest) -> None:
    link = reverse("registration_accounts:request", args=[request.pk])
    holders = users_holding(
        "registration.handle_application", node_id=request.institution.registrar_id
    )
    message = f"单位账号申请 / account request: {request.institution.name} · {request.username}"
    Notification.objects.bulk_create(
        Notification(user=user, url=link, action="account_request", message=message[:300])
        for user in holders
    )


@transaction.atomic
def account_request_submit(
    *,
    credit_code: str,
    name: str,
    legal_rep: str,
    applicant_name: str,
    phone: str,
    email: str,
    username: str,
    password: str,
) -> AccountRequest:
    """Record an applicant's request for an institution account, pending the registrar. The
    code, name and legal representative must match the register; the password must pass the
    policy and is kept as a hash only."""
    institution = _matching_institution(credit_code=credit_code, name=name, legal_rep=legal_rep)
    contact = _clean_contact(
        full_name=applicant_name,
        email=email,
        phone=phone,
        phone_required=True,
        name_field="applicant_name",
    )
    username = _clean_username(username)
    _check_password(
        password, username=username, full_name=contact["full_name"], email=contact["email"]
    )
    request = AccountRequest.objects.create(
        institution=institution,
        applicant_name=contact["full_name"],
        phone=contact["phone"],
        email=contact["email"],
        username=username,
        password=make_password(password),
    )
    journal_record(
        obj=request,
        action="registration.accountrequest.submitted",
        actor=None,
        after=_request_state(request),
    )
    _notify_registrars(request)
    return request


def _request_state(request: AccountRequest) -> dict:
    return {
        "institution": request.institution.credit_code,
        "username": request.username,
        "applicant_name": request.applicant_name,
        "state": request.state,
    }


def _locked_pending(request: AccountRequest, actor) -> AccountRequest:
    request = (
        AccountRequest.objects.select_for_update().select_related("institution").get(pk=request.pk)
    )
    _check_registrar(actor, request.institution)
    if request.state != S.PENDING:
        raise InvalidTransition(
            f"申请已处理（{request.get_state_display()}），不能再次决定",
            f"the request was already decided ({request.state})",
            field="state",
        )
    return request


def _decide(request: AccountRequest, *, actor, state: str, remarks: str) -> None:
    request.state = state
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.remarks = remarks
    request.save(update_fields=["state", "decided_by", "decided_at", "remarks", "account"])


@transaction.atomic
def account_request_approve(*, actor, request: AccountRequest, remarks: str = "") -> User:
    """Approve a pending request: the active unit account bound to the institution, with the
    password the applicant chose. Registrars of the institution only; once."""
    request = _locked_pending(request, actor)
    _check_registered(request.institution)
    if User.objects.filter(username__iexact=request.username).exists():
        raise Conflict(
            f"用户名“{request.username}”已被使用，请驳回后由申请人另选",
            f"the username {request.username!r} is taken; reject and let the applicant choose",
            field="username",
        )
    before = _request_state(request)
    user = _make_account(
        institution=request.institution,
        username=request.username,
        full_name=request.applicant_name,
        email=request.email,
        password_hash=request.password,
    )
    request.account = user
    _decide(request, actor=actor, state=S.APPROVED, remarks=(remarks or "").strip())
    journal_record(
        obj=user,
        action="accounts.account.created",
        actor=actor,
        after={**_account_state(user), "institution": request.institution.credit_code},
    )
    journal_record(
        obj=request,
        action="registration.accountrequest.approved",
        actor=actor,
        before=before,
        after={**_request_state(request), "account": user.pk},
    )
    _mail_applicant(request)
    return user


@transaction.atomic
def account_request_reject(*, actor, request: AccountRequest, remarks: str) -> AccountRequest:
    """Reject a pending request with the reason the applicant is told."""
    remarks = (remarks or "").strip()
    if not remarks:
        raise InvalidInput(
            "驳回时请写明理由", "a rejection needs remarks for the applicant", field="remarks"
        )
    request = _locked_pending(request, actor)
    before = _request_state(request)
    _decide(request, actor=actor, state=S.REJECTED, remarks=remarks)
    journal_record(
        obj=request,
        action="registration.accountrequest.rejected",
        actor=actor,
        before=before,
        after=_request_state(request),
    )
    _mail_applicant(request)
    return request


def _mail_applicant(request: AccountRequest) -> None:
    """Tell the applicant the decision by mail after commit, when an address was given."""
    if not request.email:
        return
    name = request.institution.name
    if request.state == S.APPROVED:
        body = (
            f"{name} 的单位账号 {request.username} 已开通，可以使用申请时设置的密码登录。\n"
            f"The account {request.username} of {name} is open; log in with the password you "
            f"chose.\n{settings.SITE_URL}{reverse('login')}"
        )
    else:
        body = (
            f"{name} 的单位账号申请（{request.username}）未通过：{request.remarks}\n"
            f"The account request {request.username} of {name} was not approved: "
            f"{request.remarks}"
        )
    subject = f"[编制] 单位账号申请 / account request: {request.get_state_display()}"
    to = [request.email]
    transaction.on_commit(lambda: send_mail(subject, body, None, to, fail_silently=True))


# --- reads ------------------------------------------------------------------------------------


def account_requests_for(user) -> QuerySet:
    """The requests a registrar decides: those of institutions of the registrar's authority,
    inside the registrar's region; none for anyone else."""
    if not user.has_perm(HANDLE) or user.node_id is None:
        return AccountRequest.objects.none()
    qs = AccountRequest.objects.select_related("institution", "decided_by").filter(
        institution__registrar_id=user.node_id
    )
    return scope_queryset(user, qs, field="institution__region_code")


def request_queue(user) -> tuple[list[AccountRequest], list[AccountRequest]]:
    """Pending requests (oldest first) and the most recently decided ones."""
    qs = account_requests_for(user)
    pending = list(qs.filter(state=S.PENDING).order_by("id"))
    recent = list(qs.exclude(state=S.PENDING).order_by("-decided_at", "-id")[:RECENT])
    return pending, recent


def institutions_for_registrar(user) -> QuerySet:
    """The institutions of the registrar's authority inside the registrar's region."""
    if not user.has_perm(HANDLE) or user.node_id is None:
        return Institution.objects.none()
    qs = Institution.objects.filter(registrar_id=user.node_id)
    return scope_queryset(user, qs)


def institution_search(user, q: str, limit: int = 20) -> list[Institution]:
    q = (q or "").strip()
    if not q:
        return []
    qs = institutions_for_registrar(user).filter(Q(credit_code=q.upper()) | Q(name__icontains=q))
    return list(qs.order_by("name")[:limit])


def unit_accounts_of(institution: Institution) -> list[User]:
    """The accounts with the unit role bound to the institution's body, active first."""
    qs = User.objects.filter(org_id=institution.org_id, groups__name=UNIT_ROLE).distinct()
    return list(qs.order_by("-is_active", "username"))

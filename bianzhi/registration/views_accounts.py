"""Pages of institution accounts: the registrar's queue of requests and an institution's
accounts (/registration/accounts/), and the public signup (/unit/signup/). Each POST calls
one service of accounts.py."""

from time import time as _now

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.accounts.models import User
from bianzhi.audit.services import audit_record
from bianzhi.core.errors import DomainError, InvalidTransition
from bianzhi.core.net import client_address
from bianzhi.core.permissions import public, requires
from bianzhi.core.scope import audit_out_of_scope

from . import accounts
from .forms_accounts import ApproveForm, RejectForm, SignupForm, UnitAccountForm
from .models import Institution
from .models_accounts import AccountRequest, AccountRequestState

HANDLE = accounts.HANDLE
# Signup posts per client address and window: each one tests a guess at registered items, so
# the limit is far below the public service's.
SIGNUP_POSTS, SIGNUP_WINDOW = 10, 3600


def _visible_or_404(user, visible: QuerySet, everything: QuerySet, pk: int) -> Model:
    """One object of `visible`, else 404 (an existing one outside it is audited)."""
    found = visible.filter(pk=pk).first()
    if found is None:
        audit_out_of_scope(user, everything, {"pk": pk})
        raise Http404
    return found


def _request_or_404(request: HttpRequest, request_id: int) -> AccountRequest:
    visible = accounts.account_requests_for(request.user)
    return _visible_or_404(request.user, visible, AccountRequest.objects.all(), request_id)


def _institution_or_404(request: HttpRequest, institution_id: int) -> Institution:
    visible = accounts.institutions_for_registrar(request.user)
    return _visible_or_404(request.user, visible, Institution.objects.all(), institution_id)


# --- the registrar's queue and requests -------------------------------------------------------


@requires(HANDLE)
def queue(request: HttpRequest) -> HttpResponse:
    """Pending requests and the recent decisions; a search for an institution's accounts."""
    pending, recent = accounts.request_queue(request.user)
    q = request.GET.get("q", "").strip()[:100]
    context = {
        "pending": pending,
        "recent": recent,
        "q": q,
        "found": accounts.institution_search(request.user, q),
    }
    return render(request, "registration/accounts_queue.html", context)


def _request_page(request: HttpRequest, req: AccountRequest, status: int = 200, **forms):
    audit_record("registration.accountrequest.viewed", obj=req, request=request)
    context = {
        "req": req,
        "institution": req.institution,
        "pending": req.state == AccountRequestState.PENDING,
        "approve_form": forms.get("approve") or ApproveForm(),
        "reject_form": forms.get("reject") or RejectForm(),
    }
    return render(request, "registration/account_request.html", context, status=status)


@requires(HANDLE)
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    """One request with the applicant's contact details (the view is audited)."""
    return _request_page(request, _request_or_404(request, request_id))


def _decide(request: HttpRequest, request_id: int, form, key: str, run) -> HttpResponse:
    """Run a decision: done → back to the queue; already decided or the username taken → 409;
    not this registrar's → 403; a field error → the page with the form (400)."""
    req = _request_or_404(request, request_id)
    if not form.is_valid():
        return _request_page(request, req, status=400, **{key: form})
    try:
        run(req, form.cleaned_data)
    except accounts.Forbidden as exc:
        raise PermissionDenied(exc.message_en) from None
    except DomainError as exc:
        if isinstance(exc, InvalidTransition) or exc.field in ("username", "institution"):
            messages.error(request, f"{exc.message_zh} / {exc.message_en}")
            req.refresh_from_db()
            return _request_page(request, req, status=409)
        form.add_domain_error(exc)
        return _request_page(request, req, status=400, **{key: form})
    return redirect("registration_accounts:queue")


@requires(HANDLE)
@require_POST
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    def run(req, data):
        user = accounts.account_request_approve(
            actor=request.user, request=req, remarks=data["remarks"]
        )
        messages.success(
            request, _("Account %(username)s opened (账号已开通).") % {"username": user.username}
        )

    return _decide(request, request_id, ApproveForm(request.POST), "approve", run)


@requires(HANDLE)
@require_POST
def request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    def run(req, data):
        accounts.account_request_reject(actor=request.user, request=req, remarks=data["remarks"])
        messages.success(request, _("Request rejected (申请已驳回)."))

    return _decide(request, request_id, RejectForm(request.POST), "reject", run)


# --- an institution's accounts ----------------------------------------------------------------


def _institution_page(request, institution: Institution, form=None, status: int = 200):
    context = {
        "institution": institution,
        "accounts": accounts.unit_accounts_of(institution),
        "form": form or UnitAccountForm(),
    }
    return render(request, "registration/accounts_institution.html", context, status=status)


@requires(HANDLE)
def institution_accounts(request: HttpRequest, institution_id: int) -> HttpResponse:
    """The institution's accounts, with deactivation, and the form for a new one."""
    return _institution_page(request, _institution_or_404(request, institution_id))


@requires(HANDLE)
@require_POST
def account_create(request: HttpRequest, institution_id: int) -> HttpResponse:
    """Create an account; its one-time password is shown on this response only."""
    institution = _institution_or_404(request, institution_id)
    form = UnitAccountForm(request.POST)
    if not form.is_valid():
        return _institution_page(request, institution, form, status=400)
    try:
        user, raw = accounts.unit_account_create(
            actor=request.user, institution=institution, **form.cleaned_data
        )
    except accounts.Forbidden as exc:
        raise PermissionDenied(exc.message_en) from None
    except DomainError as exc:
        form.add_domain_error(exc)
        return _institution_page(request, institution, form, status=400)
    context = {"account": user, "password": raw, "institution": institution}
    response = render(request, "registration/account_password_once.html", context)
    add_never_cache_headers(response)
    return response


@requires(HANDLE)
@require_POST
def account_deactivate(request: HttpRequest, account_id: int) -> HttpResponse:
    visible = User.objects.filter(
        org__registration__in=accounts.institutions_for_registrar(request.user)
    )
    account = _visible_or_404(request.user, visible, User.objects.all(), account_id)
    try:
        accounts.unit_account_deactivate(actor=request.user, account=account)
    except accounts.Forbidden as exc:
        raise PermissionDenied(exc.message_en) from None
    except DomainError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        messages.success(request, _("Account deactivated (账号已停用)."))
    institution = Institution.objects.get(org_id=account.org_id)
    return redirect("registration_accounts:institution", institution_id=institution.pk)


# --- the public signup ------------------------------------------------------------------------


def signup_wait(request: HttpRequest) -> int | None:
    """Count this signup post against its address; the seconds to wait when over the limit."""
    now = _now()
    window = int(now // SIGNUP_WINDOW)
    key = f"account-signup:{client_address(request) or ''}:{window}"
    cache.add(key, 0, timeout=SIGNUP_WINDOW + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=SIGNUP_WINDOW + 1)
        count = 1
    if count <= SIGNUP_POSTS:
        return None
    return max(1, int((window + 1) * SIGNUP_WINDOW - now))


def _too_many(request: HttpRequest, form: SignupForm, wait: int) -> HttpResponse:
    minutes = max(1, (wait + 59) // 60)
    form.add_error(
        None,
        f"提交过于频繁，请在 {minutes} 分钟后重试 / too many requests from your address; "
        f"try again in {minutes} minutes",
    )
    response = render(request, "registration/account_signup.html", {"form": form}, status=429)
    response["Retry-After"] = str(wait)
    return response


@public
def signup(request: HttpRequest) -> HttpResponse:
    """An institution's request for its own account, checked against the register; the
    registrar decides it. A refusal of the register check never says which item failed."""
    if request.method != "POST":
        return render(request, "registration/account_signup.html", {"form": SignupForm()})
    form = SignupForm(request.POST)
    wait = signup_wait(request)
    if wait is not None:
        return _too_many(request, form, wait)
    if form.is_valid():
        try:
            accounts.account_request_submit(**form.service_arguments())
        except DomainError as exc:
            if exc.code == "register_mismatch":
                audit_record(
                    "registration.accountrequest.refused",
                    request=request,
                    entity="registration.accountrequest",
                    result="refused",
                    reason=exc.code,
                    data={"credit_code": form.cleaned_data["credit_code"]},
                )
            form.add_domain_error(exc)
        else:
            return redirect("signup:account_signup_sent")
    return render(request, "registration/account_signup.html", {"form": form}, status=400)


@public
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/account_signup_sent.html")

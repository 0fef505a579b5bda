"""Security administration pages (三员分立): the system administrator's account lifecycle and
the security administrator's roles, clearances and scopes. Each POST calls one service."""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires

from . import administration as admin
from .forms_admin import AccountCreateForm, ClearanceForm, RoleForm, ScopeForm
from .models import User
from .roles import ROLES, role_label

VIEW, ACCOUNTS, ROLES_PERM = (
    "accounts.view_user",
    "accounts.manage_account",
    "accounts.manage_roles",
)


def _refused(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, f"{exc.message_zh} / {exc.message_en}")


@requires(VIEW)
def account_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:60]
    qs = User.objects.select_related("node").prefetch_related("groups").order_by("username")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for account in page.object_list:
        account.role_labels = [role_label(group.name) for group in account.groups.all()]
    return render(request, "accounts/admin/list.html", {"page": page, "q": q})


@requires(ACCOUNTS)
def account_new(request: HttpRequest) -> HttpResponse:
    """Create an account; its initial password is shown on this response only."""
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, raw = admin.account_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return render(
                request, "accounts/admin/password_once.html", {"account": user, "password": raw}
            )
    return render(request, "accounts/admin/new.html", {"form": form})


@requires(VIEW)
def account_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    account = get_object_or_404(User.objects.select_related("node"), pk=user_id)
    held = sorted(admin.user_roles(account))
    context = {
        "account": account,
        "roles": [(name, role_label(name)) for name in held],
        "role_form": RoleForm(),
        "clearance_form": ClearanceForm(initial={"clearance": account.clearance}),
        "scope_form": ScopeForm(initial={"node": account.node_id}),
        "all_roles": [(name, label) for name, (label, _p) in ROLES.items()],
    }
    return render(request, "accounts/admin/detail.html", context)


def _account_action(request: HttpRequest, user_id: int, run: Callable, done: str) -> HttpResponse:
    account = get_object_or_404(User, pk=user_id)
    try:
        run(account)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)
    return redirect("security:account", user_id=account.pk)


@requires(ACCOUNTS)
@require_POST
def account_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    run = lambda account: admin.account_deactivate(actor=request.user, user=account)  # noqa: E731
    return _account_action(request, user_id, run, _("Account deactivated (账号已停用)."))


@requires(ACCOUNTS)
@require_POST
def account_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    run = lambda account: admin.account_reactivate(actor=request.user, user=account)  # noqa: E731
    return _account_action(request, user_id, run, _("Account reactivated (账号已启用)."))


@requires(ACCOUNTS)
@require_POST
def account_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """Reset the password; the new one is shown on this response only."""
    account = get_object_or_404(User, pk=user_id)
    try:
        raw = admin.account_password_reset(actor=request.user, user=account)
    except DomainError as exc:
        _refused(request, exc)
        return redirect("security:account", user_id=account.pk)
    return render(
        request, "accounts/admin/password_once.html", {"account": account, "password": raw}
    )


def _form_action(request, user_id: int, form_class, run: Callable, done: str) -> HttpResponse:
    form = form_class(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, errors)
        return redirect("security:account", user_id=user_id)
    return _account_action(request, user_id, lambda a: run(a, form.cleaned_data), done)


@requires(ROLES_PERM)
@require_POST
def account_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    def run(account, data):
        service = admin.role_grant if data["op"] == "grant" else admin.role_revoke
        service(actor=request.user, user=account, role=data["role"])

    return _form_action(request, user_id, RoleForm, run, _("Roles changed (角色已变更)."))


@requires(ROLES_PERM)
@require_POST
def account_clearance(request: HttpRequest, user_id: int) -> HttpResponse:
    def run(account, data):
        admin.clearance_set(actor=request.user, user=account, clearance=data["clearance"])

    return _form_action(request, user_id, ClearanceForm, run, _("Clearance set (密级已设置)."))


@requires(ROLES_PERM)
@require_POST
def account_scope(request: HttpRequest, user_id: int) -> HttpResponse:
    def run(account, data):
        admin.scope_set(actor=request.user, user=account, node=data["node"])

    return _form_action(request, user_id, ScopeForm, run, _("Scope set (范围已设置)."))


@requires("accounts.view_user")
def security_home(request: HttpRequest) -> HttpResponse:
    """/security/ itself: the accounts list (both administrators who use these pages see it)."""
    return redirect("security:accounts")

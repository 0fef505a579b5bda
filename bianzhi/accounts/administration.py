"""Writes of the three administrators (三员分立): the account lifecycle (系统管理员) and roles,
clearances and scopes (安全保密管理员), each audited; plus the guards that keep the three roles
exclusive and the superuser powerless in production, whatever path a change takes."""

import secrets
import string

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from bianzhi.audit.models import AuditEvent
from bianzhi.audit.services import audit_record
from bianzhi.core.classification import Classification
from bianzhi.core.errors import DomainError
from bianzhi.core.models import Node

from .models import User
from .roles import ADMIN_ROLES, ROLES, SYSADMIN

MANAGE_ACCOUNT, MANAGE_ROLES = "accounts.manage_account", "accounts.manage_roles"


class AdminRefused(DomainError):
    code = "admin_refused"


def _refuse(action: str, *, actor, user, code: str, zh: str, en: str, field=None):
    """Audit the refused attempt (outside any transaction, so it stays) and raise."""
    audit_record(action, actor=actor, obj=user, result=AuditEvent.Result.REFUSED, reason=code)
    raise AdminRefused(zh, en, code=code, field=field)


def _check_actor(action: str, *, actor, user, permission: str) -> None:
    """The actor holds the permission and is not acting on their own account (actor None is the
    command line of the server's operator)."""
    if actor is None:
        return
    if not actor.has_perm(permission):
        _refuse(
            action,
            actor=actor,
            user=user,
            code="admin_not_allowed",
            zh=f"无权执行此操作（需要权限 {permission}）",
            en=f"not allowed (permission {permission} required)",
        )
    if user is not None and actor.pk == user.pk:
        _refuse(
            action,
            actor=actor,
            user=user,
            code="admin_self_change",
            zh="不能更改自己的账号、角色、密级或范围",
            en="nobody may change their own account, roles, clearance or scope",
        )


def roles_conflict(names: set[str]) -> bool:
    """True when a set of roles breaks 三员分立: two administrator roles, or one with a business
    role."""
    admin = names & set(ADMIN_ROLES)
    return len(admin) > 1 or (bool(admin) and bool(names - set(ADMIN_ROLES)))


def _exclusive_error() -> DomainError:
    return AdminRefused(
        "系统管理员、安全保密管理员、安全审计员三员互斥，且不得兼任业务角色",
        "the system administrator, security administrator and auditor roles are mutually "
        "exclusive and exclude every business role",
        code="admin_roles_exclusive",
        field="role",
    )


def user_roles(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def role_grant(*, actor, user: User, role: str) -> None:
    """Give a role; refused when it would break 三员分立 (code admin_roles_exclusive)."""
    action = "accounts.role.granted"
    _check_actor(action, actor=actor, user=user, permission=MANAGE_ROLES)
    if role not in ROLES:
        raise AdminRefused(f"未知角色 {role}", f"unknown role {role}", code="invalid", field="role")
    held = user_roles(user)
    if role in held:
        return
    if roles_conflict(held | {role}):
        audit_record(
            action,
            actor=actor,
            obj=user,
            result="refused",
            reason="admin_roles_exclusive",
            data={"role": role},
        )
        raise _exclusive_error()
    with transaction.atomic():
        user.groups.add(Group.objects.get(name=role))
        if role == SYSADMIN and not user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=True)
            user.is_staff = True
        audit_record(action, actor=actor, obj=user, data={"user": user.username, "role": role})


def role_revoke(*, actor, user: User, role: str) -> None:
    """Take a role away."""
    action = "accounts.role.revoked"
    _check_actor(action, actor=actor, user=user, permission=MANAGE_ROLES)
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name=role))
        if role == SYSADMIN and user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=False)
            user.is_staff = False
        audit_record(action, actor=actor, obj=user, data={"user": user.username, "role": role})


def clearance_set(*, actor, user: User, clearance: int) -> None:
    """Set the classification clearance (密级) a user holds."""
    action = "accounts.clearance.changed"
    _check_actor(action, actor=actor, user=user, permission=MANAGE_ROLES)
    if clearance not in Classification.values:
        raise AdminRefused("密级无效", "invalid clearance", code="invalid", field="clearance")
    before = user.clearance
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(clearance=clearance)
        user.clearance = clearance
        audit_record(action, actor=actor, obj=user, data={"before": before, "after": clearance})


def scope_set(*, actor, user: User, node: Node | None) -> None:
    """Set the node (and so the region scope) of an account; None sees nothing."""
    action = "accounts.scope.changed"
    _check_actor(action, actor=actor, user=user, permission=MANAGE_ROLES)
    before = user.node.code if user.node_id else None
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(node=node)
        user.node = node
        after = node.code if node else None
        audit_record(action, actor=actor, obj=user, data={"before": before, "after": after})


def initial_password() -> str:
    """A random password that passes the password rules: letters, digits and a symbol."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(14))
    return f"{body}-{secrets.randbelow(90) + 10}Aa"


def account_create(*, actor, username: str, full_name: str = "") -> tuple[User, str]:
    """Create an account without roles or scope, with a random initial password that must be
    changed at first login; the password is returned once and never stored in clear."""
    action = "accounts.account.created"
    _check_actor(action, actor=actor, user=None, permission=MANAGE_ACCOUNT)
    username = username.strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise AdminRefused(
            f"用户名“{username}”为空或已被使用",
            f"username {username!r} is empty or taken",
            code="invalid",
            field="username",
        )
    raw = initial_password()
    with transaction.atomic():
        user = User(username=username, full_name=full_name.strip(), must_change_password=True)
        user.set_password(raw)
        user.full_clean()
        user.save()
        audit_record(action, actor=actor, obj=user, data={"user": username})
    return user, raw


def _set_active(*, actor, user: User, active: bool) -> None:
    action = "accounts.account." + ("reactivated" if active else "deactivated")
    _check_actor(action, actor=actor, user=user, permission=MANAGE_ACCOUNT)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=active)
        user.is_active = active
        audit_record(action, actor=actor, obj=user, data={"user": user.username})


def account_deactivate(*, actor, user: User) -> None:
    """Deactivate an account: it can no longer sign in and its sessions stop working."""
    _set_active(actor=actor, user=user, active=False)


def account_reactivate(*, actor, user: User) -> None:
    """Reactivate a deactivated account."""
    _set_active(actor=actor, user=user, active=True)


def account_password_reset(*, actor, user: User) -> str:
    """Give an account a new random password that must be changed at next login; returned once."""
    action = "accounts.account.password_reset"
    _check_actor(action, actor=actor, user=user, permission=MANAGE_ACCOUNT)
    raw = initial_password()
    with transaction.atomic():
        user.set_password(raw)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        audit_record(action, actor=actor, obj=user, data={"user": user.username})
    return raw


# --- guards: whatever path a change takes (admin, shell, fixtures), 三员分立 holds ---


def granted_permissions(user: User) -> set[str]:
    """The permissions a user holds through roles and direct grants, never through a superuser
    flag."""
    rows = Permission.objects.filter(Q(group__user=user) | Q(user=user)).values_list(
        "content_type__app_label", "codename"
    )
    return {f"{app}.{codename}" for app, codename in rows}


def superuser_refused() -> bool:
    """In the production profile no account may bypass the three administrators."""
    return bool(settings.PRODUCTION)


@receiver(pre_save, sender=User, dispatch_uid="bianzhi_no_superuser_in_production")
def _refuse_superuser(sender, instance: User, **_kwargs) -> None:
    if instance.is_superuser and superuser_refused():
        raise AdminRefused(
            "生产环境不允许超级用户（三员分立）",
            "no superuser in the production profile (separation of the three administrators)",
            code="superuser_refused",
            field="is_superuser",
        )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="bianzhi_admin_roles_exclusive")
def _refuse_conflicting_roles(sender, instance, action, reverse, pk_set, **_kwargs) -> None:
    if action != "pre_add" or not pk_set:
        return
    if not reverse:  # user.groups.add(group…)
        added = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        if roles_conflict(user_roles(instance) | added):
            raise _exclusive_error()
        return
    for user in User.objects.filter(pk__in=pk_set):  # group.user_set.add(user…)
        if roles_conflict(user_roles(user) | {instance.name}):
            raise _exclusive_error()

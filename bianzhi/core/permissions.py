"""Every view and API route declares what it needs; the URL-walk test checks that they do."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

PUBLIC = "public"
LOGIN = "login"


def _audit_denied(request, permission: str) -> None:
    """Every refusal for a missing permission is an audit row (monitoring watches them)."""
    from bianzhi.audit.services import audit_record

    audit_record(
        "access.denied", request=request, result="refused", reason=permission, entity="route"
    )


def requires(permission: str) -> Callable:
    """Require login and a named permission ("app.codename"), or LOGIN for any signed-in user."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if permission != LOGIN and not user.has_perm(permission):
                _audit_denied(request, permission)
                raise PermissionDenied(permission)
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, on purpose."""
    view.required_permission = PUBLIC  # type: ignore[attr-defined]
    return view


def api_requires(permission: str) -> Callable:
    """The API twin of `requires`: put it under the router decorator; auth has run by then."""

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            from ninja.errors import HttpError

            user = request.user
            if not user.is_authenticated:
                raise HttpError(401, "未登录 / not authenticated")
            if permission != LOGIN and not user.has_perm(permission):
                _audit_denied(request, permission)
                raise HttpError(403, f"缺少权限 {permission} / permission {permission} required")
            return func(request, *args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def holds_any(request, permissions: tuple[str, ...]) -> bool:
    """Whether the user holds one of the permissions; a refusal is audited (`access.denied`)."""
    if any(request.user.has_perm(p) for p in permissions):
        return True
    _audit_denied(request, " | ".join(permissions))
    return False


def requires_any(*permissions: str) -> Callable:
    """Signed in (LOGIN, as declared to the URL walk) and holding one of `permissions`, for
    pages that staff and bodies' own accounts share; others get 403 and an audit row. Which
    objects each sees is the page's scoped query."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not holds_any(request, permissions):
                raise PermissionDenied(" | ".join(permissions))
            return view(request, *args, **kwargs)

        wrapped = requires(LOGIN)(checked)
        wrapped.any_permission = permissions  # type: ignore[attr-defined]
        return wrapped

    return decorator


def api_requires_any(*permissions: str) -> Callable:
    """The API twin of `requires_any`: `api_requires(LOGIN)` plus one of `permissions`."""

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def checked(request, *args, **kwargs):
            from ninja.errors import HttpError

            if not holds_any(request, permissions):
                needed = " | ".join(permissions)
                raise HttpError(403, f"缺少权限 {needed} / permission {needed} required")
            return func(request, *args, **kwargs)

        wrapped = api_requires(LOGIN)(checked)
        wrapped.any_permission = permissions  # type: ignore[attr-defined]
        return wrapped

    return decorator

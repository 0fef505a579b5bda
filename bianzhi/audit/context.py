"""The request being served, for audit rows written deep inside services (address, node, path)."""

import contextvars
from dataclasses import dataclass

from bianzhi.core.net import client_address

_current: contextvars.ContextVar["RequestContext | None"] = contextvars.ContextVar(
    "bianzhi_audit_request", default=None
)


@dataclass(frozen=True)
class RequestContext:
    address: str | None
    path: str
    user: object | None


def current() -> "RequestContext | None":
    return _current.get()


class AuditContextMiddleware:
    """Remember the request for the duration of the view so that audit rows can name it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(
            RequestContext(
                address=client_address(request),
                path=request.get_full_path()[:300],
                user=getattr(request, "user", None),
            )
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

"""The JSON API: every app's ninja router under /api/v1/, token or session auth."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from bianzhi.accounts.services import api_token_authenticate
from bianzhi.core.errors import DomainError

# The scope area of each first path segment under /api/v1/ (routes not listed need "*").
SCOPE_AREAS = {
    "regions": "core",
    "orgs": "orgs",
    "quotas": "staffing",
    "quota-changes": "staffing",
    "leader-posts": "staffing",
    "reservations": "staffing",
    "alerts": "staffing",
    "persons": "personnel",
    "assignments": "personnel",
    "matters": "matters",
    "registrations": "registration",
    "annual-reports": "registration",
    # The public registration service needs no token at all; listed for completeness.
    "institutions": "public",
    "notices": "public",
}


def required_scope(request: HttpRequest) -> str:
    """The scope a request needs: its area from the path and read (GET/HEAD) or write."""
    first = request.path_info.split("/api/v1/", 1)[-1].split("/", 1)[0]
    area = SCOPE_AREAS.get(first)
    if area is None:
        return "*"
    return f"{area}:{'read' if request.method in {'GET', 'HEAD', 'OPTIONS'} else 'write'}"


class BearerToken(HttpBearer):
    """`Authorization: Bearer bz_…` issued to another department's system, limited to its
    scopes (403 naming the missing one)."""

    def authenticate(self, request: HttpRequest, token: str):
        found = api_token_authenticate(token)
        if found is None:
            return None
        needed = required_scope(request)
        if "*" not in found.scopes and needed not in found.scopes:
            raise HttpError(403, f"令牌缺少范围 {needed} / the token lacks the scope {needed}")
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="Bianzhi API",
    version="1",
    description="机构编制管理平台 API / Bianzhi establishment administration API",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    docs_decorator=login_required,
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    """A refused rule: `{"code", "field", "message", "message_en"}`; 409 for a conflict with the
    state of the register (control refusals, numbering, transitions), 404 outside scope, 403
    for an action the user may not take."""
    from bianzhi.staffing.control import ControlRefused

    status = 400
    if exc.code == "forbidden":
        status = 403
    elif isinstance(exc, ControlRefused) or exc.code in {"conflict", "invalid_transition"}:
        status = 409
    elif exc.code == "out_of_scope":
        status = 404
    return api.create_response(request, exc.as_dict(), status=status)


from bianzhi.annualreports.api import router as annualreports_router  # noqa: E402
from bianzhi.core.api import router as core_router  # noqa: E402
from bianzhi.matters.api import router as matters_router  # noqa: E402
from bianzhi.orgs.api import router as orgs_router  # noqa: E402
from bianzhi.orgs.api_io import router as orgs_io_router  # noqa: E402
from bianzhi.personnel.api import router as personnel_router  # noqa: E402
from bianzhi.personnel.api_io import router as personnel_io_router  # noqa: E402
from bianzhi.public.api import router as public_router  # noqa: E402
from bianzhi.registration.api import router as registration_router  # noqa: E402
from bianzhi.staffing.api import router as staffing_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/orgs", orgs_io_router)
api.add_router("/orgs", orgs_router)
api.add_router("/", staffing_router)
api.add_router("/", personnel_io_router)
api.add_router("/", personnel_router)
api.add_router("/matters", matters_router)
api.add_router("/registrations", registration_router)
api.add_router("/annual-reports", annualreports_router)
api.add_router("/", public_router)  # /institutions/{credit_code}, /notices: no login

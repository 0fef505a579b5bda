"""The JSON API: every app's ninja router under /api/v1/, token or session auth."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from bianzhi.accounts.services import api_token_user
from bianzhi.core.errors import DomainError


class BearerToken(HttpBearer):
    """`Authorization: Bearer bz_…` issued to another department's system."""

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


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
    state of the register (control refusals, numbering, transitions), 404 outside scope."""
    from bianzhi.staffing.control import ControlRefused

    status = 400
    if isinstance(exc, ControlRefused) or exc.code in {"conflict", "invalid_transition"}:
        status = 409
    elif exc.code == "out_of_scope":
        status = 404
    return api.create_response(request, exc.as_dict(), status=status)


from bianzhi.core.api import router as core_router  # noqa: E402
from bianzhi.orgs.api import router as orgs_router  # noqa: E402
from bianzhi.orgs.api_io import router as orgs_io_router  # noqa: E402
from bianzhi.personnel.api import router as personnel_router  # noqa: E402
from bianzhi.personnel.api_io import router as personnel_io_router  # noqa: E402
from bianzhi.staffing.api import router as staffing_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/orgs", orgs_io_router)
api.add_router("/orgs", orgs_router)
api.add_router("/", staffing_router)
api.add_router("/", personnel_io_router)
api.add_router("/", personnel_router)

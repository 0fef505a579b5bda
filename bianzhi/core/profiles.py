"""Network profiles (docs/adr/0008): the extranet (政务外网) serves public-facing routes only.

On the intranet (涉密内网) every module is served. On the extranet a request whose path does not
start with one of `EXTRANET_ALLOWED_PREFIXES` answers 404 with a bilingual explanation and is
audited (`access.extranet_refused`); classified records are never served there because
`classification.effective_clearance` caps every clearance at 非密. The middleware also turns a
refused read above clearance into a bilingual 403 page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from .classification import AboveClearance


def extranet_allows(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.EXTRANET_ALLOWED_PREFIXES)


def _refusal(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "refused", "message": message}, status=status)
    body = render_to_string(
        "core/refused.html", {"title": title, "message": message}, request=request
    )
    return HttpResponse(body, status=status)


class NetworkProfileMiddleware:
    """Refuse intranet routes on the extranet; render refusals of reads above clearance."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.NETWORK == "extranet" and not extranet_allows(request.path):
            from bianzhi.audit.services import audit_record

            audit_record(
                "access.extranet_refused",
                entity="route",
                entity_id=request.path[:64],
                result="refused",
                reason="intranet route requested on the extranet",
                request=request,
            )
            return _refusal(
                request,
                404,
                "本功能仅在涉密内网提供 / Intranet only",
                "本功能仅在涉密内网提供，政务外网不提供此页面 / "
                "this function is served on the intranet only, not on the extranet",
            )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, AboveClearance):
            return _refusal(request, 403, "超出知悉范围 / Above your clearance", exception.message)
        return None

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header: only this server's own assets, no inline code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/v1/docs"):
            # The bundled Swagger UI sets style attributes; its scripts are local files.
            response.setdefault(
                "Content-Security-Policy",
                settings.CONTENT_SECURITY_POLICY.replace(
                    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
                ),
            )
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class RejectNulCharactersMiddleware:
    """Refuse a NUL character (U+0000) in the path, a query parameter or a form/JSON body with a
    400 naming the field: no text field may hold one (PostgreSQL cannot store it), so it is
    never valid input. Uploaded files are not inspected; they are bytes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._nul_field(request)
        if field is None:
            return self.get_response(request)
        body = {
            "code": "invalid",
            "field": field,
            "message": f"“{field}”含有空字符（U+0000），不允许",
            "message_en": f"{field}: the NUL character (U+0000) is not allowed",
        }
        if request.path.startswith("/api/"):
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(
            f"{body['message']} / {body['message_en']}", content_type="text/plain; charset=utf-8"
        )

    @staticmethod
    def _nul_field(request) -> str | None:
        if "\x00" in request.path:
            return "path"
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return key.replace("\x00", "")
        content_type = request.content_type or ""
        if request.method in {"POST", "PUT", "PATCH"} and content_type == "application/json":
            body = request.body
            if b"\\u0000" in body or b"\x00" in body:
                return "body"
        elif content_type == "application/x-www-form-urlencoded":
            for key, values in request.POST.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return key.replace("\x00", "")
        return None

from django.conf import settings


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

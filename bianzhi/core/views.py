"""Platform pages: health check, home, language switch."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.i18n import set_language

from bianzhi.core.permissions import LOGIN, public, requires
from bianzhi.orgs.queries import home_counts

from . import reference


@public
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@requires(LOGIN)
def home(request: HttpRequest) -> HttpResponse:
    """The registry's overview; the three administrators, who see no business data, and a
    body's own account go straight to their own workspace."""
    if not request.user.has_perm("orgs.view_org"):
        org = request.user.org
        if org is not None and org.category == "institution":
            return redirect("unit:home")  # a public institution's own account: its registration
        for permission, target in ADMIN_HOMES:
            if request.user.has_perm(permission):
                return redirect(target)
    counts = home_counts(request.user)
    categories = [
        (reference.code_label("org_category", code), code, count)
        for code, count in sorted(counts["by_category"].items(), key=lambda i: -i[1])
    ]
    return render(request, "core/home.html", {"counts": counts, "categories": categories})


# Where an account without business rights starts, by the first permission it holds.
ADMIN_HOMES = (
    ("matters.apply_matter", "matters:inbox"),  # a body's own account: its matters
    ("accounts.view_user", "security:accounts"),
    ("audit.view_auditevent", "audit:events"),
    ("audit.view_securityalert", "security:alerts"),
)

language = public(set_language)

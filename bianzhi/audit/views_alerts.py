"""Security alerts for the security administrator: list by state and rule, acknowledge."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.accounts.forms_admin import AcknowledgeForm
from bianzhi.core.errors import DomainError
from bianzhi.core.permissions import requires

from . import monitoring
from .models import SecurityAlert


@requires("audit.view_securityalert")
def alert_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    rule = request.GET.get("rule", "")
    qs = SecurityAlert.objects.select_related("subject", "acknowledged_by")
    if state == "open":
        qs = qs.filter(acknowledged_at__isnull=True)
    elif state == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    if rule in monitoring.RULE_LABELS:
        qs = qs.filter(rule=rule)
    page = Paginator(qs.order_by("-raised_at", "-id"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "rule": rule,
        "rules": sorted(monitoring.RULE_LABELS.items()),
        "form": AcknowledgeForm(),
    }
    return render(request, "audit/alerts.html", context)


@requires("audit.acknowledge_securityalert")
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(SecurityAlert, pk=alert_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect("security:alerts")
    try:
        monitoring.alert_acknowledge(
            actor=request.user, alert=alert, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        messages.success(request, _("Alert acknowledged (告警已确认)."))
    return redirect("security:alerts")

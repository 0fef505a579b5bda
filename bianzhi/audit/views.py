"""The auditor's pages: search the audit, see one event, export the filtered result."""

import csv
import io
import tempfile

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook

from bianzhi.core.permissions import requires

from . import queries
from .forms import EventSearchForm
from .services import audit_record

VIEW, EXPORT = "audit.view_auditevent", "audit.export_auditevent"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    "序号 seq",
    "链位置 chain",
    "时间 at",
    "账号 account",
    "节点 node",
    "地址 address",
    "操作 action",
    "对象类型 entity",
    "对象 ID",
    "结果 result",
    "原因 reason",
    "路径 path",
    "数据 data",
    "哈希 hash",
]


def _events(request: HttpRequest):
    form = EventSearchForm(request.GET or None)
    flt = form.to_filter() if request.GET else queries.EventFilter()
    if flt is None:
        return form, None, queries.visible_events(request.user).none()
    return form, flt, queries.search(request.user, flt)


@requires(VIEW)
def event_list(request: HttpRequest) -> HttpResponse:
    form, _flt, events = _events(request)
    before = request.GET.get("before", "")
    rows, next_cursor = queries.page(events, int(before) if before.isdigit() else None)
    query = request.GET.copy()
    query.pop("before", None)
    context = {"form": form, "rows": rows, "next": next_cursor, "query": query.urlencode()}
    return render(request, "audit/events.html", context)


@requires(VIEW)
def event_detail(request: HttpRequest, seq: int) -> HttpResponse:
    event = queries.visible_events(request.user).filter(seq=seq).first()
    if event is None:
        raise Http404
    return render(request, "audit/event.html", {"event": event})


def _row(event) -> list:
    return [
        event.seq,
        event.chain_seq,
        timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor_name,
        event.node,
        event.address or "",
        event.action,
        event.entity,
        event.entity_id,
        event.result,
        event.reason,
        event.path,
        "" if event.data is None else str(event.data),
        event.hash,
    ]


def _exported(request, flt, fmt: str, count: int) -> None:
    data = {"format": fmt, "rows": count, "filters": flt.as_data() if flt else {}}
    audit_record("audit.event.exported", request=request, entity="audit.auditevent", data=data)


@requires(EXPORT)
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered events as .csv (UTF-8 with BOM, for Excel) or .xlsx; itself audited."""
    _form, flt, events = _events(request)
    rows = list(events.iterator(chunk_size=2000))
    _exported(request, flt, fmt, len(rows))
    name = f"audit-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADERS)
        writer.writerows(_row(e) for e in rows)
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计 audit")
    sheet.append(HEADERS)
    for event in rows:
        sheet.append(_row(event))
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_TYPE)

"""The audit trail: list and export, for the audit administrator only, scoped to their subtree."""

import csv

from django.core.paginator import Paginator
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import render

from dangjian.core import audit
from dangjian.core.filters import AuditFilter
from dangjian.core.models import AuditEvent
from dangjian.core.views import ScopedView

EXPORT_MAX_ROWS = 100_000


class AuditListView(ScopedView):
    queryset = AuditEvent.objects.all()

    def get(self, request):
        events = AuditFilter(request.GET, queryset=self.get_queryset())
        for field in events.form.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if hasattr(field.widget, "choices") else "form-control"
            )
        page = Paginator(events.qs.order_by("-seq"), 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "core/audit_list.html", {"filter": events, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


class AuditExportView(ScopedView):
    queryset = AuditEvent.objects.all()
    action = "export"

    def get(self, request):
        events = AuditFilter(request.GET, queryset=self.get_queryset()).qs.order_by("seq")[:EXPORT_MAX_ROWS]
        with transaction.atomic():
            audit.record(
                "audit.export",
                actor=request.user,
                object_type="core.auditevent",
                object_repr="导出审计记录",
                after={"filter": request.GET.dict(), "limit": EXPORT_MAX_ROWS},
            )
        writer = csv.writer(_Echo())
        header = [
            "序号",
            "时间",
            "账号",
            "角色",
            "事件类型",
            "对象类型",
            "对象编号",
            "对象",
            "结果",
            "来源地址",
            "请求编号",
            "校验值",
        ]

        def rows():
            yield "\ufeff" + writer.writerow(header)
            for e in events.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        e.seq,
                        e.occurred_at.isoformat(),
                        e.actor_username,
                        e.actor_roles,
                        e.action,
                        e.object_type,
                        e.object_id,
                        _neutralise(e.object_repr),
                        e.outcome,
                        e.client_ip or "",
                        e.request_id,
                        e.hash,
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response


def _neutralise(value: str) -> str:
    """Spreadsheet formula injection guard: a cell starting with = + - @ is prefixed with a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value

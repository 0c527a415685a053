"""PRV-04 pages: the export requests a user made or may approve, one request (approve/refuse, download once)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, restrict
from dangjian.security import export_actions
from dangjian.security.models import ExportRequest, ExportRequestStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible(user):
    """A request is seen by its requester and by accounts whose approval right covers its scope (`restrict`)."""
    approvable = restrict(ExportRequest.objects.all(), user, export_actions.APPROVE_PERM)
    return (approvable | ExportRequest.objects.filter(requester=user)).select_related("requester", "decided_by")


def _allowed(user) -> bool:
    return has_permission(user, "members.export_member") or export_actions.may_approve_any(user)


def _get(user, pk) -> ExportRequest:
    if not _allowed(user):
        raise PermissionDenied
    request = _visible(user).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def export_requests(request):
    if not _allowed(request.user):
        raise PermissionDenied
    context = {
        "pending": list(export_actions.pending_for(request.user)[:100]),
        "mine": list(ExportRequest.objects.filter(requester=request.user).select_related("decided_by")[:100]),
    }
    return render(request, "security/export_requests.html", context)


def export_request(request, pk):
    export = _get(request.user, pk)
    context = {
        "export": export,
        "can_decide": export.status == ExportRequestStatus.PENDING
        and export.requester_id != request.user.pk
        and export_actions.may_approve(request.user, export),
        "can_download": export.status == ExportRequestStatus.APPROVED and export.requester_id == request.user.pk,
        "ttl_hours": int(export_actions._ttl_hours()),
    }
    return render(request, "security/export_request.html", context)


@require_POST
def export_decide(request, pk):
    export = _get(request.user, pk)
    if not export_actions.may_approve(request.user, export):
        raise PermissionDenied
    approve = request.POST.get("decision") == "approve"
    try:
        version = int(request.POST.get("version", "0"))
        export_actions.decide(
            export, actor=request.user, approve=approve, note=request.POST.get("note", ""), version=version
        )
    except ValueError:
        messages.error(request, "请求无效，请刷新后重试。")
    except (RuleViolation, ConcurrentEdit) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, "已批准该导出申请。" if approve else "已退回该导出申请。")
    return redirect("security:export_request", pk=export.pk)


@require_POST
def export_download(request, pk):
    from dangjian.members import exporter
    from dangjian.members.export_views import attachment_headers

    export = _get(request.user, pk)
    if export.requester_id != request.user.pk:
        raise Http404
    try:
        data, result = export_actions.download(export, actor=request.user)
    except (RuleViolation, OutOfScope) as exc:
        messages.error(request, exc.message)
        return redirect("security:export_request", pk=export.pk)
    except exporter.ExportFailed as exc:
        context = {"code": 507, "title": "导出未完成", "detail": str(exc)}
        return render(request, "core/error.html", context, status=507)
    except exporter.AuditUnavailable as exc:  # AU-05: the claim was released, nothing was handed out
        context = {"code": 503, "title": "导出未完成", "detail": str(exc)}
        return render(request, "core/error.html", context, status=503)
    if result.get("expired"):
        messages.error(request, "批准后超过下载有效期，申请已过期。如仍需要，请重新申请。")
        return redirect("security:export_request", pk=export.pk)
    response = HttpResponse(data, content_type=XLSX)
    attachment_headers(response, exporter.filename_for(timezone.localdate()))
    return response

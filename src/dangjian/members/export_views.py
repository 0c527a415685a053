"""Roster export pages: confirm (rows, masked or full), then the file, or a background job and its download.

The export takes the roster's own GET parameters, so it holds exactly the list on screen (all its pages).
Up to ``EXPORT_SYNC_MAX_ROWS`` rows the file is made inside the request and returned at once; a larger
export runs as a background job whose file only its creator may download, within ``EXPORT_LINK_TTL_HOURS``.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from dangjian.core import audit, tasks
from dangjian.core.errors import RuleViolation
from dangjian.core.models import Job, JobStatus, Outcome
from dangjian.core.scope import restrict
from dangjian.core.views import ScopedView
from dangjian.members import exporter
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.security import export_actions

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment_headers(response, filename: str) -> None:
    """RFC 6266 / RFC 5987: an ASCII fallback name, then the Chinese name as filename*."""
    fallback = "dangyuan-huamingce" + filename[len("党员花名册") :]
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"


def describe_filter(roster, user) -> list[tuple[str, str]]:
    """The conditions in force, as (label, value) pairs for the confirmation page."""
    if not roster.form.is_valid():
        return []
    out = []
    for name, value in roster.form.cleaned_data.items():
        if name == "sort" or value in (None, "", [], ()):
            continue
        field = roster.form.fields[name]
        if name == "subtree":
            org = restrict(Org.objects.all(), user).filter(pk=value).first()
            text = org.name if org else "（不在管辖范围内）"
        elif name == "q":
            text = exporter.audit_filter({"q": [value]})["q"][0]
        elif hasattr(field, "choices"):
            labels = {str(k): str(v) for k, v in field.choices}
            values = value if isinstance(value, list | tuple) else [value]
            text = "、".join(labels.get(str(v), str(v)) for v in values)
        else:
            text = str(value)
        out.append((str(field.label), text))
    return out


class ExportView(ScopedView):
    """GET: the confirmation page. POST: the file (small exports) or a background job (large ones)."""

    queryset = Member.objects.all()
    action = "export"

    def get(self, request):
        self.check_permission()
        if request.htmx:
            # The roster's 导出 button sends the filter form as it is now (htmx may have changed it since the
            # page was drawn); the confirmation is a whole page, so the browser goes there.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = request.get_full_path()
            return response
        return self.confirmation(exporter.filter_params(request.GET))

    def confirmation(self, params, *, error: str = "", purpose: str = "", status: int = 200):
        request = self.request
        roster = exporter.export_filter(request.user, params)
        count = exporter.export_queryset(request.user, params).count()
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "error": error,
            "purpose": purpose,
            "max_rows": export_actions.max_rows(),
            "count": count,
            "conditions": describe_filter(roster, request.user),
            "can_unmask": exporter.may_unmask(request.user),
            "background": count > exporter.sync_max_rows(),
            "sync_max": exporter.sync_max_rows(),
            "ttl_hours": int(exporter.link_ttl().total_seconds() // 3600),
            "query": query.urlencode(),
        }
        return render(request, "members/export.html", context, status=status)

    def post(self, request):
        self.check_permission()
        user = request.user
        params = exporter.filter_params(request.GET)
        unmask = request.POST.get("unmask") == "1"
        if unmask and not exporter.may_unmask(user):
            raise PermissionDenied
        count = exporter.export_queryset(user, params).count()
        # PRV-04: a stated purpose and the row cap for every export of personal data.
        purpose = request.POST.get("purpose", "").strip()[:200]
        problem = export_actions.refusal(rows=count, purpose=purpose)
        if problem:
            return self.confirmation(params, error=problem, purpose=purpose, status=400)
        if unmask:  # PRV-04: a full export needs a second person's approval; the file comes after it
            try:
                conditions = describe_filter(exporter.export_filter(user, params), user)
                export_request = export_actions.request_export(
                    actor=user, params=params, purpose=purpose, conditions=conditions
                )
            except RuleViolation as exc:
                return self.confirmation(params, error=exc.message, purpose=purpose, status=400)
            return redirect("security:export_request", pk=export_request.pk)
        if count > exporter.sync_max_rows():
            return self.start_job(params, unmask=unmask, purpose=purpose)
        return self.export_now(params, unmask=unmask, purpose=purpose)

    def export_now(self, params, *, unmask: bool, purpose: str = ""):
        path = exporter.export_dir() / f"sync-{uuid.uuid4().hex}.xlsx"
        try:
            exporter.export_to(self.request.user, params, path, unmask=unmask, mode="sync", purpose=purpose)
            data = path.read_bytes()
        except exporter.ExportFailed as exc:  # FLT-03: disk full; nothing kept, failure audited
            context = {"code": 507, "title": "导出未完成", "detail": str(exc)}
            return render(self.request, "core/error.html", context, status=507)
        except exporter.AuditUnavailable as exc:
            log.exception("roster export withdrawn: the audit event could not be written")
            context = {"code": 503, "title": "导出未完成", "detail": str(exc)}
            return render(self.request, "core/error.html", context, status=503)
        finally:
            path.unlink(missing_ok=True)  # RI-02: nothing of a direct download stays on disk
        response = HttpResponse(data, content_type=XLSX)
        attachment_headers(response, exporter.filename_for(timezone.localdate()))
        return response

    def start_job(self, params, *, unmask: bool, purpose: str = ""):
        from dangjian.core import context

        ctx = context.get()
        job = tasks.start(
            exporter.JOB_KIND,
            "导出党员花名册" + ("（含完整个人信息）" if unmask else ""),
            exporter.JOB_HANDLER,
            user=self.request.user,
            params={
                "filter": exporter.seal_params(params),
                "user_id": self.request.user.pk,
                "unmask": unmask,
                "purpose": purpose,
                "request_id": ctx.request_id,
                "client_ip": ctx.client_ip,
            },
        )
        return redirect("job", pk=job.pk)


def _gone(request, detail: str):
    context = {"code": 404, "title": "下载链接已失效", "detail": detail}
    return render(request, "core/error.html", context, status=404)


class ExportDownloadView(ScopedView):
    """The file of a finished background export: its creator only (404 for anyone else), within the TTL."""

    queryset = Member.objects.all()
    action = "export"

    def get(self, request, job_id):
        job = Job.objects.filter(
            pk=job_id, kind=exporter.JOB_KIND, created_by=request.user, status=JobStatus.SUCCEEDED
        ).first()
        if job is None:
            raise Http404
        # Revocation is immediate (AZ-05): the creator must still hold the permissions the file needed.
        self.check_permission()
        if job.result.get("unmasked") and not exporter.may_unmask(request.user):
            raise PermissionDenied
        path = exporter.job_file(job.pk)
        finished = job.finished_at or job.created_at
        if timezone.now() - finished > exporter.link_ttl():
            path.unlink(missing_ok=True)
            hours = int(exporter.link_ttl().total_seconds() // 3600)
            return _gone(request, f"导出文件已超过 {hours} 小时的下载有效期，文件已删除。请重新导出。")
        if not path.is_file():
            return _gone(request, "导出文件已删除，请重新导出。")
        digest = exporter.file_digest(path)
        if digest != job.result.get("digest"):
            log.error("export %s: file digest does not match the recorded one", job.pk)
            audit.record(
                "member.export_download",
                actor=request.user,
                object_type="core.job",
                object_id=str(job.pk),
                object_repr=job.label,
                outcome=Outcome.FAILURE,
                after={"reason": "digest mismatch", "digest": digest},
            )
            return _gone(request, "导出文件校验不符，已停止下载。请重新导出。")
        audit.record(
            "member.export_download",
            actor=request.user,
            object_type="core.job",
            object_id=str(job.pk),
            object_repr=job.label,
            after={"rows": job.result.get("rows"), "unmasked": bool(job.result.get("unmasked")), "digest": digest},
        )
        response = FileResponse(path.open("rb"), content_type=XLSX)
        attachment_headers(response, exporter.filename_for(timezone.localdate(finished)))
        return response

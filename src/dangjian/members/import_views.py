"""Roster import pages: upload, preview report, confirm, roll back, template and problem list."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from dangjian.core import tasks
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.forms import StyledFormMixin
from dangjian.core.models import Job
from dangjian.core.tasks import read_progress
from dangjian.core.views import ScopedView
from dangjian.members import importer
from dangjian.members.columns import HEADERS
from dangjian.members.models import ImportBatch, ImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label="党员名册（xlsx）")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 文件（可先下载模板）。")
        if upload.size > importer.MAX_FILE_BYTES:
            raise forms.ValidationError("文件过大，请拆分后导入。")
        return upload


def attachment(data: bytes, filename: str) -> FileResponse:
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=XLSX)


class ImportView(ScopedView):
    queryset = ImportBatch.objects.select_related("created_by")
    action = "members.import_member"

    def get(self, request, form=None):
        batches = self.get_queryset().order_by("-created_at")[:20]
        return render(request, "members/import.html", {"form": form or UploadForm(), "batches": batches})

    def post(self, request):
        self.check_permission()
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.get(request, form)
        try:
            batch = importer.store_upload(form.cleaned_data["file"], user=request.user)
        except (RuleViolation, OutOfScope) as exc:
            form.add_error("file", str(exc))
            return self.get(request, form)
        earlier = importer.previous_commit(batch)
        if earlier is not None:
            messages.warning(
                request,
                f"该文件已于{timezone.localtime(earlier.committed_at):%Y-%m-%d %H:%M}导入过，以下为当时的导入结果。",
            )
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, message="重复上传的文件，未导入")
            return redirect("members:import_batch", pk=earlier.pk)
        job = tasks.start("member_import_preview", f"校验：{batch.filename}", "dangjian.members.importer.preview_job",
                          user=request.user, params={"batch": batch.pk, "user": request.user.pk})  # fmt: skip
        ImportBatch.objects.filter(pk=batch.pk).update(preview_job=job)
        return redirect("members:import_batch", pk=batch.pk)


class TemplateView(ScopedView):
    queryset = ImportBatch.objects.all()
    action = "members.import_member"

    def get(self, request):
        self.check_permission()
        buffer = io.BytesIO()
        importer.write_template(buffer, user=request.user)
        return attachment(buffer.getvalue(), "党员信息导入模板.xlsx")


class BatchView(ScopedView):
    queryset = ImportBatch.objects.select_related("created_by", "preview_job", "commit_job", "scope_org")
    action = "members.import_member"

    def get(self, request, pk):
        batch = self.get_object(pk=pk)
        problems = Paginator(batch.problems, 100).get_page(request.GET.get("page"))
        job = (
            batch.commit_job
            if batch.status == ImportStatus.COMMITTING
            or (batch.commit_job and batch.commit_job.status in ("pending", "running"))
            else batch.preview_job
        )
        running = job is not None and job.status in ("pending", "running")
        context = {
            "batch": batch,
            "problems": problems,
            "job": job,
            "running": running,
            "progress": read_progress(job) if running else {},
            "can_commit": batch.status == ImportStatus.PREVIEWED and batch.error_rows == 0 and not running,
            "can_rollback": batch.status == ImportStatus.COMMITTED,
            "headers": HEADERS,
        }
        return render(request, "members/import_batch.html", context)


class CommitView(ScopedView):
    queryset = ImportBatch.objects.all()
    action = "members.import_member"

    def post(self, request, pk):
        batch = self.get_object(pk=pk)
        running = Job.objects.filter(pk=batch.commit_job_id, status__in=["pending", "running"]).exists()
        if running:
            messages.info(request, "该批次正在导入，请稍候。")
            return redirect("members:import_batch", pk=batch.pk)
        job = tasks.start("member_import_commit", f"导入：{batch.filename}", "dangjian.members.importer.commit_job",
                          user=request.user, params={"batch": batch.pk, "user": request.user.pk})  # fmt: skip
        ImportBatch.objects.filter(pk=batch.pk).update(commit_job=job)
        job.refresh_from_db()
        if job.status == "failed":
            messages.error(request, job.message)
        elif job.status == "succeeded":
            messages.success(request, job.message)
        return redirect("members:import_batch", pk=batch.pk)


class RollbackView(ScopedView):
    queryset = ImportBatch.objects.all()
    action = "members.import_member"

    def post(self, request, pk):
        batch = self.get_object(pk=pk)
        try:
            done = importer.rollback(batch, user=request.user)
        except (RuleViolation, OutOfScope) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"已撤销本批导入：删除新增的 {done['removed']} 人，恢复更新前的 {done['restored']} 人。"
            )
        return redirect("members:import_batch", pk=batch.pk)


class ProblemsView(ScopedView):
    queryset = ImportBatch.objects.all()
    action = "members.import_member"

    def get(self, request, pk):
        import xlsxwriter

        batch = self.get_object(pk=pk)
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
        sheet = book.add_worksheet("问题清单")
        bold = book.add_format({"bold": True})
        for i, header in enumerate(("行号", "列", "类型", "问题", "原值")):
            sheet.write_string(0, i, header, bold)
        for r, p in enumerate(batch.problems, start=1):
            sheet.write_number(r, 0, p["row"])
            sheet.write_string(r, 1, p["column"])
            sheet.write_string(r, 2, "错误" if p["level"] == "error" else "提示")
            sheet.write_string(r, 3, p["message"])
            value = p.get("value", "")
            sheet.write_string(r, 4, "'" + value if value[:1] in ("=", "+", "-", "@") else value)
        sheet.set_column(3, 3, 60)
        book.close()
        return attachment(buffer.getvalue(), f"导入问题清单-{batch.pk}.xlsx")

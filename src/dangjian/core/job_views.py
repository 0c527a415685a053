"""A background job's progress, polled by the page that started it (htmx, every second)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from dangjian.core.models import Job, JobStatus
from dangjian.core.tasks import read_progress


def job_status(request, pk):
    # Jobs are personal, not organization data: only the account that started one may follow it.
    job = get_object_or_404(Job, pk=pk, created_by=request.user)
    progress = read_progress(job)
    percent = int(100 * progress["done"] / progress["total"]) if progress.get("total") else 0
    finished = job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
    if finished and job.status == JobStatus.SUCCEEDED and job.result.get("url") and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = job.result["url"]
        return response
    context = {"job": job, "progress": progress, "percent": percent, "finished": finished}
    template = "core/_job.html" if request.htmx else "core/job.html"
    return render(request, template, context)

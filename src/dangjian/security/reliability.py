"""FLT-01: background jobs whose worker died (SIGKILL, power loss) are marked failed.

A job's writes run in one transaction, so a killed worker leaves nothing half-written; only the job row,
updated outside that transaction, still says "running". `reap_interrupted_jobs` marks such jobs failed:
at start-up of `dangjian serve` every running job is dead (the worker starts after it), and periodically
a running job whose progress file has not moved for `stale_minutes` is taken as dead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.models import Job, JobStatus, Outcome

MESSAGE = "任务中断（后台进程意外退出），未写入任何数据，可以重新运行。"


def reap_interrupted_jobs(*, all_running: bool = False, stale_minutes: int = 30) -> list[int]:
    from dangjian.core.tasks import _progress_path

    now = timezone.now()
    reaped = []
    for job in Job.objects.filter(status=JobStatus.RUNNING):
        progress = _progress_path(job.pk)
        last = job.started_at or job.created_at
        if progress.exists():
            last = max(last, datetime.fromtimestamp(progress.stat().st_mtime, tz=UTC))
        if all_running or now - last > timedelta(minutes=stale_minutes):
            with transaction.atomic():
                Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                    status=JobStatus.FAILED, message=MESSAGE, finished_at=now
                )
                audit.record("job.interrupted", obj=job, outcome=Outcome.FAILURE, after={"kind": job.kind})
            progress.unlink(missing_ok=True)
            reaped.append(job.pk)
    return reaped

"""Background jobs with progress, on django-tasks (the backport of Django 6's tasks framework).

A `Job` row says who started what and how it ended. The work runs in the task worker
(`dangjian manage db_worker`, which `dangjian serve` starts beside the web server) or, with the
immediate backend used by the tests, synchronously. While a job runs it reports progress to a small
JSON file in the data directory: the job's own transaction may hold the database's write lock for
its whole run, so progress cannot go through the database.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.models import Job, JobStatus

log = logging.getLogger(__name__)
USER_ERRORS = (RuleViolation, ConcurrentEdit, OutOfScope)


def _progress_path(job_id: int) -> Path:
    directory = Path(settings.DATA_DIR) / "jobs"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{job_id}.json"


class Progress:
    """Handed to a job's handler: `report(done, total, phase)` at most a few times a second."""

    def __init__(self, job: Job, interval: float = 0.5):
        self.job = job
        self.interval = interval
        self._last = 0.0

    def report(self, done: int, total: int, phase: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        path = _progress_path(self.job.pk)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": done, "total": total, "phase": phase}, ensure_ascii=False))
        os.replace(tmp, path)


def read_progress(job: Job) -> dict:
    path = _progress_path(job.pk)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"done": 0, "total": 0, "phase": ""}


@task()
def run_job(job_id: int) -> None:
    if not connection.in_atomic_block:  # a worker between jobs; never inside a request's transaction
        close_old_connections()
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.PENDING:
        return
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    progress = Progress(job)
    try:
        result = import_string(job.handler)(job, progress) or {}
    except USER_ERRORS as exc:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=str(exc), finished_at=timezone.now())
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, message="系统错误，任务未完成，数据未作修改。", finished_at=timezone.now()
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED,
            result=result,
            message=result.get("message", ""),
            finished_at=timezone.now(),
        )
    finally:
        _progress_path(job.pk).unlink(missing_ok=True)
        audit.settle_alarms()  # AU-05: an alarm raised inside the job's rolled-back transaction lands now


def start(kind: str, label: str, handler: str, *, user, params: dict | None = None) -> Job:
    """Create a job and hand it to the worker (after the surrounding transaction commits)."""
    job = Job.objects.create(kind=kind, label=label, handler=handler, params=params or {}, created_by=user)
    if isinstance(run_job.get_backend(), ImmediateBackend):
        run_job.call(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job

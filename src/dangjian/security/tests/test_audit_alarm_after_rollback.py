"""AU-05: when the audit write fails inside the transaction of a background job or of a `dangjian manage` command,
the change is rolled back and the security alert still lands (written after the rollback, not inside it)."""

import os
import time

import pytest
from django.db import transaction

from dangjian import cli
from dangjian.core import audit, tasks
from dangjian.core.models import Job, JobStatus
from dangjian.orgs.models import Org
from dangjian.security.models import AlertKind, SecurityAlert


def _broken(**fields):
    raise RuntimeError("audit sink down")


def rename_village(job, progress):
    """A job handler: one change and its audit event in one transaction."""
    with transaction.atomic():
        Org.objects.filter(pk=job.params["org"]).update(name="改名后的支部")
        audit.record("org.update", object_type="orgs.org", object_id=str(job.params["org"]))
    return {"message": "done"}


def test_an_alarm_raised_inside_a_jobs_transaction_lands_after_the_rollback(orgs, monkeypatch):
    monkeypatch.setattr(audit, "_append", _broken)
    village = orgs["village"]
    job = tasks.start(
        "test", "测试任务", f"{__name__}.rename_village", user=None, params={"org": village.pk}
    )  # immediate backend in the suite: runs now
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert Org.objects.get(pk=village.pk).name == village.name  # rolled back
    alert = SecurityAlert.objects.get(kind=AlertKind.AUDIT_WRITE)
    assert "org.update" in alert.message


def test_without_the_settlement_the_alarm_would_be_lost(orgs, monkeypatch):
    """The alarm is held while the transaction is open; it is the end of the job that writes it."""
    monkeypatch.setattr(audit, "_append", _broken)
    monkeypatch.setattr(audit, "settle_alarms", lambda: None)
    job = Job.objects.create(
        kind="test", label="测试任务", handler=f"{__name__}.rename_village", params={"org": orgs["village"].pk}
    )
    tasks.run_job.call(job.pk)
    assert not SecurityAlert.objects.filter(kind=AlertKind.AUDIT_WRITE).exists()
    from dangjian.security import alerts

    alerts.flush()
    assert SecurityAlert.objects.filter(kind=AlertKind.AUDIT_WRITE).exists()


def test_an_alarm_raised_inside_a_commands_transaction_lands_after_the_rollback(db, settings, monkeypatch, tmp_path):
    settings.DATA_DIR = tmp_path
    old = tmp_path / "exports" / "old.xlsx"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x")
    long_ago = time.time() - 3 * 86400
    os.utime(old, (long_ago, long_ago))
    monkeypatch.setattr(audit, "_append", _broken)
    # run_from_argv closes every connection when the command ends (the alarm then opens a fresh one); here that
    # would end the test's own transaction on PostgreSQL, so the connections stay open.
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    with pytest.raises(audit.AuditUnavailable):
        cli.main(["manage", "purge_files"])  # its audit event is written inside transaction.atomic()
    alert = SecurityAlert.objects.get(kind=AlertKind.AUDIT_WRITE)
    assert "system.purge_files" in alert.message

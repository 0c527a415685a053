"""FLT-03 / REL-08: the disk fills up while an export or a backup is written. Fault injection in the writer
(ENOSPC after a few kilobytes, or at fsync): a clear Chinese failure, no partial or corrupt file left, offered
or listed, and the failure audited."""

import errno
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dangjian.core import audit
from dangjian.core.models import AuditEvent, Job, JobStatus, Outcome
from dangjian.members import exporter
from dangjian.security import backup
from dangjian.security.models import SecurityAlert


class FullDisk:
    """A file that accepts `room` bytes, then fails like a full disk (the bytes before stay on disk)."""

    def __init__(self, path, room: int):
        self._fh = open(path, "wb")
        self._room = room
        self._failed = False

    def write(self, data):
        if self._failed:  # the abandoned zip object's finaliser writes again: nothing more lands on disk
            return len(data)
        if self._fh.tell() + len(data) > self._room:
            self._failed = True
            self._fh.write(data[: max(0, self._room - self._fh.tell())])
            self._fh.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)


@pytest.fixture
def full_disk(monkeypatch):
    """xlsxwriter's zip container is written into a `FullDisk` with 4 KiB of room."""
    import xlsxwriter.workbook

    real = zipfile.ZipFile

    def zip_on_a_full_disk(file, *args, **kwargs):
        return real(FullDisk(file, 4096), *args, **kwargs)

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", zip_on_a_full_disk)


def export_files():
    return sorted(p.name for p in exporter.export_dir().iterdir())


def test_disk_full_during_a_direct_export(client_as, people, full_disk):
    before = export_files()
    response = client_as("county_admin").post(reverse("members:export"), {"unmask": "0", "purpose": "年度党员信息核对"})
    assert response.status_code == 507
    assert "磁盘空间不足，导出未完成，未生成任何文件" in response.content.decode()
    assert export_files() == before  # neither the temp file nor a partial export is left
    event = AuditEvent.objects.get(action="member.export")
    assert event.outcome == Outcome.FAILURE
    assert event.after["error"] == "ENOSPC"
    assert event.after["purpose"] == "年度党员信息核对"
    assert audit.verify() is None


def test_disk_full_during_a_background_export_offers_no_download(client_as, people, full_disk, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    client = client_as("county_admin")
    response = client.post(reverse("members:export"), {"unmask": "0", "purpose": "年度党员信息核对"})
    assert response.status_code == 302
    job = Job.objects.get(kind=exporter.JOB_KIND)
    assert job.status == JobStatus.FAILED
    assert "磁盘空间不足" in job.message
    assert not exporter.job_file(job.pk).exists()
    assert client.get(reverse("members:export_download", args=[job.pk])).status_code == 404
    assert [p for p in export_files() if p.endswith(".tmp")] == []
    assert AuditEvent.objects.get(action="member.export").outcome == Outcome.FAILURE


def test_disk_full_at_fsync_leaves_no_file(people, tmp_path, monkeypatch, personas):
    def fsync_fails(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exporter.os, "fsync", fsync_fails)
    with pytest.raises(exporter.ExportFailed, match="磁盘空间不足"):
        exporter.export_to(personas["county_admin"], {}, tmp_path / "x.xlsx", unmask=False, mode="sync")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def county(transactional_db, orgs, personas, people):
    return people


def test_disk_full_during_a_backup_leaves_no_backup(county, tmp_path, monkeypatch):
    real_dump = backup._dump

    def dump_then_disk_full(alias, target):
        real_dump(alias, target)
        with open(target, "r+b") as fh:  # the dump got half way
            fh.truncate(fh.seek(0, 2) // 2)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup, "_dump", dump_then_disk_full)
    with pytest.raises(backup.BackupError, match="磁盘空间不足"):
        backup.backup(directory=tmp_path)
    assert list(tmp_path.iterdir()) == []
    event = AuditEvent.objects.filter(action="system.backup").get()
    assert event.outcome == Outcome.FAILURE
    assert event.after == {"error": "disk full"}


def test_disk_full_while_writing_the_manifest_removes_the_backup(county, tmp_path, monkeypatch, capsys):
    real_replace = backup._fsync_replace

    def manifest_fails(tmp, final):
        if final.name.endswith(".json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(tmp, final)

    monkeypatch.setattr(backup, "_fsync_replace", manifest_fails)
    with pytest.raises(CommandError, match="磁盘空间不足"):
        call_command("backup", "--dir", str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # no backup without its manifest, nothing listed
    assert SecurityAlert.objects.filter(kind="backup", message__contains="磁盘空间不足").exists()
    assert audit.verify() is None


class _FullDisk:
    """A log stream on a full disk: every write fails with ENOSPC."""

    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_log_disk_does_not_break_requests(client_as, personas, monkeypatch, capsys):
    """FLT-03 for logs: the application logs only to standard error (settings.LOGGING, collected by the service
    manager); when that stream cannot be written, Python's logging reports the failure and the request goes on."""
    import logging

    from django.conf import settings

    assert {h["class"] for h in settings.LOGGING["handlers"].values()} == {"logging.StreamHandler"}
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]  # not pytest's
    assert handlers
    for handler in handlers:
        monkeypatch.setattr(handler, "stream", _FullDisk())
    client = client_as("county_admin")
    assert client.get("/no-such-page/").status_code == 404  # django.request logs a warning for it
    assert client.get(reverse("orgs:tree")).status_code == 200
    logging.getLogger("dangjian").error("written to a full disk")
    assert "No space left on device" in capsys.readouterr().err  # logging's own report of the failed write

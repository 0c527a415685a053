"""RI-02 file retention and permissions, AU-04 audit archive with its own chain, AU-03 daily check alert."""

import json
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.models import AuditEvent
from dangjian.core.todos import collect
from dangjian.security import archive, retention, rules
from dangjian.security.models import AlertKind, SecurityAlert
from dangjian.security.testing import audit_unguarded


def test_expiry_rule_table():
    now = timezone.now()
    for age_hours, ttl, expected in [(1, 24, False), (25, 24, True), (24, 24, False), (3, 2, True)]:
        assert rules.expired_file(now - timedelta(hours=age_hours), now, ttl) is expected


def test_expired_temporary_files_are_deleted_and_records_kept(settings, db):
    data = settings.DATA_DIR
    old_export = data / "exports" / "old.xlsx"
    new_export = data / "exports" / "new.xlsx"
    old_import = data / "uploads" / "imports" / "old.xlsx"
    document = data / "uploads" / "members" / "x" / "old.pdf"  # a member's record, not temporary
    for path in (old_export, new_export, old_import, document):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    long_ago = (timezone.now() - timedelta(hours=30)).timestamp()
    for path in (old_export, old_import, document):
        os.utime(path, (long_ago, long_ago))
    deleted = retention.purge()
    assert set(deleted) == {old_export, old_import}
    assert new_export.exists()
    assert document.exists()
    assert AuditEvent.objects.get(action="system.purge_files").after["count"] == 2


def test_files_written_by_the_application_are_not_world_readable(client_as, personas, settings):
    from dangjian.members import exporter

    path = exporter.export_dir() / "probe.xlsx"
    path.write_bytes(b"probe")
    assert path.stat().st_mode & 0o077 == 0
    assert retention.world_readable([path]) == []
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600


def test_purge_command(db, capsys):
    call_command("purge_files")
    assert "已删除" in capsys.readouterr().out


@pytest.fixture
def trail(personas):
    return list(AuditEvent.objects.order_by("seq"))


def test_archive_carries_its_own_chain_and_verifies(trail, tmp_path):
    path = tmp_path / "audit.jsonl"
    trailer = archive.export(path)
    assert trailer["count"] == len(trail)
    assert archive.verify_archive(path) is None
    assert path.stat().st_mode & 0o077 == 0
    assert AuditEvent.objects.filter(action="audit.archive").exists()
    assert audit.verify() is None


def test_archive_detects_edit_deletion_and_truncation(trail, tmp_path):
    path = tmp_path / "audit.jsonl"
    archive.export(path)
    lines = path.read_bytes().splitlines()

    edited = json.loads(lines[1])
    edited["event"]["actor_username"] = "someone_else"
    path.write_bytes(b"\n".join([lines[0], json.dumps(edited).encode(), *lines[2:]]) + b"\n")
    assert "被修改" in archive.verify_archive(path)

    path.write_bytes(b"\n".join([lines[0], *lines[2:]]) + b"\n")
    assert "链接不符" in archive.verify_archive(path)

    path.write_bytes(b"\n".join(lines[:-1]) + b"\n")
    assert "截断" in archive.verify_archive(path)


def test_archive_until_a_date(trail, tmp_path):
    path = tmp_path / "audit.jsonl"
    assert archive.export(path, until=timezone.now() - timedelta(days=1))["count"] == 0
    call_command("audit_archive", str(path))
    call_command("audit_archive", str(path), verify=True)


def test_daily_check_alerts_security_and_audit_administrators(client_as, personas):
    assert call_command("verify_audit_daily") is None
    with audit_unguarded():
        AuditEvent.objects.filter(seq=2).update(object_repr="tampered")
    with pytest.raises(SystemExit):
        call_command("verify_audit_daily")
    with pytest.raises(SystemExit):
        call_command("verify_audit_daily")
    assert SecurityAlert.objects.filter(kind=AlertKind.AUDIT_CHAIN, resolved_at__isnull=True).count() == 1
    today = timezone.localdate()
    for username in ("security_admin", "auditor"):
        groups = dict(collect(personas[username], today))
        assert "安全告警" in groups
    for username in ("system_admin", "county_admin"):
        assert "安全告警" not in dict(collect(personas[username], today))
    page = client_as("auditor").get(reverse("security:alerts"))
    assert "审计记录哈希链断裂" in page.content.decode()
    assert client_as("county_admin").get(reverse("security:alerts")).status_code == 403
    alert = SecurityAlert.objects.get()
    client_as("security_admin").post(reverse("security:alerts"), {"alert": alert.pk})
    assert SecurityAlert.objects.get().resolved_at is not None

"""AU-05 / FLT-03: when the audit writer fails, the operation it records fails too (503 in Chinese, nothing
written, no file) and an alarm (security alert) is raised; a full audit store blocks sensitive operations with
its own message."""

import errno
import json

import pytest
from django.db import OperationalError
from django.urls import reverse

from dangjian.core import audit
from dangjian.core.models import AuditEvent
from dangjian.members import exporter
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.security.models import AlertKind, ExportRequest, SecurityAlert


def _broken(exc):
    def writer(**fields):
        raise exc

    return writer


def _state():
    """What a refused operation must leave as it was."""
    return (
        AuditEvent.objects.count(),
        Org.objects.count(),
        list(Member.objects.order_by("pk").values_list("pk", "version", "job_title", "phone_cipher")),
        ExportRequest.objects.count(),
    )


def _export_files():
    return sorted(p.name for p in exporter.export_dir().iterdir())


FAILURES = [
    pytest.param(RuntimeError("audit sink down"), "审计记录", id="writer-raises"),
    pytest.param(OperationalError("database or disk is full"), "审计存储空间已满", id="sqlite-disk-full"),
    pytest.param(OSError(errno.ENOSPC, "No space left on device"), "审计存储空间已满", id="enospc"),
]


@pytest.mark.parametrize(("failure", "message"), FAILURES)
def test_export_fails_closed_with_a_503_no_file_and_an_alarm(client_as, people, monkeypatch, failure, message):
    client = client_as("county_admin")
    files, before = _export_files(), _state()
    monkeypatch.setattr(audit, "_append", _broken(failure))
    response = client.post(reverse("members:export"), {"unmask": "0", "purpose": "年度党员信息核对"})
    assert response.status_code == 503
    assert message in response.content.decode()
    assert "导出未完成" in response.content.decode()
    assert _export_files() == files  # no file, no temporary left behind
    monkeypatch.undo()
    assert _state() == before
    alert = SecurityAlert.objects.get(kind=AlertKind.AUDIT_WRITE, resolved_at__isnull=True)
    assert "member.export" in alert.message


@pytest.mark.parametrize(("failure", "message"), FAILURES)
def test_a_business_write_fails_closed(client_as, orgs, people, monkeypatch, failure, message):
    """A member update through the API and an org created through a page: 503, nothing written."""
    client = client_as("county_admin")
    zhang = people["zhang"]
    before = _state()
    monkeypatch.setattr(audit, "_append", _broken(failure))
    response = client.patch(
        f"/api/v1/members/{zhang.pk}/",
        json.dumps({"job_title": "村会计", "version": zhang.version}),
        content_type="application/json",
    )
    assert response.status_code == 503
    assert message in response.json()["detail"]
    form = {"name": "新建村党支部", "kind": "branch", "sector": "rural", "code": "NEW001",
            "established_on": "2026-01-01", "sort_order": 0}  # fmt: skip
    response = client.post(reverse("orgs:create", args=[orgs["town2"].pk]), form)
    assert response.status_code == 503
    assert message in response.content.decode()
    assert "Traceback" not in response.content.decode()
    monkeypatch.undo()
    assert _state() == before
    assert (
        SecurityAlert.objects.filter(kind=AlertKind.AUDIT_WRITE).count() == 1
    )  # one standing alarm, not one per failure
    # Once the audit store works again, so does the operation.
    response = client.patch(
        f"/api/v1/members/{zhang.pk}/",
        json.dumps({"job_title": "村会计", "version": zhang.version}),
        content_type="application/json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(("failure", "message"), FAILURES)
def test_an_unmasking_fails_closed_and_shows_nothing(client_as, people, monkeypatch, failure, message):
    client = client_as("county_admin")
    zhang = people["zhang"]
    before = _state()
    monkeypatch.setattr(audit, "_append", _broken(failure))
    response = client.post(reverse("members:reveal", args=[zhang.pk, "id_number"]))
    assert response.status_code == 503
    body = response.content.decode()
    assert message in body
    assert zhang.get_secret("id_number") not in body
    monkeypatch.undo()
    assert _state() == before
    assert SecurityAlert.objects.filter(kind=AlertKind.AUDIT_WRITE).exists()


def test_a_lost_connection_stays_a_database_outage():
    """FLT-02 keeps its own answer: a dropped connection is not an audit-store failure (no alarm, re-raised)."""
    assert not audit.is_disk_full(OperationalError("server closed the connection unexpectedly"))
    assert audit.is_disk_full(OperationalError("could not extend file: No space left on device"))


def test_lost_connection_during_the_audit_write_is_re_raised(db, monkeypatch):
    monkeypatch.setattr(audit, "_append", _broken(OperationalError("server closed the connection unexpectedly")))
    with pytest.raises(OperationalError):
        audit.record("test.event")
    assert not SecurityAlert.objects.exists()


def test_outside_a_request_the_alarm_is_written_at_once(db, monkeypatch):
    monkeypatch.setattr(audit, "_append", _broken(RuntimeError("sink down")))
    with pytest.raises(audit.AuditUnavailable):
        audit.record("system.backup")
    assert "system.backup" in SecurityAlert.objects.get(kind=AlertKind.AUDIT_WRITE).message

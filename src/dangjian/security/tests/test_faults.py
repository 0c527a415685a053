"""FLT-01: the import worker killed with SIGKILL in the middle of its commit leaves no partial rows,
the job is marked failed, and a rerun commits exactly once. Runs against a real SQLite file in child
processes (DANGJIAN_FAULT_ROWS sets the size; 2,000 by default, 50,000 for the nightly drill)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("fault_worker.py")


def _run(phase, arg, env, *, expect_kill=False):
    result = subprocess.run(
        [sys.executable, str(WORKER), phase, str(arg)], env=env, capture_output=True, text=True, timeout=540
    )
    if expect_kill:
        assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
        return None
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "") != "", reason="the drill runs on its own SQLite file")
def test_import_worker_killed_mid_commit_writes_nothing_and_a_rerun_succeeds(tmp_path):
    rows = int(os.environ.get("DANGJIAN_FAULT_ROWS", "2000"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DANGJIAN_", "PYTEST"))},
        "DANGJIAN_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "dangjian.settings",
    }
    batch = _run("setup", rows, env)["batch"]
    before = _run("state", batch, env)
    assert before["batch"] == "previewed"

    _run("commit-and-die", batch, env, expect_kill=True)
    after_kill = _run("state", batch, env)
    assert after_kill["members"] == before["members"]  # no partial rows
    assert after_kill["batch"] == "previewed"  # nothing committed; the batch can be committed again
    assert after_kill["jobs"] == ["running"]  # the dead worker could not say so itself

    _run("reap", "", env)
    assert _run("state", batch, env)["jobs"] == ["failed"]

    rerun = _run("commit", batch, env)
    assert rerun["status"] == "succeeded"
    final = _run("state", batch, env)
    assert final["members"] == before["members"] + rows
    assert final["batch"] == "committed"


def test_database_outage_gives_a_chinese_503_and_writes_nothing(client_as, personas, orgs, monkeypatch):
    """FLT-02: the connection fails in the middle of a change: a 503 page in Chinese without a trace,
    nothing half-written (the org row and its audit event share one transaction), recovery without restart."""
    from django.db import OperationalError
    from django.urls import reverse

    from dangjian.core import audit
    from dangjian.orgs.models import Org

    client = client_as("county_admin")
    before = Org.objects.count()
    events = audit.AuditEvent.objects.count()

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    form = {"name": "新建村党支部", "kind": "branch", "sector": "rural", "code": "NEW001",
            "established_on": "2026-01-01", "sort_order": 0}  # fmt: skip
    monkeypatch.setattr(audit, "record", lost)
    response = client.post(reverse("orgs:create", args=[orgs["town2"].pk]), form)
    assert response.status_code == 503
    body = response.content.decode()
    assert "数据库暂时无法访问" in body
    assert "Traceback" not in body
    assert response["Retry-After"] == "10"
    assert client.get("/api/v1/orgs/").status_code == 200  # reads that need no failing call still work
    monkeypatch.undo()
    assert Org.objects.count() == before  # the insert was rolled back with the failed audit write
    assert audit.AuditEvent.objects.count() == events
    assert client.post(reverse("orgs:create", args=[orgs["town2"].pk]), form).status_code == 302  # recovered
    assert Org.objects.count() == before + 1


def test_database_gone_while_the_session_is_read_is_a_chinese_503(client_as, personas, monkeypatch):
    """FLT-02, found by the PostgreSQL restart drill: the outage is met in a middleware (the session is read
    before any view runs), where process_exception never sees it; handler500 answers it with the 503."""
    from importlib import import_module

    from django.conf import settings
    from django.db import OperationalError
    from django.test import Client

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # the store in use (core.sessions)

    client = client_as("county_admin")
    cookies = client.cookies

    def gone(self):
        raise OperationalError("the connection is closed")

    monkeypatch.setattr(SessionStore, "load", gone)
    fresh = Client(raise_request_exception=False)
    fresh.cookies = cookies
    page = fresh.get("/")
    assert page.status_code == 503
    assert "数据库暂时无法访问" in page.content.decode()
    assert "Traceback" not in page.content.decode()
    api = fresh.get("/api/v1/orgs/")
    assert api.status_code == 503
    assert api.json()["detail"].startswith("数据库暂时无法访问")

"""FLT-02 drill on a real PostgreSQL outage: a private, throwaway cluster (initdb in a temporary directory,
its own port; the shared cluster is never touched) is stopped with `pg_ctl stop -m immediate` for 13 seconds
(longer than the connection pool's 10 s wait) and started again while two clients keep creating orgs and
reading the org list. Pass: no 5xx other than the Chinese 503, every org that was reported created exists
with its audit event (and none exists without one), the audit chain verifies, and the site serves again
without restarting the process.

Runs only when the suite runs on PostgreSQL and the server binaries are here and may be run (as the
postgres account: root with `su`, or as postgres itself); otherwise it is skipped with the reason."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

WORKER = Path(__file__).with_name("pg_restart_worker.py")
PG_BIN = Path(os.environ.get("DANGJIAN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["su", "-s", "/bin/sh", "-c", 'cd /tmp && exec "$0" "$@"', "--", "postgres", *args]
    return args


def _why_not() -> str:
    if connection.vendor != "postgresql":
        return "the suite is not running on PostgreSQL"
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"no PostgreSQL server binaries in {PG_BIN}"
    if os.geteuid() == 0 and shutil.which("su") is None:
        return "running as root without su: initdb refuses root"
    if os.geteuid() != 0:
        import pwd

        if pwd.getpwuid(os.geteuid()).pw_name != "postgres":
            return "not permitted: the cluster must run as the postgres account"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_cluster(tmp_path):
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"dj-drill-{os.getpid()}"
    base.mkdir(mode=0o755)
    data, run = base / "data", base / "run"
    run.mkdir()
    port = _free_port()
    shutil.chown(base, "postgres") if os.geteuid() == 0 else None
    shutil.chown(run, "postgres") if os.geteuid() == 0 else None
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data)]
    try:
        init = subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                          "--auth=trust", "--no-sync"]),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if init.returncode != 0:
            pytest.skip(f"initdb not permitted here: {init.stderr.strip()[:200]}")
        options = f"-p {port} -k {run} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40"
        start = subprocess.run(
            _as_postgres([*pg_ctl, "-o", options, "-l", str(base / "log"), "-w", "-t", "60", "start"]),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if start.returncode != 0:
            pytest.skip(f"could not start a private cluster: {start.stderr.strip()[:200]}")
        subprocess.run(
            _as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "drill"]),
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        stop = _as_postgres([*pg_ctl, "-m", "immediate", "-w", "stop"])
        start = _as_postgres([*pg_ctl, "-o", options, "-l", str(base / "log"), "-w", "-t", "60", "start"])
        yield {"url": f"postgres://postgres@127.0.0.1:{port}/drill", "stop": stop, "start": start, "dir": base}
    finally:
        subprocess.run(_as_postgres([*pg_ctl, "-m", "immediate", "-w", "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def test_postgresql_restart_during_requests(private_cluster, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DANGJIAN_", "PYTEST", "DATABASE_"))}
    env.update(
        DATABASE_URL=private_cluster["url"],
        DANGJIAN_DATA_DIR=str(tmp_path),
        DANGJIAN_ALLOWED_HOSTS="testserver",
        DRILL_STOP=json.dumps(private_cluster["stop"]),
        DRILL_START=json.dumps(private_cluster["start"]),
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    result = subprocess.run([sys.executable, str(WORKER)], env=env, capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["restart_rc"] == 0, report["restart_err"]
    assert set(report["statuses"]) <= {200, 302, 503}, result.stderr[-3000:]
    assert 503 in report["statuses"]  # the outage was met by requests, and answered in Chinese
    assert 302 in report["after_restart"], report  # recovered without restarting the process
    assert report["created_found"] == report["created"]  # every reported creation is there
    assert report["orgs_under_town"] == report["created"]  # and nothing else was half-written
    assert report["orgs_without_event"] == []
    assert report["chain_break"] == ""

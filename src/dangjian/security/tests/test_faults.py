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

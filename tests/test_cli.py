"""The `dangjian` command end to end, in subprocesses with their own data directory."""

import os
import sqlite3
import subprocess
import sys

import pytest

# A guard against a hung command, not a speed test: building the demo county takes about a minute on an idle
# two-core machine and several times that on a crowded one.
TIMEOUT_SECONDS = 900


def run(args, data_dir, **env):
    environment = {**os.environ, "DANGJIAN_DATA_DIR": str(data_dir), **env}
    environment.pop("DATABASE_URL", None)  # the demo is the embedded SQLite database
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "dangjian.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    first = run(["demo", "--no-serve"], data)
    assert first.returncode == 0, first.stderr
    assert "共 1382 个党组织、46645 名党员" in first.stdout
    assert "county_admin" in first.stdout
    assert "Dangjian@2026" in first.stdout
    return data


def counts(data_dir):
    with sqlite3.connect(data_dir / "dangjian.sqlite3") as db:
        return {
            t: db.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("orgs_org", "accounts_user", "orgs_orgofficer")
        }


def test_demo_builds_the_county_with_the_real_shape(demo_dir):
    with sqlite3.connect(demo_dir / "dangjian.sqlite3") as db:
        kinds = dict(db.execute("select kind, count(*) from orgs_org group by kind").fetchall())
    assert kinds["committee"] + kinds["working_committee"] == 34
    assert kinds["general_branch"] == 51
    assert kinds["branch"] + kinds.get("joint_branch", 0) == 1296
    assert (demo_dir / "secret_key").exists()


def test_second_run_reuses_the_data(demo_dir):
    before = counts(demo_dir)
    again = run(["demo", "--no-serve"], demo_dir)
    assert again.returncode == 0, again.stderr
    assert "已存在，直接使用" in again.stdout
    assert counts(demo_dir) == before


def test_reset_rebuilds(demo_dir):
    rebuilt = run(["demo", "--no-serve", "--reset"], demo_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "已生成" in rebuilt.stdout
    assert counts(demo_dir)["orgs_org"] == 1382


def test_manage_runs_management_commands(demo_dir):
    result = run(["manage", "check_tree"], demo_dir)
    assert result.returncode == 0, result.stderr
    assert "未发现问题" in result.stdout
    audit = run(["manage", "verify_audit"], demo_dir)
    assert "审计链完整" in audit.stdout


def test_check_lists_what_production_lacks(tmp_path):
    result = run(["check"], tmp_path)
    assert result.returncode == 1
    for hint in ("DANGJIAN_SECRET_KEY", "HTTPS", "DATABASE_URL", "DANGJIAN_BACKUP_DIR"):
        assert hint in result.stderr


def test_check_passes_a_hardened_configuration(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    env = {
        "DANGJIAN_SECRET_KEY": "x" * 60 + "Yz#9",
        "DANGJIAN_HTTPS": "1",
        "DANGJIAN_BACKUP_DIR": str(backup),
        "DANGJIAN_ALLOWED_HOSTS": "dj.example.gov.cn",
    }
    migrate = run(["manage", "migrate", "-v", "0"], tmp_path, **env)
    assert migrate.returncode == 0, migrate.stderr
    result = run(["check"], tmp_path, **env)
    # SQLite remains a warning by design: a county may run on it, a province should not.
    assert "dangjian.P004" in result.stderr
    assert "dangjian.P003" not in result.stderr
    assert "dangjian.P005" not in result.stderr

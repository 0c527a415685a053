"""BR-01 / REL-05 / DI-02: backup and restore round trip, checksum, encryption, empty target only."""

import json
import os
import stat
import uuid

import pytest
from django.core.management import call_command
from django.db import connections

from dangjian.core import audit
from dangjian.members import actions as member_actions
from dangjian.security import backup


@pytest.fixture
def county(transactional_db, orgs, personas, people):
    """A small demo-like county: the tree, the personas, members, a few changes in the audit trail."""
    member_actions.update_member(people["zhang"], actor=None, phone="13900001111")
    return orgs


@pytest.fixture
def empty_target(settings):
    """A second, empty database of the same kind as the test database, registered as an alias."""
    default = connections["default"].settings_dict
    alias = "restore_target"
    created = None
    if connections["default"].vendor == "sqlite":
        name = str(settings.DATA_DIR / f"restore-{uuid.uuid4().hex}.sqlite3")
    else:
        import psycopg

        name = f"dj_security_restore_{uuid.uuid4().hex[:8]}"
        created = psycopg.connect(
            host=default["HOST"],
            port=default["PORT"],
            user=default["USER"],
            password=default["PASSWORD"],
            dbname="postgres",
            autocommit=True,
        )
        created.execute(f'CREATE DATABASE "{name}"')
    options = {k: v for k, v in default.get("OPTIONS", {}).items() if k != "pool"}  # no pool kept per alias
    connections.settings[alias] = {**default, "NAME": name, "OPTIONS": options}
    connections[alias].connect()  # opened here: the test case admits only connections already open
    yield alias
    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]
    if created is not None:
        created.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        created.close()
    elif os.path.exists(name):
        os.remove(name)


@pytest.mark.parametrize("encrypt", [False, True])
def test_round_trip_keeps_every_row_and_the_audit_chain(county, empty_target, tmp_path, encrypt):
    before = backup.table_counts()
    path = backup.backup(directory=tmp_path, encrypt=encrypt)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    manifest = backup.read_manifest(path)
    assert manifest["tables"]["members_member"] == 4
    result = backup.restore(path, alias=empty_target)
    after = backup.table_counts(empty_target)
    assert after == before
    assert result["audit_events"] == before["core_auditevent"]
    assert audit.verify(using=empty_target) is None
    # the backup itself was audited on the source, after the snapshot
    assert audit.verify() is None


def test_encrypted_backup_holds_no_plain_sqlite_header(county, tmp_path):
    path = backup.backup(directory=tmp_path, encrypt=True)
    assert not path.read_bytes().startswith(b"SQLite format 3")
    assert path.read_bytes().startswith(backup.MAGIC)


def test_a_changed_file_is_refused(county, empty_target, tmp_path):
    path = backup.backup(directory=tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="校验值与清单不符"):
        backup.restore(path, alias=empty_target)


def test_a_truncated_encrypted_file_with_a_matching_manifest_is_refused(county, empty_target, tmp_path):
    path = backup.backup(directory=tmp_path, encrypt=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    manifest_path = path.with_name(path.name + ".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["sha256"], manifest["sm3"] = backup.digests(path)
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError):
        backup.restore(path, alias=empty_target)


def test_restore_only_into_an_empty_database(county, tmp_path):
    path = backup.backup(directory=tmp_path)
    with pytest.raises(backup.BackupError, match="不是空库"):
        backup.restore(path)


def test_backup_command_prints_the_checksums(county, tmp_path, capsys):
    call_command("backup", dir=str(tmp_path))
    out = capsys.readouterr().out
    assert "SHA-256" in out
    assert len(list(tmp_path.glob("dangjian-*.json"))) == 1

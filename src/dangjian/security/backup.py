"""Backup and restore (BR-01, REL-05, DI-02): one file per backup plus a manifest.

- SQLite: the online backup API (`sqlite3.Connection.backup`), consistent while the site is in use;
  never a copy of the live file. PostgreSQL: `pg_dump -Fc` (custom format, read by `pg_restore`).
- The file is written under a temporary name, fsynced and renamed (a crash leaves the previous backups
  intact and no half file with a backup's name), mode 600.
- Optional SM4-GCM encryption in 1 MiB chunks (each chunk authenticated, its index and the last-chunk flag
  in the associated data, so chunks cannot be reordered, dropped or truncated) with the `backup` key.
- The manifest (`<file>.json`) holds the SHA-256 and SM3 digests of the file, the row count of every
  table and the head of the audit chain. `restore` refuses a file whose digest differs, refuses a
  database that is not empty, and afterwards compares every table's row count and verifies the audit chain.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from dangjian.core import audit, crypto

CHUNK = 1024 * 1024
MAGIC = b"DJBK1"


class BackupError(Exception):
    pass


def backup_dir() -> Path:
    directory = Path(settings.BACKUP_DIR or Path(settings.DATA_DIR) / "backups")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _vendor(alias: str) -> str:
    return connections[alias].vendor


def table_counts(alias: str = "default") -> dict[str, int]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def digests(path: Path) -> tuple[str, str]:
    sha = hashlib.sha256()
    sm3 = hashes.Hash(hashes.SM3())
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            sha.update(block)
            sm3.update(block)
    return sha.hexdigest(), sm3.finalize().hex()


def _pg_env(alias: str) -> tuple[list[str], dict]:
    s = connections[alias].settings_dict
    args = []
    if s.get("HOST"):
        args += ["-h", s["HOST"]]
    if s.get("PORT"):
        args += ["-p", str(s["PORT"])]
    if s.get("USER"):
        args += ["-U", s["USER"]]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _dump(alias: str, target: Path) -> str:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        if connection.in_atomic_block:
            raise BackupError("不能在数据库事务中备份 SQLite（在线备份会等待事务结束）。")
        connection.ensure_connection()
        out = sqlite3.connect(target)
        try:
            connection.connection.backup(out)
        finally:
            out.close()
        return "sqlite"
    if connection.vendor == "postgresql":
        args, env = _pg_env(alias)
        name = connection.settings_dict["NAME"]
        run = subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", *args, "-f", str(target), name], env=env, capture_output=True, text=True
        )
        if run.returncode != 0:
            raise BackupError(f"pg_dump 失败：{run.stderr.strip()[:500]}")
        return "pg_dump"
    raise BackupError(f"不支持的数据库：{connection.vendor}")


def _encrypt(source: Path, target: Path) -> None:
    key = crypto.provider().key("backup")[:16]
    with source.open("rb") as src, target.open("wb") as dst:
        dst.write(MAGIC)
        index = 0
        block = src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            last = not following
            nonce, data = crypto.sm4_gcm_encrypt(key, block, f"{index}:{int(last)}".encode())
            dst.write(len(data).to_bytes(4, "big") + nonce + data)
            if last:
                break
            block, index = following, index + 1


def _decrypt(source: Path, target: Path) -> None:
    key = crypto.provider().key("backup")[:16]
    with source.open("rb") as src, target.open("wb") as dst:
        if src.read(len(MAGIC)) != MAGIC:
            raise BackupError("不是本系统的加密备份文件。")
        index, last = 0, False
        while header := src.read(4):
            if last:
                raise BackupError("加密备份在结尾之后还有数据。")
            length = int.from_bytes(header, "big")
            nonce, data = src.read(12), src.read(length)
            for flag in (0, 1):
                try:
                    dst.write(crypto.sm4_gcm_decrypt(key, nonce, data, f"{index}:{flag}".encode()))
                    last = bool(flag)
                    break
                except Exception:
                    continue
            else:
                raise BackupError("加密备份无法解密（文件损坏或密钥不符）。")
            index += 1
        if not last:
            raise BackupError("加密备份被截断。")


def _fsync_replace(tmp: Path, final: Path) -> None:
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, final)


def _is_disk_full(exc: Exception) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return "full" in str(exc).lower()  # sqlite3: "database or disk is full"


def _write_failure_message(exc: Exception) -> str:
    if _is_disk_full(exc):
        return "备份目录所在磁盘空间不足，备份未完成，未留下不完整的备份文件。请清理空间后重新备份。"
    return f"写入备份文件时出错，备份未完成，未留下不完整的备份文件：{exc}"


def _record_failure(alias: str, actor, exc: Exception) -> None:
    from dangjian.core.models import Outcome

    with transaction.atomic(using=alias):
        audit.record(
            "system.backup",
            actor=actor,
            object_type="backup",
            outcome=Outcome.FAILURE,
            after={"error": "disk full" if _is_disk_full(exc) else type(exc).__name__},
        )


def backup(*, directory: Path | None = None, encrypt: bool = False, alias: str = "default", actor=None) -> Path:
    """Write one backup and its manifest; return the backup file's path."""
    from dangjian.core.models import AuditHead

    directory = Path(directory) if directory else backup_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    old_umask = os.umask(0o077)
    final = None
    try:
        with tempfile.TemporaryDirectory(dir=directory, prefix=".tmp-") as tmpdir:
            raw = Path(tmpdir) / "dump"
            counts = table_counts(alias)
            head = AuditHead.objects.using(alias).filter(id=1).values("seq", "hash").first() or {}
            fmt = _dump(alias, raw)
            suffix = {"sqlite": "sqlite3", "pg_dump": "pgdump"}[fmt] + (".enc" if encrypt else "")
            final = directory / f"dangjian-{stamp}.{suffix}"
            payload = raw
            if encrypt:
                payload = Path(tmpdir) / "dump.enc"
                _encrypt(raw, payload)
            sha256, sm3 = digests(payload)
            staged = Path(tmpdir) / "final"
            shutil.move(payload, staged)
            manifest = {
                "file": final.name,
                "format": fmt,
                "encrypted": encrypt,
                "created_at": timezone.now().isoformat(),
                "sha256": sha256,
                "sm3": sm3,
                "tables": counts,
                "audit_head": head,
            }
            manifest_tmp = Path(tmpdir) / "manifest"
            manifest_tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
            _fsync_replace(staged, final)
            _fsync_replace(manifest_tmp, final.with_name(final.name + ".json"))
    except (OSError, sqlite3.OperationalError) as exc:
        # FLT-03 / REL-08: disk full (or another write error). The temporary directory is gone; a backup file
        # renamed before its manifest failed is removed too, so no backup without a manifest is left or listed.
        if final is not None:
            final.unlink(missing_ok=True)
            final.with_name(final.name + ".json").unlink(missing_ok=True)
        _record_failure(alias, actor, exc)
        raise BackupError(_write_failure_message(exc)) from exc
    finally:
        os.umask(old_umask)
    with transaction.atomic(using=alias):
        audit.record(
            "system.backup",
            actor=actor,
            object_type="backup",
            object_repr=final.name,
            after={"sha256": sha256, "sm3": sm3, "encrypted": encrypt},
        )
    return final


def read_manifest(path: Path) -> dict:
    manifest_path = path.with_name(path.name + ".json")
    if not manifest_path.exists():
        raise BackupError(f"找不到校验清单 {manifest_path.name}。")
    return json.loads(manifest_path.read_text())


def _is_empty(alias: str) -> bool:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore(path: Path, *, alias: str = "default") -> dict:
    """Restore a backup into an empty database, then check row counts and the audit chain.
    Returns {"tables": n, "audit_events": n}; raises BackupError on any mismatch."""
    path = Path(path)
    manifest = read_manifest(path)
    sha256, sm3 = digests(path)
    if sha256 != manifest["sha256"] or sm3 != manifest["sm3"]:
        raise BackupError("备份文件校验值与清单不符：文件已损坏或被改动，拒绝恢复。")
    if not _is_empty(alias):
        raise BackupError("目标数据库不是空库：恢复只能写入新建的空数据库。")
    with tempfile.TemporaryDirectory(prefix="dangjian-restore-") as tmpdir:
        source = path
        if manifest["encrypted"]:
            source = Path(tmpdir) / "dump"
            _decrypt(path, source)
        connection = connections[alias]
        if manifest["format"] == "sqlite":
            if connection.vendor != "sqlite":
                raise BackupError("SQLite 备份只能恢复到 SQLite 数据库。")
            connection.ensure_connection()
            src = sqlite3.connect(source)
            try:
                src.backup(connection.connection)
            finally:
                src.close()
        else:
            if connection.vendor != "postgresql":
                raise BackupError("pg_dump 备份只能恢复到 PostgreSQL 数据库。")
            args, env = _pg_env(alias)
            run = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    *args,
                    "-d",
                    connection.settings_dict["NAME"],
                    str(source),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                raise BackupError(f"pg_restore 失败：{run.stderr.strip()[:500]}")
    counts = table_counts(alias)
    differing = sorted(t for t, n in manifest["tables"].items() if counts.get(t) != n)
    if differing:
        raise BackupError("恢复后这些表的行数与备份时不同：" + "、".join(differing[:10]))
    broken = audit.verify(using=alias)
    if broken is not None:
        raise BackupError(f"恢复后审计链校验失败：{broken}")
    from dangjian.core.models import AuditEvent

    events = AuditEvent.objects.using(alias).count()
    if alias == "default":  # the restore itself is the first new event of the restored chain
        with transaction.atomic():
            audit.record(
                "system.restore", object_type="backup", object_repr=path.name, after={"sha256": manifest["sha256"]}
            )
    return {"tables": len(counts), "audit_events": events}

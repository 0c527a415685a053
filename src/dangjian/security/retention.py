"""剩余信息保护 (RI-02): uploaded and generated files (imports, exports, job progress, reports) are deleted
once older than FILE_RETENTION_HOURS (default 24). Member documents (records, not temporary) are kept.

Files the application writes are owner-only: the process umask is set to DANGJIAN_UMASK (077) at start-up,
so nothing is world- or group-readable, whatever code writes it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.security import rules


def temporary_dirs() -> list[Path]:
    data = Path(settings.DATA_DIR)
    names = getattr(settings, "FILE_RETENTION_DIRS", ["uploads/imports", "exports", "jobs", "reports", "tmp"])
    return [data / name for name in names]


def apply_umask() -> None:
    os.umask(int(getattr(settings, "FILE_UMASK", "077"), 8))


def purge(*, now: datetime | None = None, actor=None) -> list[Path]:
    """Delete expired files under the temporary directories; return what was deleted (audited)."""
    now = now or timezone.now()
    ttl = settings.FILE_RETENTION_HOURS
    deleted = []
    for directory in temporary_dirs():
        if not directory.is_dir():
            continue
        for path in directory.rglob("*"):
            if not path.is_file():
                continue
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            if rules.expired_file(modified, now, ttl):
                path.unlink(missing_ok=True)
                deleted.append(path)
    if deleted:
        with transaction.atomic():
            audit.record(
                "system.purge_files",
                actor=actor,
                object_type="files",
                object_repr=f"{len(deleted)} 个临时文件",
                after={"count": len(deleted), "older_than_hours": ttl},
            )
    return deleted


def world_readable(paths) -> list[Path]:
    return [p for p in paths if p.exists() and p.stat().st_mode & 0o077]

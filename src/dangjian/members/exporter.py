"""The roster export: 党员花名册 as an xlsx, masked by default, scoped, audited (PRV-03, PRV-04, DI-02, REL-08).

`write_roster_xlsx` streams a member queryset into a workbook with xlsxwriter's constant-memory mode, one
row per member in the columns of `columns.COLUMNS` (the 16 national items, then the extended ones), and
returns the row count and the file's SM3 digest. The file appears under its final name only when it is
complete: it is written to a temporary name in the same directory, fsynced, then renamed.

`export_queryset` is the one way to the rows: the roster's own filterset and order over the members the
user may both view and export. `run_export_job` is the background job for large exports: it re-resolves
the rows for the user named in the job's parameters (never a stored queryset) and writes
``<DATA_DIR>/exports/<job id>.xlsx``, which only the job's creator may download, for
``EXPORT_LINK_TTL_HOURS``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter
import xlsxwriter.exceptions
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from dangjian.core import audit, context, crypto
from dangjian.core.errors import OutOfScope
from dangjian.core.models import Outcome
from dangjian.core.scope import has_permission, restrict, scope_paths
from dangjian.core.tree import LABEL_WIDTH
from dangjian.members import rules
from dangjian.members.columns import COLUMNS, HEADERS
from dangjian.members.filters import MemberFilter
from dangjian.members.models import Member

SHEET_NAME = "党员花名册"
EXPORT_PERM = "members.export_member"
VIEW_PERM = "members.view_member"
UNMASK_PERM = "members.unmask_member"
JOB_KIND = "members.export"
JOB_HANDLER = "dangjian.members.exporter.run_export_job"
DEFAULT_SYNC_MAX_ROWS = 5000
DEFAULT_LINK_TTL_HOURS = 24
PROGRESS_EVERY = 1000
CHUNK_SIZE = 2000
DATE_FORMAT = "yyyy-mm-dd"
# IP-02 / PRV-04: a text cell starting with one of these is read as a formula by some spreadsheet
# programs (on edit, or after a round trip through CSV), so it gets a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (1900 date system, after the 1900-02-29 bug)
# Filter parameters that never change which rows are exported.
IGNORED_PARAMS = ("page",)
FILTER_AAD = b"members.export:filter"


class AuditUnavailable(audit.AuditUnavailable):
    """The export's audit event could not be written, so the file was withdrawn (AU-05: fail closed)."""


class ExportFailed(RuntimeError):
    """The file could not be written (disk full, I/O error): nothing was kept, the failure is audited (FLT-03)."""


def _os_error(exc: BaseException) -> OSError:
    """The OSError behind an exception (xlsxwriter wraps the one raised when its zip file is written)."""
    seen = exc
    while seen is not None and not isinstance(seen, OSError):
        seen = seen.__cause__ or seen.__context__
    return seen if seen is not None else OSError(errno.EIO, str(exc))


def write_failure_message(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "服务器磁盘空间不足，导出未完成，未生成任何文件。请联系系统管理员清理空间后重试。"
    return "写入导出文件时出错，导出未完成，未生成任何文件。请稍后重试或联系系统管理员。"


# ---------------------------------------------------------------- settings


def sync_max_rows() -> int:
    return int(getattr(settings, "EXPORT_SYNC_MAX_ROWS", DEFAULT_SYNC_MAX_ROWS))


def link_ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "EXPORT_LINK_TTL_HOURS", DEFAULT_LINK_TTL_HOURS)))


def export_dir() -> Path:
    directory = Path(settings.DATA_DIR) / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def job_file(job_id: int) -> Path:
    return export_dir() / f"{int(job_id)}.xlsx"


def filename_for(day: date) -> str:
    return f"党员花名册-{day:%Y%m%d}.xlsx"


# ---------------------------------------------------------------- who may export what


def may_export(user) -> bool:
    return has_permission(user, EXPORT_PERM)


def may_unmask(user) -> bool:
    """PRV-04: a full export only for a user who may unmask every member they may view (so every exported row)."""
    unmask = scope_paths(user, UNMASK_PERM)
    view = scope_paths(user, VIEW_PERM)
    return bool(view) and all(any(p.startswith(u) for u in unmask) for p in view)


def filter_params(data) -> dict[str, list[str]]:
    """The roster's GET parameters that select rows, as plain lists (kept in job params and audit)."""
    return {key: list(values) for key, values in data.lists() if key not in IGNORED_PARAMS}


def _querydict(params: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in params.items():
        data.setlist(key, list(values))
    return data


def export_filter(user, params: dict[str, list[str]]) -> MemberFilter:
    base = restrict(restrict(Member.objects.all(), user, "view"), user, "export").select_related("org")
    return MemberFilter(_querydict(params), queryset=base)


def export_queryset(user, params: dict[str, list[str]]):
    """Exactly the roster's list for these parameters (same filterset, same order), within view ∩ export scope.

    Every export (direct, background, approved full export) takes its rows from here: members whose processing
    is restricted at their request (PRV-06, `security.ProcessingRestriction`) are left out."""
    from dangjian.security.privacy_actions import restricted_member_ids

    roster = export_filter(user, params)
    qs = roster.qs.exclude(pk__in=restricted_member_ids())
    if not (roster.form.is_valid() and roster.form.cleaned_data.get("sort")):
        qs = qs.order_by("org__path", "name_initials", "pk")
    return qs


def audit_filter(params: dict[str, list[str]]) -> dict[str, list[str]]:
    """The filter as recorded in the audit trail: an ID number typed into the search box is masked (AU-02)."""
    out = {}
    for key, values in params.items():
        if key == "q":
            values = [_mask_query(v) for v in values]
        out[key] = values
    return out


def _mask_query(value: str) -> str:
    normalized = rules.normalize_id_number(value)
    if len(normalized) == rules.ID_LENGTH and normalized[:17].isdigit():
        return rules.mask_id_number(normalized)
    return value


def audit_org_path(user, params: dict[str, list[str]]) -> str:
    """Where the export event belongs: the chosen subtree, or the nearest org covering the user's export scope."""
    subtree = (params.get("subtree") or [""])[-1]
    if subtree.isdigit():
        from dangjian.orgs.models import Org

        path = restrict(Org.objects.all(), user).filter(pk=int(subtree)).values_list("path", flat=True).first()
        if path:
            return path
    paths = scope_paths(user, EXPORT_PERM)
    if not paths:
        return ""
    common = paths[0]
    for p in paths[1:]:
        while not p.startswith(common):
            common = common[:-LABEL_WIDTH]
    return common


def seal_params(params: dict[str, list[str]]) -> str:
    """Job parameters are stored in the database: the filter may hold an ID number, so it is encrypted."""
    return crypto.encrypt_field(json.dumps(params, ensure_ascii=False), FILTER_AAD)


def open_params(sealed: str) -> dict[str, list[str]]:
    return json.loads(crypto.decrypt_field(sealed, FILTER_AAD))


# ---------------------------------------------------------------- the workbook


def neutralise(text: str) -> str:
    """IP-02: "=1+1" → "'=1+1", so that no program reads a text cell as a formula."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _label_maps() -> list[dict[str, str]]:
    """Per column: coded value → label (the column's own labels first, then the model's choices)."""
    maps = []
    for column in COLUMNS:
        labels: dict[str, str] = {}
        if column.kind == "choice":
            field = Member._meta.get_field(column.key)
            labels.update({str(v): str(label) for v, label in (field.choices or [])})
            labels.update(dict(column.choices))
        maps.append(labels)
    return maps


def _excel_serial(day: date) -> int:
    return day.toordinal() - EXCEL_EPOCH


class _Digest:
    """SM3 over a file read in blocks (the same value as `crypto.sm3(file bytes)`, without holding the file)."""

    def __init__(self):
        self._hash = hashes.Hash(hashes.SM3())

    def update(self, block: bytes) -> None:
        self._hash.update(block)

    def hexdigest(self) -> str:
        return self._hash.finalize().hex()


def file_digest(path: Path, *, fsync: bool = False) -> str:
    digest = _Digest()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
        if fsync:
            os.fsync(fh.fileno())
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_roster_xlsx(queryset, path, *, unmask: bool, progress=None, watermark: str = "") -> dict:
    """Write the members of `queryset`, in its order, to `path` (xlsx); return {"rows": n, "digest": SM3 hex}.

    Personal data is masked (PRV-03) unless `unmask`; the caller has checked that the user may unmask.
    `progress` (a core.tasks.Progress) hears every 1000 rows. `watermark` names who exported, when and from
    where; it goes into the document properties and the printed page footer (PRV-04).
    """
    path = Path(path)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{path.name}.{uuid.uuid4().hex}.tmp"
    queryset = queryset.select_related("org")
    total = queryset.count() if progress is not None else 0
    if progress is not None:
        progress.report(0, total, "正在导出")
    rows = 0
    # tmpdir: xlsxwriter's per-sheet spool files hold personal data too; keep them in a private directory
    # under the data directory, removed whatever happens (a failed close, e.g. a full disk, leaves them).
    spool = Path(tempfile.mkdtemp(dir=directory, prefix=".spool-"))
    try:
        workbook = xlsxwriter.Workbook(
            str(tmp), {"constant_memory": True, "tmpdir": str(spool), "strings_to_formulas": False}
        )
        try:
            properties = {"title": SHEET_NAME, "company": getattr(settings, "SITE_NAME", "")}
            if watermark:
                properties["comments"] = watermark
            workbook.set_properties(properties)
            sheet = workbook.add_worksheet(SHEET_NAME)
            bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
            date_format = workbook.add_format({"num_format": DATE_FORMAT})
            text_format = workbook.add_format({"num_format": "@"})
            for index, column in enumerate(COLUMNS):
                # The ID and phone columns are text so that a user's edit cannot turn them into numbers.
                fmt = text_format if column.kind in ("id_number", "phone") else None
                sheet.set_column(index, index, column.width, fmt)
            sheet.freeze_panes(1, 0)
            if watermark:
                sheet.set_footer(f"&L{watermark.replace('&', '&&')}&R第 &P 页，共 &N 页")
            for index, header in enumerate(HEADERS):
                sheet.write_string(0, index, header, bold)
            rows = _write_rows(sheet, queryset, unmask=unmask, date_format=date_format, progress=progress, total=total)
            if rows:
                sheet.autofilter(0, 0, rows, len(COLUMNS) - 1)
        finally:
            workbook.close()
        digest = file_digest(tmp, fsync=True)
        os.replace(tmp, path)
        _fsync_dir(directory)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    if progress is not None:
        progress.report(rows, max(total, rows), "已完成", force=True)
    return {"rows": rows, "digest": digest}


def _write_rows(sheet, queryset, *, unmask: bool, date_format, progress, total: int) -> int:
    """The hot loop: one member per row, cells written with the typed writers (no type sniffing)."""
    write_string = sheet.write_string
    write_number = sheet.write_number
    masks = {"id_number": rules.mask_id_number, "phone": rules.mask_phone, "secret_text": rules.mask_text}
    maps = _label_maps()
    plan = [(index, column.kind, column.key, maps[index]) for index, column in enumerate(COLUMNS)]
    org_names: dict[int, str] = {}
    row = 0
    for member in queryset.iterator(chunk_size=CHUNK_SIZE):
        row += 1
        for index, kind, key, labels in plan:
            if kind == "text":
                value = getattr(member, key)
                if value:
                    write_string(row, index, neutralise(value))
            elif kind == "choice":
                value = getattr(member, key)
                if value:
                    write_string(row, index, neutralise(labels.get(value, value)))
            elif kind == "date":
                value = getattr(member, key)
                if value is not None:
                    write_number(row, index, _excel_serial(value), date_format)
            elif kind == "bool":
                write_string(row, index, "是" if getattr(member, key) else "否")
            elif kind == "org":
                name = org_names.get(member.org_id)
                if name is None:
                    name = org_names[member.org_id] = neutralise(member.org.name)
                write_string(row, index, name)
            else:  # id_number, phone, secret_text: decrypted here, masked unless unmask
                value = member.get_secret(key)
                if not value:
                    continue
                if not unmask:
                    value = masks[kind](value)
                write_string(row, index, neutralise(value))
        if progress is not None and row % PROGRESS_EVERY == 0:
            progress.report(row, max(total, row), "正在导出")
    return row


# ---------------------------------------------------------------- export with its audit event


def export_to(
    user,
    params: dict[str, list[str]],
    path: Path,
    *,
    unmask: bool,
    progress=None,
    mode: str,
    job_id=None,
    purpose: str = "",
    extra: dict | None = None,
):
    """Write the user's export of `params` to `path` and record `member.export` (after the file is complete).

    If the audit event cannot be written the file is removed and the error propagates (AU-05: fail closed).
    If the file cannot be written (FLT-03: disk full) nothing is left, a failure event is recorded and
    `ExportFailed` carries the Chinese message. `purpose` (PRV-04) and `extra` go into the audit event.
    """
    if not may_export(user):
        raise OutOfScope("您没有导出党员花名册的权限。")
    if unmask and not may_unmask(user):
        raise OutOfScope("您无权导出含完整身份证号码和联系电话的花名册。")
    queryset = export_queryset(user, params)
    ctx = context.get()
    watermark = f"导出人：{user.get_username()}　导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"
    if ctx.client_ip:
        watermark += f"　来源地址：{ctx.client_ip}"
    try:
        result = write_roster_xlsx(queryset, path, unmask=unmask, progress=progress, watermark=watermark)
    except (OSError, xlsxwriter.exceptions.FileCreateError) as raised:
        exc = _os_error(raised)
        Path(path).unlink(missing_ok=True)
        audit.record(
            "member.export",
            actor=user,
            object_type="members.member",
            object_repr=SHEET_NAME,
            org_path=audit_org_path(user, params),
            outcome=Outcome.FAILURE,
            after={
                "filter": audit_filter(params),
                "unmasked": bool(unmask),
                "mode": mode,
                "purpose": purpose,
                "error": errno.errorcode.get(exc.errno, "OSError"),
                **(extra or {}),
            },
        )
        raise ExportFailed(write_failure_message(exc)) from exc
    try:
        audit.record(
            "member.export",
            actor=user,
            object_type="members.member",
            object_repr=SHEET_NAME,
            org_path=audit_org_path(user, params),
            after={
                "filter": audit_filter(params),
                "rows": result["rows"],
                "unmasked": bool(unmask),
                "digest": result["digest"],
                "mode": mode,
                "job_id": job_id,
                "purpose": purpose,
                **(extra or {}),
            },
        )
    except Exception as exc:
        Path(path).unlink(missing_ok=True)
        disk_full = isinstance(exc, audit.AuditUnavailable) and exc.disk_full
        reason = "审计存储空间已满" if disk_full else "审计记录写入失败"
        raise AuditUnavailable(f"{reason}，导出未完成。请联系系统管理员。", disk_full=disk_full) from exc
    return result


def purge_expired_exports(now: float | None = None) -> int:
    """RI-02: delete export files past the link lifetime and temporary files left by an interrupted export."""
    now = time.time() if now is None else now
    limit = link_ttl().total_seconds()
    removed = 0
    for entry in export_dir().iterdir():
        try:
            age = now - entry.stat().st_mtime
        except FileNotFoundError:
            continue
        if age > limit and entry.is_file():
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


def run_export_job(job, progress) -> dict:
    """Background export (core.tasks handler). Params: sealed filter, user id, unmask, request context."""
    from django.contrib.auth import get_user_model

    params = job.params
    user = get_user_model().objects.filter(pk=params.get("user_id"), is_active=True).first()
    if user is None or job.created_by_id != user.pk:
        raise OutOfScope("导出任务的账号无效，未导出。")
    purge_expired_exports()
    token = context.current.set(
        context.RequestContext(request_id=params.get("request_id", ""), client_ip=params.get("client_ip") or None)
    )
    try:
        result = export_to(
            user,
            open_params(params["filter"]),
            job_file(job.pk),
            unmask=bool(params.get("unmask")),
            progress=progress,
            mode="background",
            job_id=job.pk,
            purpose=params.get("purpose", ""),
        )
    except ExportFailed as exc:  # FLT-03: the job fails with the Chinese message; no file is offered
        from dangjian.core.errors import RuleViolation

        raise RuleViolation("FLT-03", str(exc)) from exc
    finally:
        context.current.reset(token)
    hours = int(link_ttl().total_seconds() // 3600)
    return {
        "rows": result["rows"],
        "digest": result["digest"],
        "unmasked": bool(params.get("unmask")),
        "url": reverse("members:export_download", args=[job.pk]),
        "message": f"已导出 {result['rows']} 条记录，请在 {hours} 小时内下载。",
    }

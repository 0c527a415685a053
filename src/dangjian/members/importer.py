"""Roster import from the spreadsheets organization departments already keep.

Three steps, all through the same code: `preview` reads and checks every row and reports every
problem with the spreadsheet's own row number and the original cell value; `commit` runs the same
checks again inside one transaction and writes everything or nothing; `rollback` undoes a committed
batch while none of its records has changed since. Rows are matched to the roster by the blind
index of the ID number, so importing the same file again creates no duplicates.
"""

from __future__ import annotations

import gc
import os
import pickle
import re
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from dangjian.core import audit, crypto
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.scope import restrict, scope_paths, user_may_act_on_path
from dangjian.core.sql import values_in
from dangjian.core.text import initials
from dangjian.members import actions, pgcopy, rules
from dangjian.members.columns import BY_HEADER, COLUMNS, NATIONAL_HEADERS, TEMPLATE_VERSION, Column
from dangjian.members.models import (
    SECRET_FIELDS,
    ImportBatch,
    ImportBatchItem,
    ImportStatus,
    Member,
    id_number_index,
    secret_aad,
    time_ordered_uuid,
)
from dangjian.orgs.models import Org

SHEET_NAME = "党员信息"
MAX_ROWS = 1_000_000
MAX_FILE_BYTES = 200 * 1024 * 1024
STORED_PROBLEMS = 5000
EXCEL_EPOCH = date(1899, 12, 30)
SUMMARY_KEYS = ("total_rows", "to_create", "to_update", "unchanged", "error_rows", "warning_rows")

ALIASES: dict[str, dict[str, str]] = {
    "stage": {"正式": "full", "预备": "probationary", "积极分子": "activist", "申请人": "applicant"},
    "education": {
        "博士": "doctorate", "博士研究生": "doctorate", "硕士": "master", "硕士研究生": "master", "研究生": "master",
        "本科": "bachelor", "大学": "bachelor", "大专": "junior_college", "专科": "junior_college",
        "高中": "high_school", "中技": "high_school", "技校": "high_school", "职高": "high_school",
        "初中": "junior_high_or_below", "小学": "junior_high_or_below", "初中以下": "junior_high_or_below",
        "文盲": "junior_high_or_below",
    },
    "occupation": {"工人": "worker", "农民": "farmer", "牧民": "farmer", "渔民": "farmer", "离退休": "retired",
                   "退休": "retired", "离休": "retired", "学生": "student", "公务员": "official"},
    "status": {"停止": "suspended"},
    "ethnicity": {"汉": "汉族"},
}  # fmt: skip
TRUE_WORDS = {"是", "y", "yes", "1", "true", "√"}
FALSE_WORDS = {"否", "n", "no", "0", "false", ""}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class ImportFileError(Exception):
    """The file as a whole cannot be read as a roster (not xlsx, no sheet, missing columns…)."""


@dataclass
class Problem:
    row: int
    column: str
    level: str  # "error" | "warning"
    message: str
    value: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "level": self.level, "message": self.message,
                "value": self.value}  # fmt: skip


@dataclass
class ParsedRow:
    row: int
    org: Org | None
    facts: dict
    action: str = "create"  # create | update | unchanged | error
    existing_id: int | None = None
    existing_version: int | None = None  # the roster record's version when the preview matched it


@dataclass
class Preview:
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total_rows: int = 0

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def summary(self) -> dict:
        error_rows = {p.row for p in self.problems if p.level == "error"}
        warning_rows = {p.row for p in self.problems if p.level == "warning"}
        return {
            "total_rows": self.total_rows,
            "to_create": self.count("create"),
            "to_update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "error_rows": len(error_rows),
            "warning_rows": len(warning_rows),
        }

    @property
    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)


# ----------------------------------------------------------------------------------- reading the file


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """The header and the data rows (with Excel's own row numbers) of the roster sheet."""
    from python_calamine import CalamineWorkbook

    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024}MB，请拆分后导入。")
    with path.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            raise ImportFileError("文件不是 xlsx 格式，请使用下载的模板（Excel 2007 及以上版本的 .xlsx 文件）。")
    check_package(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        sheet = book.get_sheet_by_name(SHEET_NAME) if SHEET_NAME in names else book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for broken zip or xml
        raise ImportFileError("文件已损坏或不是有效的 xlsx 文件，无法读取。") from exc
    if sheet.height > MAX_ROWS + 1:
        raise ImportFileError(f"工作表行数超过 {MAX_ROWS} 行，请删除多余的空行或拆分文件。")
    start_row = (sheet.start or (0, 0))[0]
    rows = sheet.iter_rows()
    try:
        header_cells = next(rows)
    except StopIteration:
        raise ImportFileError("工作表是空的：第一行应为表头。") from None
    header = [_cell_text(c) for c in header_cells]
    missing = [h for h in NATIONAL_HEADERS if h not in header]
    if missing:
        raise ImportFileError(
            "表头缺少以下列（或表头单元格被合并）：" + "、".join(missing) + "。请使用下载的模板，表头须在第一行。"
        )

    def data() -> Iterator[tuple[int, list]]:
        for index, values in enumerate(rows, start=start_row + 2):
            if any(_cell_text(v) for v in values):
                yield index, values

    return header, data()


MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024  # one part of the package, unpacked
MAX_PACK_RATIO = 200  # spreadsheet XML packs 5–30×; a zip bomb, thousands of times
_SHEET_ENTRY = re.compile(rb"<sheet\b[^>]*?\bname=\"([^\"]*)\"[^>]*?\br:id=\"([^\"]+)\"")
_REL_ENTRY = re.compile(rb"<Relationship\b[^>]*?\bId=\"([^\"]+)\"[^>]*?\bTarget=\"([^\"]+)\"")
_DIMENSION = re.compile(rb"<dimension\s+ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")


def check_package(path: Path) -> None:
    """Refuse, before the spreadsheet reader unpacks anything, what would exhaust memory (IP-07): parts that
    unpack to gigabytes or at bomb-like ratios, and a roster sheet whose used range runs to a million rows
    (a stray space in row 1,048,576 makes the reader lay out every empty row in between)."""
    try:
        with zipfile.ZipFile(path) as package:
            for info in package.infolist():
                ratio = info.file_size / info.compress_size if info.compress_size else 0
                if info.file_size > MAX_UNPACKED_BYTES or ratio > MAX_PACK_RATIO:
                    raise ImportFileError("文件解压后体积异常（疑似压缩炸弹），已拒绝读取。")
            rows = _roster_sheet_rows(package)
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise ImportFileError("文件已损坏或不是有效的 xlsx 文件，无法读取。") from exc
    if rows is not None and rows > MAX_ROWS + 1:
        raise ImportFileError(
            f"工作表的使用范围一直到第 {rows} 行，其中大多是空行（或只含空格的单元格）。"
            f"请删除数据下方的多余行后重新导入；一次最多导入 {MAX_ROWS} 行。"
        )


def _roster_sheet_rows(package: zipfile.ZipFile) -> int | None:
    """The last row of the used range the roster sheet declares (its <dimension>), or None if not declared."""
    names = set(package.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    sheets = _SHEET_ENTRY.findall(package.read("xl/workbook.xml"))
    if not sheets:
        return None
    targets = dict(_REL_ENTRY.findall(package.read("xl/_rels/workbook.xml.rels")))
    wanted = SHEET_NAME.encode()
    rel = next((r for name, r in sheets if name == wanted), sheets[0][1])
    target = targets.get(rel, b"").decode()
    part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    if part not in names:
        return None
    with package.open(part) as fh:
        head = fh.read(4096)  # <dimension> comes first in a worksheet, before the data
        match = _DIMENSION.search(head)
        if match is None:
            return None
        declared = int(match[1]) if match[1] else 1
        if declared <= MAX_ROWS + 1:
            return declared
        # Cells that are only formatted (a column styled down to the bottom) stretch the declared range, but
        # the reader skips them: what counts is the last row with a value. Scan the XML for it, streaming.
        return _last_valued_row(head, fh)


_ROW_OR_VALUE = re.compile(rb"<row\b[^>]*?\br=\"(\d+)\"|<v>|<v\s|<is>")


def _last_valued_row(head: bytes, fh) -> int:
    last = current = 0
    buffer = head
    while True:
        for match in _ROW_OR_VALUE.finditer(buffer):
            if match[1] is not None:
                current = int(match[1])
            else:
                last = current
        chunk = fh.read(1 << 20)
        if not chunk:
            return last
        buffer = buffer[-256:] + chunk  # a tag cut by the chunk boundary is matched whole next time


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return rules.normalize_id_number(str(value)) if isinstance(value, str) and value.isdigit() else str(value).strip()


# ----------------------------------------------------------------------------------- cell parsers


def parse_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        if 1 <= value <= 120_000:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError("日期格式无法识别")
    text = rules.normalize_id_number(str(value)).replace("／", "/")
    for pattern in (_DATE_TEXT, _DATE_COMPACT):
        m = pattern.match(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise ValueError("不是有效的日期") from None
    if text.isdigit():
        return parse_date(int(text))
    raise ValueError("日期格式无法识别，请写作 2020-07-01")


_SPACE_RUN = re.compile(r"\s+")


@cache
def _choice_table(column: Column) -> tuple[dict[str, str], frozenset[str], str]:
    """A column's labels (full-width brackets folded) → values, its values, and its error message."""
    labels = {label.replace("（", "(").replace("）", ")"): v for v, label in column.choices}
    message = f"应从下拉框中选择（{'、'.join(column.labels()[:8])}{'…' if len(column.choices) > 8 else ''}）"
    return labels, frozenset(v for v, _ in column.choices), message


def parse_choice(column: Column, value) -> str:
    text = _SPACE_RUN.sub("", str(value or "")).replace("（", "(").replace("）", ")")
    if not text:
        return ""
    labels, values, message = _choice_table(column)
    if text in labels:
        return labels[text]
    if text in values:
        return text
    alias = ALIASES.get(column.key, {}).get(text)
    if alias:
        return alias
    raise ValueError(message)


def parse_bool(value) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("应填写“是”或“否”")


def parse_id_number(value, today: date | None = None) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise ValueError("公民身份号码被Excel存成了数字，末几位可能已丢失；请将该列设为文本格式后重新填写")
    return rules.validate_id_number(str(value or ""), today=today or timezone.localdate())


# ----------------------------------------------------------------------------------- validation


class OrgIndex:
    """The orgs a user may import into, found by full name or by code."""

    def __init__(self, queryset):
        self.by_code: dict[str, Org] = {}
        self.by_name: dict[str, list[Org]] = defaultdict(list)
        for org in queryset.only("id", "name", "code", "path", "kind", "depth", "dissolved_on", "sector"):
            self.by_code[org.code] = org
            self.by_name[org.name].append(org)

    def find(self, text: str) -> tuple[Org | None, str | None]:
        text = text.strip()
        if not text:
            return None, "不能为空"
        if text in self.by_code:
            return self.by_code[text], None
        matches = self.by_name.get(text, [])
        if len(matches) == 1:
            return matches[0], None
        if len(matches) > 1:
            return None, f"「{text}」有 {len(matches)} 个同名党组织，请改填组织代码"
        return None, f"「{text}」不存在或不在您的管辖范围"


def import_scope(user):
    """The active orgs the user may import into (operators: all)."""
    orgs = Org.objects.active().exclude(kind="local_committee")
    return orgs if user is None else restrict(orgs, user, "members.import_member")


@contextmanager
def _gc_paused():
    """The cyclic garbage collector off for a bulk step. With hundreds of thousands of rows alive, each of
    its full collections walks them all (about a tenth of a 200,000-row import); the rows hold no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def preview(path: Path, *, user, progress: Callable[[int, int, str], None] | None = None) -> Preview:
    """Read and check every row; nothing is written."""
    with _gc_paused():
        return _preview(path, user=user, progress=progress)


def _preview(path: Path, *, user, progress) -> Preview:
    today = timezone.localdate()
    header, data = read_rows(path)
    positions = {h: i for i, h in enumerate(header) if h in BY_HEADER}
    result = Preview()
    for unknown in [h for h in header if h and h not in BY_HEADER]:
        result.problems.append(Problem(1, unknown, "warning", "不是模板中的列，已忽略"))
    orgs = OrgIndex(import_scope(user))
    plan = [(column, positions.get(column.header)) for column in COLUMNS]
    memo: dict = {}
    seen: dict[str, int] = {}
    for number, values in data:
        result.total_rows += 1
        parsed = _parse_row(number, values, plan, orgs, today, result.problems, memo)
        if parsed.action != "error" and parsed.facts.get("id_number"):
            earlier = seen.get(parsed.facts["id_number"])
            if earlier:
                result.problems.append(
                    Problem(number, "公民身份号码", "error", f"与第{earlier}行的公民身份号码重复",
                            rules.mask_id_number(parsed.facts["id_number"]))
                )  # fmt: skip
                parsed.action = "error"
            else:
                seen[parsed.facts["id_number"]] = number
        result.rows.append(parsed)
        if progress and result.total_rows % 1000 == 0:
            progress(result.total_rows, 0, "正在逐行校验")
    _match_existing(result, user)
    return result


def _parse_row(number, values, plan, orgs: OrgIndex, today, problems, memo: dict) -> ParsedRow:
    facts: dict = {}
    raw: dict = {}
    errors_before = len(problems)
    width = len(values)
    org = None
    for column, i in plan:
        value = values[i] if i is not None and i < width else None
        raw[column.key] = value
        kind = column.kind
        try:
            if kind == "org":
                org, message = orgs.find(_cell_text(value))
                if message:
                    raise ValueError(message)
            elif kind == "id_number":
                facts["id_number"] = parse_id_number(value, today)
            elif kind == "date":
                facts[column.key] = parse_date(value)
            elif kind == "choice":
                facts[column.key] = _memo_choice(column, value, memo)
            elif kind == "bool":
                facts[column.key] = parse_bool(value)
            elif kind == "phone":
                text = _cell_text(value)
                facts["phone"] = rules.normalize_phone(text) if text else ""
            else:
                facts[column.key] = _cell_text(value)
            if column.required and not facts.get(column.key) and kind != "org":
                raise ValueError("为必填项")
        except ValueError as exc:
            problems.append(Problem(number, column.header, "error", str(exc), _shown(column, value)))
    if len(problems) == errors_before:
        number_ok = facts.get("id_number")
        facts["birth_date"] = facts.get("birth_date") or rules.id_birth_date(number_ok)
        facts["sex"] = facts.get("sex") or rules.id_sex(number_ok)
        facts["status"] = facts.get("status") or "normal"
        facts["ethnicity"] = facts.get("ethnicity") or "汉族"
        for field_name, rule_id, message in rules.member_facts_problems(facts, today):
            header = next((c.header for c in COLUMNS if c.key == field_name), field_name)
            problems.append(
                Problem(number, header, "error", f"{message}（{rule_id}）", _cell_text(raw.get(field_name)))
            )
        if facts.get("is_lost_contact") and not facts.get("lost_contact_on"):
            problems.append(
                Problem(number, "失去联系日期", "warning", "失联党员未填写失去联系日期，期限提醒将无法计算")
            )
        if not facts.get("is_lost_contact"):
            facts["lost_contact_on"], facts["lost_reason"] = None, ""
    failed = any(p.level == "error" for p in problems[errors_before:])
    return ParsedRow(number, org, facts, "error" if failed else "create")


def _shown(column: Column, value) -> str:
    """A cell as a problem report shows it: ID numbers and phones masked."""
    shown = "" if value is None else str(value)
    if column.kind == "id_number":
        return rules.mask_id_number(shown)
    if column.kind == "phone":
        return rules.mask_phone(shown)
    return shown


def _memo_choice(column: Column, value, memo: dict) -> str:
    """`parse_choice`, remembered per (column, cell value) for one file: the same few labels fill every row."""
    key = (column.key, value.__class__, value)
    hit = memo.get(key)
    if hit is None:
        try:
            hit = (True, parse_choice(column, value))
        except ValueError as exc:
            hit = (False, str(exc))
        if len(memo) < 10_000:
            memo[key] = hit
    if hit[0]:
        return hit[1]
    raise ValueError(hit[1])


COMPARED = ("name", "sex", "ethnicity", "birth_date", "education", "stage", "joined_on", "full_on", "occupation",
            "job_title", "status", "is_lost_contact", "lost_contact_on", "lost_reason", "is_mobile",
            "mobile_destination", "mobile_since")  # fmt: skip


def _match_existing(result: Preview, user) -> None:
    """Rows whose ID number is on the roster become updates (or unchanged); others are creates."""
    candidates = [r for r in result.rows if r.action == "create"]
    by_index = {}
    for r in candidates:
        # Kept with the row: the commit's re-check and the INSERT use it instead of a second HMAC.
        r.facts["id_number_index"] = key = id_number_index(r.facts["id_number"])
        by_index[key] = r
    keys = list(by_index)
    step = _param_step()  # SQLite: at most 999 parameters per statement
    cipher_columns = [f"{f}_cipher" for f in SECRET_FIELDS if f != "id_number"]
    columns = [
        "pk",
        "uid",
        "version",
        "org_id",
        "org__path",
        "org__name",
        "id_number_index",
        *COMPARED,
        *cipher_columns,
    ]
    for start in range(0, len(keys), step):
        chunk = keys[start : start + step]
        # Plain values, not model instances: a re-import matches every row of the file.
        chunk_qs = Member.objects.current().with_id_number().filter(_in("id_number_index", chunk, "text"))
        for member in chunk_qs.values(*columns):
            row = by_index[member["id_number_index"]]
            # The scope test `restrict(…, "change")` makes, on the org path already at hand (a query per
            # chunk of ids walked the user's whole subtree on SQLite: ~0.4 s each).
            if user is not None and not user_may_act_on_path(user, "members.change_member", member["org__path"]):
                result.problems.append(
                    Problem(row.row, "公民身份号码", "error", "该党员已在其他党组织的名册中，不在您的管辖范围")
                )
                row.action = "error"
                continue
            if member["org_id"] != row.org.pk:
                message = f"该党员现在「{member['org__name']}」，与本表不同；调整所在党支部请办理组织关系转接"
                result.problems.append(Problem(row.row, "所在党支部", "error", message, row.org.name))
                row.action = "error"
                continue
            row.existing_id, row.existing_version = member["pk"], member["version"]
            # The ID number is equal by construction (matched on its keyed index); the other secrets are
            # decrypted only when every plain field is equal.
            changed = any(_differs(member[k], row.facts.get(k)) for k in COMPARED) or any(
                (row.facts.get(f) or "") != _decrypted(member[f"{f}_cipher"], f, member["uid"])
                for f in SECRET_FIELDS
                if f != "id_number"
            )
            row.action = "update" if changed else "unchanged"


def _decrypted(stored: str, field_name: str, uid) -> str:
    return crypto.decrypt_field(stored, secret_aad(field_name, uid)) if stored else ""


def _differs(current, new) -> bool:
    return (current or None) != (new or None)


# ----------------------------------------------------------------------------------- bulk writes

# Field types whose database value is the Python value itself when it has exactly this class: these skip
# Django's per-value preparation. Any other value goes through Field.get_db_prep_save, as bulk_create does.
_AS_IS = {
    "CharField": str, "TextField": str, "BooleanField": bool, "IntegerField": int, "BigIntegerField": int,
    "SmallIntegerField": int, "PositiveIntegerField": int, "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int, "AutoField": int, "BigAutoField": int, "SmallAutoField": int,
}  # fmt: skip


def _insert_plan(model, connection, exclude: tuple[str, ...] = ()):
    """How `model`'s rows are written: the auto timestamp fields (one value per call) and, for every other
    concrete field but the pk and `exclude`, (attname, field, class kept as is, converter for that class)."""
    meta = model._meta
    stamped, plan = [], []
    probe = date(2000, 1, 2)
    adapted_date = connection.ops.adapt_datefield_value(probe)
    for f in meta.concrete_fields:
        if f is meta.pk or getattr(f, "generated", False) or f.attname in exclude:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamped.append(f)
            continue
        internal = f.get_internal_type()
        if internal == "ForeignKey":
            internal = f.target_field.get_internal_type()
        kind = _AS_IS.get(internal)
        convert = None
        if internal == "DateField" and adapted_date == probe:
            kind = date
        elif internal == "DateField" and adapted_date == str(probe):
            kind, convert = date, str
        plan.append((f.attname, f, kind, convert))
    return stamped, plan


def _stamps(stamped: list, connection) -> list:
    now = timezone.now()
    return [
        f.get_db_prep_save(now if f.get_internal_type() == "DateTimeField" else timezone.localdate(now), connection)
        for f in stamped
    ]


def _db_values(plan: list, row, connection) -> list:
    """`row` (an instance or a dict of attname → value; a missing key gets the field's default) as the values
    the database driver takes, in the plan's order."""
    is_dict = isinstance(row, dict)
    data = row if is_dict else row.__dict__
    out = []
    for attname, f, kind, convert in plan:
        value = data[attname] if attname in data else (f.get_default() if is_dict else getattr(row, attname))
        if value is None or value.__class__ is not kind:
            value = f.get_db_prep_save(value, connection)
        elif convert is not None:
            value = convert(value)
        out.append(value)
    return out


def insert_rows(model, rows: list, *, assign_pks: bool = False, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """INSERT many rows of `model` in the caller's transaction, as bulk_create would but without compiling
    SQL per value: one prepared statement run by executemany (SQLite), COPY (PostgreSQL).

    `rows` are unsaved model instances, or dicts of attname → value (a missing field gets its default).
    auto_now / auto_now_add fields get one timestamp for the whole call. With `assign_pks` the rows get
    the ids the database would have given them, reserved first (see `_reserve_ids`); instances get their
    pk and are marked saved. Returns those ids (else []).
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise TransactionManagementError("insert_rows() writes inside the caller's transaction")
    if not rows:
        return []
    if connection.vendor not in ("sqlite", "postgresql"):
        objs = [model(**r) if isinstance(r, dict) else r for r in rows]
        model.objects.using(using).bulk_create(objs, batch_size=1000)
        return [o.pk for o in objs] if assign_pks else []
    stamped, plan = _insert_plan(model, connection)
    stamps = _stamps(stamped, connection)
    if stamped and not isinstance(rows[0], dict):
        now = timezone.now()
        for row in rows:  # instances carry the timestamps they were saved with, as after bulk_create
            for f in stamped:
                setattr(row, f.attname, now if f.get_internal_type() == "DateTimeField" else timezone.localdate(now))
    meta = model._meta
    columns = [f.column for f in stamped] + [f.column for _, f, _, _ in plan]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if assign_pks:
            ids = _reserve_ids(cursor, model, len(rows))
            columns.insert(0, meta.pk.column)
            pairs = zip(ids, rows, strict=True)
            data = ([pk_value, *stamps, *_db_values(plan, row, connection)] for pk_value, row in pairs)
        else:
            data = ([*stamps, *_db_values(plan, row, connection)] for row in rows)
        _send(cursor, connection, meta.db_table, columns, data)
    if assign_pks:
        for pk_value, row in zip(ids, rows, strict=True):
            if not isinstance(row, dict):
                setattr(row, meta.pk.attname, pk_value)
                row._state.adding = False
                row._state.db = using
    return ids


def _reserve_ids(cursor, model, count: int) -> list[int]:
    """The next `count` ids of `model`'s table: from its sequence (PostgreSQL); after the largest id ever used
    (SQLite AUTOINCREMENT, under the write lock of the caller's transaction)."""
    meta = model._meta
    connection = cursor.db
    if connection.vendor == "postgresql":
        # The sequence looked up once: as an argument of nextval in the same statement, pg_get_serial_sequence
        # ran for every id (a catalog look-up each; about 5 % of the server's work in a 200,000-row commit).
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [r[0] for r in cursor.fetchall()]
    table = connection.ops.quote_name(meta.db_table)
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
    seq = cursor.fetchone()
    cursor.execute(f"SELECT MAX({connection.ops.quote_name(meta.pk.column)}) FROM {table}")
    start = max(seq[0] if seq else 0, cursor.fetchone()[0] or 0) + 1
    return list(range(start, start + count))


def _send(cursor, connection, db_table: str, columns: list[str], data) -> None:
    table = connection.ops.quote_name(db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for record in data:
                copy.write_row(record)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", data)


# Prepared rows: the values of rows worked out ahead (in the import's preview job), so that the commit, which
# holds the write lock, only sends them. On PostgreSQL a prepared row is its fields in the binary COPY format
# (`pgcopy`: the server then parses no text); on SQLite the tuple executemany takes. Either way without the pk,
# the timestamps and the `lead` fields given at insert.


@dataclass
class PreparedRows:
    """Rows of one model, prepared by `prepare_rows` for one database vendor."""

    model_label: str
    vendor: str
    attnames: tuple[str, ...]  # the prepared fields, in order
    rows: list = field(default_factory=list)

    def part(self, start: int, stop: int) -> PreparedRows:
        return PreparedRows(self.model_label, self.vendor, self.attnames, self.rows[start:stop])


def prepare_rows(model, rows: list, *, exclude: tuple[str, ...] = (), using: str = DEFAULT_DB_ALIAS) -> PreparedRows:
    """`rows` (instances or dicts, as `insert_rows` takes them) worked out into what the database receives,
    leaving out the pk, the auto timestamps and the `exclude` fields (given at insert)."""
    connection = connections[using]
    _, plan = _insert_plan(model, connection, exclude)
    prepared = PreparedRows(model._meta.label, connection.vendor, tuple(a for a, _, _, _ in plan))
    if connection.vendor == "postgresql":
        fields = [(f.attname, f, pgcopy.encoder(f, connection)) for _, f, _, _ in plan]
        for row in rows:
            data = row if isinstance(row, dict) else row.__dict__
            prepared.rows.append(
                b"".join(encode(data[name] if name in data else f.get_default()) for name, f, encode in fields)
            )
    else:
        prepared.rows.extend(tuple(_db_values(plan, row, connection)) for row in rows)
    return prepared


def insert_prepared(
    model, prepared: PreparedRows, *, lead: dict | None = None, assign_pks: bool = False, using: str = DEFAULT_DB_ALIAS
) -> list[int]:
    """INSERT rows `prepare_rows` worked out, in the caller's transaction. `lead` gives the fields left out,
    attname → one value for every row, or a list with a value per row (database-ready: ids, plain text).
    With `assign_pks` the rows get reserved ids (returned, in order)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise TransactionManagementError("insert_prepared() writes inside the caller's transaction")
    if (prepared.model_label, prepared.vendor) != (model._meta.label, connection.vendor):
        raise ValueError("prepared rows are for another model or database")
    count = len(prepared.rows)
    if not count:
        return []
    meta = model._meta
    stamped, _ = _insert_plan(model, connection)
    given = [(meta.get_field(name), value) for name, value in (lead or {}).items()]
    if any(isinstance(value, list) and len(value) != count for _, value in given):
        raise ValueError("a lead list must have a value per row")
    ids: list[int] = []
    with connection.cursor() as cursor:
        if assign_pks:
            ids = _reserve_ids(cursor, model, count)
            given.insert(0, (meta.pk, ids))
        # The fields with a value per row, those with one value for all rows (the timestamps too), the prepared.
        per_row = [(f, values) for f, values in given if isinstance(values, list)]
        once = [(f, v) for f, v in given if not isinstance(v, list)]
        once += zip(stamped, _stamps(stamped, connection), strict=True)
        fields = [f for f, _ in per_row] + [f for f, _ in once] + [meta.get_field(a) for a in prepared.attnames]
        table = connection.ops.quote_name(meta.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        rows = prepared.rows
        if connection.vendor == "postgresql":
            head = pgcopy.field_count(len(fields))
            varying = [list(map(pgcopy.encoder(f, connection), values)) for f, values in per_row]
            middle = b"".join(pgcopy.encoder(f, connection)(v) for f, v in once)
            # Through Django's error wrapper: a refused row raises django.db.IntegrityError, as an INSERT would.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.write(pgcopy.SIGNATURE)
                for start in range(0, count, 5000):
                    parts = []
                    for i in range(start, min(start + 5000, count)):
                        parts.append(head)
                        parts.extend(values[i] for values in varying)
                        parts.append(middle)
                        parts.append(rows[i])
                    copy.write(b"".join(parts))
                copy.write(pgcopy.TRAILER)
        else:
            fixed = tuple(v for _, v in once)
            data = ((*(values[i] for _, values in per_row), *fixed, *row) for i, row in enumerate(rows))
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", data)
    return ids


# ----------------------------------------------------------------------------------- batches


def store_upload(uploaded, *, user) -> ImportBatch:
    """Keep the uploaded file and open a batch for it (the preview job fills in the report)."""
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.xlsx"
    target = directory / name
    with target.open("wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    return open_batch(target, filename=getattr(uploaded, "name", name), user=user)


def open_batch(path: Path, *, filename: str, user) -> ImportBatch:
    scope = import_scope(user)
    paths = scope_paths(user, "members.import_member") if user is not None else None
    if user is not None and not paths:
        raise OutOfScope("您没有导入党员名册的权限。")
    top = (
        Org.objects.filter(path=paths[0]).first()
        if paths
        else Org.objects.filter(parent__isnull=True).order_by("path").first()
    )
    if top is None or not scope.exists():
        raise RuleViolation("REL-01", "没有可以导入党员的党组织")
    return ImportBatch.objects.create(
        digest=crypto.sm3(path.read_bytes()).hex(),
        filename=filename[:255],
        template_version=TEMPLATE_VERSION,
        stored_file=str(path),
        scope_org=top,
        created_by=user,
    )


def previous_commit(batch: ImportBatch) -> ImportBatch | None:
    """The batch that already wrote this very file (REL-02), if any."""
    return (
        ImportBatch.objects.filter(
            digest=batch.digest, template_version=batch.template_version, status=ImportStatus.COMMITTED
        )
        .exclude(pk=batch.pk)
        .first()
    )


def run_preview(batch: ImportBatch, *, user, progress=None) -> Preview:
    try:
        result = preview(Path(batch.stored_file), user=user, progress=progress)
    except ImportFileError as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, message=str(exc))
        raise RuleViolation("REL-01", str(exc)) from exc
    summary = result.summary()
    if not result.has_errors:
        save_checked(batch, seal(result))
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.PREVIEWED,
        problems=[p.as_dict() for p in result.problems[:STORED_PROBLEMS]],
        message="" if not result.has_errors else "存在错误，修改后请重新上传；不会写入任何数据。",
        **summary,
    )
    return result


CHECKED_SALT = "dangjian.members.import.checked"


def checked_path(batch: ImportBatch) -> Path:
    stored = Path(batch.stored_file)
    return stored.with_name(stored.name + ".checked")


@dataclass
class Checked:
    """What the preview job keeps for the commit: the rows that match roster records (as the preview checked
    them), and the new people already worked out into the rows the database will receive."""

    preview: Preview  # matched rows only ("update" / "unchanged"); total_rows and warnings of the whole file
    rows: list[int]  # per new person: the spreadsheet row,
    org_ids: list[int]  # its target org,
    members: PreparedRows  # its member record (uid, ciphertexts, blind index, initials included),
    placements: PreparedRows  # and its first placement (without the member id)

    def summary(self) -> dict:
        return {**self.preview.summary(), "to_create": len(self.rows)}


def seal(result: Preview, *, chunk: int = 10_000) -> Checked:
    """Work out now, in the preview job, everything the commit writes for the new people: their record id
    (uid), their secrets encrypted under it, their pinyin initials, and the values of their member,
    placement rows. The commit then only sends rows, and holds the database's write lock
    (SQLite: the whole database) for as short as it can."""
    from dangjian.members.models import Placement

    cipher = crypto.field_cipher()
    cache: dict = {}
    today = timezone.localdate()
    creates = [r for r in result.rows if r.action == "create"]
    kept = Preview(
        rows=[r for r in result.rows if r.action != "create"], problems=result.problems, total_rows=result.total_rows
    )
    checked = Checked(
        preview=kept,
        rows=[r.row for r in creates],
        org_ids=[r.org.pk for r in creates],
        members=prepare_rows(Member, []),
        placements=prepare_rows(Placement, [], exclude=("member_id",)),
    )
    for start in range(0, len(creates), chunk):
        members = []
        for r in creates[start : start + chunk]:
            facts = dict(r.facts)
            uid = facts["uid"] = time_ordered_uuid()  # neighbouring uids: the uid index grows at its end
            for field_name in SECRET_FIELDS:
                value = facts.get(field_name) or ""
                facts[f"{field_name}_cipher"] = cipher.encrypt(value, secret_aad(field_name, uid)) if value else ""
            facts["name_initials"] = initials(facts["name"])
            members.append(actions.build_member(r.org, facts, cache=cache))
        checked.members.rows += prepare_rows(Member, members).rows
        checked.placements.rows += prepare_rows(
            Placement,
            [
                {"org_id": m.org_id, "valid_from": m.joined_on or today, "valid_to": None, "reason": "登记"}
                for m in members
            ],
            exclude=("member_id",),
        ).rows
    return checked


# What a checked-rows file holds, for `load_checked` to refuse files an earlier version wrote (2: PostgreSQL rows
# in the binary COPY format).
CHECKED_FORMAT = 2


def _checked_mac(payload) -> bytes:
    mac = salted_hmac(CHECKED_SALT, b"", algorithm="sha256")
    mac.update(payload)  # incrementally: no copy of a 100 MB payload
    return mac.digest()


def save_checked(batch: ImportBatch, checked: Checked) -> None:
    """Keep the preview's checked rows beside the uploaded file, so that the commit need not read and check
    the spreadsheet again (a third of a 200,000-row commit). The file is sealed with a keyed MAC: the commit
    loads only what this installation wrote for this batch and this file."""
    sealed = (CHECKED_FORMAT, batch.pk, batch.digest, TEMPLATE_VERSION, checked)
    payload = pickle.dumps(sealed, protocol=pickle.HIGHEST_PROTOCOL)
    target = checked_path(batch)
    partial = target.with_name(target.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(_checked_mac(payload))
        fh.write(payload)
    os.replace(partial, target)


def load_checked(batch: ImportBatch) -> Checked | None:
    """The rows `save_checked` kept for this batch, or None (missing, altered, for another file, written by an
    earlier version, or prepared for another kind of database)."""
    try:
        blob = checked_path(batch).read_bytes()
    except OSError:
        return None
    payload = memoryview(blob)[32:]
    if not constant_time_compare(blob[:32], _checked_mac(payload)):
        return None
    sealed = pickle.loads(payload)  # sealed by our own key (MAC above)
    if len(sealed) != 5 or sealed[0] != CHECKED_FORMAT:
        return None
    _, batch_pk, digest, template_version, checked = sealed
    if (batch_pk, digest, template_version) != (batch.pk, batch.digest, TEMPLATE_VERSION):
        return None
    if checked.members.vendor != connections[Member.objects.db].vendor:
        return None
    return checked


def unchanged_since_preview(checked: Checked, user) -> bool:
    """Whether the preview's verdicts still hold, checked in the commit's transaction: every target org is
    still active and in the user's scope, and every matched record is at the version the preview compared.
    Anything else: False. (That no new roster record holds an ID number the preview found free is checked by
    the database as the new rows go in: `_write_checked_unless_taken`.)"""
    result = checked.preview
    if result.has_errors:
        return False
    matched = [r for r in result.rows if r.action in ("update", "unchanged")]
    step = _param_step()
    org_ids = sorted({*checked.org_ids, *(r.org.pk for r in matched)})
    fresh: dict[int, Org] = {}
    for start in range(0, len(org_ids), step):
        fresh.update(import_scope(user).in_bulk(org_ids[start : start + step]))
    if len(fresh) != len(org_ids):
        return False
    for r in matched:
        r.org = fresh[r.org.pk]
    if user is not None:
        for org in {r.org for r in matched}:
            if not user_may_act_on_path(user, "members.change_member", org.path):
                return False
    expected = {r.existing_id: (r.existing_version, r.org.pk) for r in matched}
    ids = list(expected)
    for start in range(0, len(ids), step):
        chunk = ids[start : start + step]
        found = Member.objects.current().filter(_in("pk", chunk, "bigint")).values_list("pk", "version", "org_id")
        if sum(1 for pk, version, org_id in found if expected[pk] == (version, org_id)) != len(chunk):
            return False
    return True


SQLITE_STEP = 900


def _param_step() -> int:
    """Values per IN list: SQLite allows 999 parameters per statement; PostgreSQL takes one array parameter."""
    return SQLITE_STEP if connections[Member.objects.db].features.max_query_params else 50_000


def _in(field: str, values: list, sql_type: str) -> Q:
    """``field IN values`` for one chunk: a parameter per value on SQLite (chunks fit its limit), one array
    parameter on PostgreSQL (`core.sql.values_in`; a 50,000-value IN list took PostgreSQL seconds to parse)."""
    return values_in(field, values, sql_type, inline=SQLITE_STEP)


def commit(batch: ImportBatch, *, user, progress=None) -> dict:
    """Write a previewed batch: all rows or none, checked again inside the transaction."""
    if user is not None and not scope_paths(user, "members.import_member"):
        raise OutOfScope("您没有导入党员名册的权限。")
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status == ImportStatus.COMMITTED:
                raise RuleViolation("REL-02", "该批次已经导入，不能重复导入")
            if locked.status != ImportStatus.PREVIEWED:
                raise RuleViolation("REL-02", f"该批次当前状态为「{locked.get_status_display()}」，不能导入")
            earlier = previous_commit(locked)
            if earlier is not None:
                raise RuleViolation(
                    "REL-02", f"同一文件已于{earlier.committed_at:%Y-%m-%d %H:%M}导入（批次 {earlier.pk}）"
                )
            ImportBatch.objects.filter(pk=locked.pk).update(status=ImportStatus.COMMITTING)
            checked = load_checked(locked)
            written = None
            if checked is not None and unchanged_since_preview(checked, user):
                summary = checked.summary()
                written = _write_checked_unless_taken(locked, checked, user=user, progress=progress)
            if written is None:
                # No checked rows kept, or the roster, the orgs or the user's scope changed since the preview:
                # read and check the whole file again, as the preview did.
                result = preview(Path(locked.stored_file), user=user, progress=progress)
                if result.has_errors:
                    errors = sum(1 for p in result.problems if p.level == "error")
                    raise RuleViolation(
                        "REL-01", f"数据已有变化，重新校验发现 {errors} 处错误，未写入任何数据；请重新上传"
                    )
                summary = result.summary()
                written = _write(locked, result, user=user, progress=progress)
            ImportBatch.objects.filter(pk=locked.pk).update(
                status=ImportStatus.COMMITTED, committed_at=timezone.now(), message="", **summary
            )
            audit.record(
                "member.import.commit",
                actor=user,
                obj=locked,
                org_path=locked.scope_org.path,
                after={"file_digest": locked.digest, "filename": locked.filename, **written},
            )
    except IntegrityError as exc:
        raise RuleViolation("REL-02", "同一文件正在导入或已经导入，请勿重复提交") from exc
    return written


def _write(batch: ImportBatch, result: Preview, *, user, progress=None) -> dict:
    with _gc_paused():
        return _write_rows(batch, result, user=user, progress=progress)


def _write_rows(batch: ImportBatch, result: Preview, *, user, progress) -> dict:
    """Write the rows of a preview made in the commit itself (the checked rows were gone or stale)."""
    creates = [r for r in result.rows if r.action == "create"]
    updates = [r for r in result.rows if r.action == "update"]
    total = len(creates) + len(updates)

    def report(done):
        if progress:
            progress(done, total, "正在写入")

    created = actions.bulk_add_members([(r.org, r.facts) for r in creates], actor=user, progress=report)
    _list_created(batch, [m.pk for m in created], [r.row for r in creates])
    items: list[dict] = []
    changed = _write_updates(batch, updates, items)
    report(total)
    insert_rows(ImportBatchItem, items)
    _check_may_add(user, {m.org_id for m in created} | {m.org_id for m in changed})
    return {"created": len(created), "updated": len(changed), "unchanged": result.count("unchanged")}


WRITE_CHUNK = 20_000  # new members per INSERT, between progress reports


def _write_checked_unless_taken(batch: ImportBatch, checked: Checked, *, user, progress) -> dict | None:
    """`_write_checked` in a savepoint; None, with nothing written, when the database refuses a new person
    because a current roster record has taken their ID number since the preview. That refusal is the re-check
    of the new people's ID numbers: the partial unique index `members_one_current_record_per_id` makes it on
    every row the import inserts (the new rows are all current: the template offers 正常 and 停止党籍 only),
    so the commit does not send the 200,000 blind indexes to the server beforehand to look them up itself.
    The caller then reads and checks the file again, and the row becomes an update."""
    try:
        with transaction.atomic():
            return _write_checked(batch, checked, user=user, progress=progress)
    except IntegrityError:
        return None


def _write_checked(batch: ImportBatch, checked: Checked, *, user, progress) -> dict:
    """Write what the preview job worked out (`seal`): the new people's rows as prepared, then the updates."""
    from dangjian.members.models import Placement

    updates = [r for r in checked.preview.rows if r.action == "update"]
    count = len(checked.rows)
    total = count + len(updates)
    _check_may_add(user, {*checked.org_ids, *(r.org.pk for r in updates)})
    ids: list[int] = []
    with _gc_paused():
        for start in range(0, count, WRITE_CHUNK):
            ids += insert_prepared(Member, checked.members.part(start, start + WRITE_CHUNK), assign_pks=True)
            if progress:
                progress(len(ids), total, "正在写入")
        insert_prepared(Placement, checked.placements, lead={"member_id": ids})
        _list_created(batch, ids, checked.rows)
        items: list[dict] = []
        changed = _write_updates(batch, updates, items)
        insert_rows(ImportBatchItem, items)
    actions.recount(set(checked.org_ids))
    if progress:
        progress(total, total, "正在写入")
    return {"created": count, "updated": len(changed), "unchanged": checked.preview.count("unchanged")}


def _runs(values: list[int]) -> list[list[int]]:
    """`values` as runs of consecutive integers: [[first, count], …]."""
    runs: list[list[int]] = []
    for value in values:
        if runs and runs[-1][0] + runs[-1][1] == value:
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    return runs


def _list_created(batch: ImportBatch, ids: list[int], rows: list[int]) -> None:
    """Note on the batch which members it created and from which spreadsheet rows, both as runs of consecutive
    numbers (a file without errors: a run or a few, instead of a 200,000-number list to write and compress)."""
    ImportBatch.objects.filter(pk=batch.pk).update(created_members={"runs": _runs(ids), "row_runs": _runs(rows)})


def _created(batch: ImportBatch) -> list[tuple[int, int]]:
    """(member id, spreadsheet row) of every member the batch created (batches listed before row runs: "rows")."""
    listed = batch.created_members or {}
    ids = [pk for first, count in listed.get("runs", []) for pk in range(first, first + count)]
    rows = listed.get("rows") or [
        row for first, count in listed.get("row_runs", []) for row in range(first, first + count)
    ]
    return list(zip(ids, rows, strict=True))


def _write_updates(batch: ImportBatch, updates: list[ParsedRow], items: list) -> list[Member]:
    """Apply the changed rows to their roster records; append their batch items (with what each record was,
    so that the batch can be rolled back) to `items`. Returns the records changed (org counters recounted)."""
    existing = Member.objects.in_bulk([r.existing_id for r in updates])
    changed: list[Member] = []
    for r in updates:
        member = existing[r.existing_id]
        before = {k: getattr(member, k) for k in COMPARED}
        before.update({f"{f}_cipher": getattr(member, f"{f}_cipher") for f in SECRET_FIELDS})
        # The version too: a rolled-back record is exactly what it was, so an edit begun before the import
        # may still be saved, and an older batch may still be rolled back.
        before.update(
            id_number_index=member.id_number_index, name_initials=member.name_initials, version=member.version
        )
        for key in COMPARED:
            if key in r.facts:
                setattr(member, key, r.facts[key])
        for f in SECRET_FIELDS:
            if (r.facts.get(f) or "") != member.get_secret(f):
                member.set_secret(f, r.facts.get(f) or "")
        member.name_initials = initials(member.name)
        member.version += 1
        changed.append(member)
        items.append({"batch_id": batch.pk, "member_id": member.pk, "row_number": r.row, "action": "update",
                      "before": _jsonable(before), "version_after": member.version})  # fmt: skip
    if changed:
        fields = [*COMPARED, *(f"{f}_cipher" for f in SECRET_FIELDS), "id_number_index", "name_initials", "version"]
        Member.objects.bulk_update(changed, fields, batch_size=1000)
        actions.recount({m.org_id for m in changed})
    return changed


def _check_may_add(user, org_ids: set[int]) -> None:
    """Every member the batch writes sits in an org where the user may add members (checked org by org, in
    chunks: one query per member walked the user's whole subtree on SQLite)."""
    if user is None:
        return
    ids = sorted(org_ids)
    allowed = sum(
        restrict(Org.objects.filter(pk__in=ids[start : start + 900]), user, "members.add_member").count()
        for start in range(0, len(ids), 900)
    )
    if allowed != len(ids):
        raise OutOfScope()


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


def rollback(batch: ImportBatch, *, user) -> dict:
    """Undo a committed batch while none of its records has changed since (else refuse, naming the rows)."""
    if (
        user is not None
        and not restrict(ImportBatch.objects.filter(pk=batch.pk), user, "members.import_member").exists()
    ):
        raise OutOfScope()
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportStatus.COMMITTED:
            raise RuleViolation("REL-02", "只有已导入的批次才能撤销")
        items = list(locked.items.all())
        # Expected (version, row) of every record the batch wrote: the members it created are at version 1.
        expected = {pk: (1, row) for pk, row in _created(locked)}
        expected.update({i.member_id: (i.version_after, i.row_number) for i in items if i.member_id})
        current: dict[int, tuple[int, int]] = {}
        keys = list(expected)
        step = _param_step()
        for start in range(0, len(keys), step):
            chunk = Member.objects.filter(_in("pk", keys[start : start + step], "bigint"))
            current.update(
                (pk, (version, org_id)) for pk, version, org_id in chunk.values_list("pk", "version", "org_id")
            )
        moved = [row for pk, (version, row) in expected.items() if pk not in current or current[pk][0] != version]
        moved += [i.row_number for i in items if not i.member_id]
        if moved:
            rows = "、".join(str(r) for r in sorted(moved)[:20])
            raise RuleViolation("REL-02", f"第 {rows} 行的人员导入后已被修改，不能整批撤销")
        orgs = {org_id for _, org_id in current.values()}
        created_ids = [pk for pk, _ in _created(locked)] + [i.member_id for i in items if i.action == "create"]
        try:
            for start in range(0, len(created_ids), step):
                Member.objects.filter(_in("pk", created_ids[start : start + step], "bigint")).delete()
        except IntegrityError as exc:
            raise RuleViolation("REL-02", "导入的人员已有后续业务记录（如组织关系转接），不能整批撤销") from exc
        updated = Member.objects.in_bulk([i.member_id for i in items if i.action == "update"])
        for item in items:
            if item.action != "update":
                continue
            member = updated[item.member_id]
            for key, value in item.before.items():
                if key in ("birth_date", "joined_on", "full_on", "lost_contact_on", "mobile_since") and value:
                    value = date.fromisoformat(value)
                setattr(member, key, value)
            member.save()
        actions.recount(orgs)
        ImportBatch.objects.filter(pk=locked.pk).update(status=ImportStatus.ROLLED_BACK, rolled_back_at=timezone.now())
        audit.record(
            "member.import.rollback",
            actor=user,
            obj=locked,
            org_path=locked.scope_org.path,
            after={
                "file_digest": locked.digest,
                "removed": len(created_ids),
                "restored": len(updated),
            },
        )
    return {"removed": len(created_ids), "restored": len(updated)}


# ----------------------------------------------------------------------------------- jobs


def preview_job(job, progress) -> dict:
    from dangjian.accounts.models import User

    batch = ImportBatch.objects.get(pk=job.params["batch"])
    user = User.objects.get(pk=job.params["user"]) if job.params.get("user") else None
    result = run_preview(batch, user=user, progress=progress.report)
    summary = result.summary()
    from django.urls import reverse

    return {"url": reverse("members:import_batch", args=[batch.pk]), "message": _summary_text(summary), **summary}


def commit_job(job, progress) -> dict:
    from django.urls import reverse

    from dangjian.accounts.models import User

    batch = ImportBatch.objects.get(pk=job.params["batch"])
    user = User.objects.get(pk=job.params["user"]) if job.params.get("user") else None
    written = commit(batch, user=user, progress=progress.report)
    message = (
        f"导入完成：新增 {written['created']} 人，更新 {written['updated']} 人，无变化 {written['unchanged']} 人。"
    )
    return {"url": reverse("members:import_batch", args=[batch.pk]), "message": message, **written}


def _summary_text(summary: dict) -> str:
    return (
        f"共 {summary['total_rows']} 行：新增 {summary['to_create']}，更新 {summary['to_update']}，"
        f"无变化 {summary['unchanged']}，有错误 {summary['error_rows']} 行，有提示 {summary['warning_rows']} 行。"
    )


# ----------------------------------------------------------------------------------- the template


def write_template(target, *, user) -> None:
    """The import template: national items first, dropdowns for coded columns, an instructions sheet."""
    import xlsxwriter

    from dangjian.members.columns import COLUMNS, HEADERS, INSTRUCTIONS

    book = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = book.add_worksheet(SHEET_NAME)
    notes = book.add_worksheet("填写说明")
    codes = book.add_worksheet("代码表")
    national = book.add_format({"bold": True, "bg_color": "#C00000", "font_color": "#FFFFFF", "border": 1})
    extended = book.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1})
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    orgs = list(import_scope(user).order_by("path").values_list("name", flat=True)[:5000])
    for i, column in enumerate(COLUMNS):
        sheet.write_string(0, i, column.header, national if column.national else extended)
        cell_format = day if column.kind == "date" else text if column.kind in ("id_number", "phone", "text") else None
        sheet.set_column(i, i, column.width, cell_format)
        options = column.labels() if column.choices else (orgs if column.kind == "org" else [])
        if options:
            codes.write_string(0, i, column.header)
            for j, label in enumerate(options, start=1):
                codes.write_string(j, i, label)
            letter = xlsxwriter.utility.xl_col_to_name(i)
            sheet.data_validation(
                1, i, 100000, i,
                {"validate": "list", "source": f"=代码表!${letter}$2:${letter}${len(options) + 1}",
                 "error_title": column.header, "error_message": "请从下拉框中选择", "error_type": "warning"},
            )  # fmt: skip
    sheet.freeze_panes(1, 2)
    codes.hide()
    notes.set_column(0, 0, 110)
    notes.write_string(0, 0, "党员信息导入模板 填写说明", book.add_format({"bold": True, "font_size": 14}))
    for i, line in enumerate(INSTRUCTIONS, start=2):
        notes.write_string(i, 0, line)
    notes.write_string(len(INSTRUCTIONS) + 3, 0, "表头：" + "、".join(HEADERS))
    book.close()

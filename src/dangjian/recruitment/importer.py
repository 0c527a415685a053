"""Import of existing recruitment cases from a spreadsheet (one row per person, the dates of §4.2), reusing
the roster importer's file checks and cell parsers (`members.importer`). The person must already be on the
roster (matched by 公民身份号码 within the user's scope). Every row is checked with `timeline_violations`
under the rule version of its application date: old records may break rules, so violations are warnings
shown in the preview and stored on the case, never a refusal. Errors (unknown person, unreadable date, an open
case already) block the commit; the commit writes all rows or none."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, crypto
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.scope import restrict
from dangjian.members.importer import MAX_FILE_BYTES, ImportFileError, parse_date, parse_id_number
from dangjian.members.models import Member, id_number_index
from dangjian.recruitment import rules
from dangjian.recruitment.models import CaseImport, CaseStep, ImportState, RecruitmentCase
from dangjian.stats import events as stats_events

MAX_ROWS = 20_000
# Header → key of `timeline_violations` (plus the identity columns).
COLUMNS = {
    "姓名": "name",
    "公民身份号码": "id_number",
    "递交入党申请书日期": "application_date",
    "党组织派人谈话日期": "talk_date",
    "确定为入党积极分子日期": "activist_date",
    "确定为发展对象日期": "candidate_date",
    "政审结论日期": "political_review_date",
    "集中培训天数": "training_days",
    "集中培训学时": "training_hours",
    "上级党委预审日期": "prereview_date",
    "支部大会讨论接收日期": "acceptance_date",
    "上级党委审批日期": "approval_date",
    "入党宣誓日期": "oath_date",
    "延长预备期月数": "extension_months",
    "支部大会讨论转正日期": "conversion_meeting_date",
    "上级党委审批转正日期": "conversion_approval_date",
}
REQUIRED = ("姓名", "公民身份号码", "递交入党申请书日期")
INT_KEYS = ("training_days", "training_hours", "extension_months")


@dataclass
class Row:
    number: int
    name: str
    member: Member | None = None
    facts: dict = field(default_factory=dict)
    state: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return rules.stage_label(self.state) if self.state else ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def state_of(facts: dict) -> str:
    """The state an imported case is in, from the latest date it carries."""
    if facts.get("conversion_approval_date"):
        return rules.FULL
    if facts.get("approval_date"):
        return rules.EXTENDED if facts.get("extension_months") else rules.PROBATIONARY
    if facts.get("acceptance_date"):
        return rules.ACCEPTED
    if facts.get("candidate_date"):
        return rules.CANDIDATE
    if facts.get("activist_date"):
        return rules.ACTIVIST
    return rules.APPLICANT


def read(path: Path) -> list[tuple[int, dict]]:
    from python_calamine import CalamineWorkbook

    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError("文件过大，请拆分后导入。")
    with path.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            raise ImportFileError("文件不是 xlsx 格式（Excel 2007 及以上版本的 .xlsx 文件）。")
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as exc:  # calamine's own error types for broken files
        raise ImportFileError("文件已损坏或不是有效的 xlsx 文件，无法读取。") from exc
    rows = sheet.to_python()
    if not rows:
        raise ImportFileError("工作表是空的：第一行应为表头。")
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(f"行数超过 {MAX_ROWS} 行，请拆分文件。")
    header = [_text(c) for c in rows[0]]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise ImportFileError("表头缺少以下列：" + "、".join(missing))
    out = []
    for number, values in enumerate(rows[1:], start=2):
        if not any(_text(v) for v in values):
            continue
        out.append((number, {COLUMNS[h]: values[i] for i, h in enumerate(header) if h in COLUMNS and i < len(values)}))
    return out


def preview(path: Path, *, user) -> list[Row]:
    """Parse and check every row; nothing is written."""
    today = timezone.localdate()
    raw = read(path)
    rows: list[Row] = []
    indexes: dict[str, Row] = {}
    for number, cells in raw:
        row = Row(number, _text(cells.get("name")))
        try:
            number_text = parse_id_number(cells.get("id_number"), today)
            indexes[id_number_index(number_text)] = row
        except ValueError as exc:
            row.errors.append(f"公民身份号码：{exc}")
        for key, value in cells.items():
            if key in ("name", "id_number"):
                continue
            try:
                if key in INT_KEYS:
                    text = _text(value)
                    row.facts[key] = int(text) if text else None
                else:
                    row.facts[key] = parse_date(value)
            except ValueError as exc:
                header = next(h for h, k in COLUMNS.items() if k == key)
                row.errors.append(f"{header}：{exc}")
        if row.facts.get("application_date") is None and not row.errors:
            row.errors.append("递交入党申请书日期不能为空")
        rows.append(row)
    people = Member.objects.select_related("org")
    if user is not None:  # the command line without --as: the operator's whole installation
        people = restrict(people, user, "view")
    found = people.current().with_id_number().filter(id_number_index__in=list(indexes))
    for member in found:
        indexes[member.id_number_index].member = member
    open_cases = set(
        RecruitmentCase.objects.filter(member__in=[r.member for r in rows if r.member], is_open=True).values_list(
            "member_id", flat=True
        )
    )
    for row in rows:
        if row.member is None:
            if not row.errors:
                row.errors.append("名册中（您的管辖范围内）没有该公民身份号码的人员，请先导入党员花名册")
            continue
        if row.member.name != row.name:
            row.errors.append(f"姓名与名册不符（名册为「{row.member.name}」）")
        if row.member.pk in open_cases:
            row.errors.append("该人员已有进行中的发展党员档案")
        if row.errors:
            continue
        facts = {**row.facts, "birth_date": row.member.birth_date}
        version = rules.rule_version_for(facts["application_date"])
        row.warnings = [(c, rules.CODE_MESSAGES[c]) for c in sorted(rules.timeline_violations(facts, version))]
        row.state = state_of(row.facts)
        row.facts["rule_version"] = version
    return rows


# ----------------------------------------------------------------------------------- template


INSTRUCTIONS = [
    "每行一人；第一行为表头，列的顺序不限。姓名、公民身份号码、递交入党申请书日期必填，其余按已办理的步骤填写。",
    "人员须已在党员花名册中（按公民身份号码在您的管辖范围内查找），姓名须与名册一致；已有进行中发展档案的人员不能再导入。",
    "日期写作 2023-01-02、2023/1/2 或 2023年1月2日；集中培训天数、学时和延长预备期月数填整数。",
    "每行按递交申请日期适用的细则版本（2026年5月11日以前为2014年版）检查：违规的行照常导入，在档案上标记并在校验结果中提示；"
    "出错的行（人员不存在、姓名不符、日期无法识别等）须改正，有错误时整批不导入。",
    "导入后档案阶段按填写的最后一个步骤确定；名册中的人员类别不因导入改变。导入后尚未办理任何步骤的批次可以整批撤销。",
]


def write_template(target) -> None:
    """The import template: the headers of COLUMNS (required ones marked), date and text formats, instructions."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = book.add_worksheet("发展党员档案")
    notes = book.add_worksheet("填写说明")
    required = book.add_format({"bold": True, "bg_color": "#C00000", "font_color": "#FFFFFF", "border": 1})
    optional = book.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1})
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for i, (header, key) in enumerate(COLUMNS.items()):
        sheet.write_string(0, i, header, required if header in REQUIRED else optional)
        fmt = text if key in ("name", "id_number") else None if key in INT_KEYS else day
        sheet.set_column(i, i, 20 if key == "id_number" else 14, fmt)
    sheet.freeze_panes(1, 2)
    notes.set_column(0, 0, 110)
    notes.write_string(0, 0, "发展党员档案导入模板 填写说明", book.add_format({"bold": True, "font_size": 14}))
    for i, line in enumerate(INSTRUCTIONS, start=2):
        notes.write_string(i, 0, line)
    notes.write_string(len(INSTRUCTIONS) + 3, 0, "表头：" + "、".join(COLUMNS))
    book.close()


# ----------------------------------------------------------------------------------- batches

CHANGE = "recruitment.change_recruitmentcase"


def _scope_org(user):
    from dangjian.core.scope import scope_paths
    from dangjian.orgs.models import Org

    if user is None:
        return Org.objects.filter(parent__isnull=True).order_by("path").first()
    paths = scope_paths(user, CHANGE)
    if not paths:
        raise OutOfScope("您没有导入发展党员档案的权限。")
    return Org.objects.filter(path=paths[0]).first()


def store_upload(uploaded, *, user) -> CaseImport:
    """Keep the uploaded file beside the roster imports' and open a batch for it."""
    directory = Path(settings.MEDIA_ROOT) / "recruitment-imports"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{uuid.uuid4().hex}.xlsx"
    with target.open("wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    return open_batch(target, filename=getattr(uploaded, "name", target.name), user=user)


def open_batch(path: Path, *, filename: str, user) -> CaseImport:
    org = _scope_org(user)
    if org is None:
        raise RuleViolation("DEV-IMPORT", "没有可以导入发展档案的党组织")
    return CaseImport.objects.create(
        digest=crypto.sm3(path.read_bytes()).hex(),
        filename=filename[:255],
        stored_file=str(path),
        org=org,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def _report(rows: list[Row], cases: dict[int, int] | None = None) -> list[dict]:
    cases = cases or {}
    return [
        {"row": r.number, "name": r.name, "state": r.state, "state_label": r.state_label, "errors": r.errors,
         "warnings": [[c, m] for c, m in r.warnings], "case": cases.get(r.number)}
        for r in rows
    ]  # fmt: skip


def run_preview(batch: CaseImport, *, user) -> list[Row]:
    """Check every row of the batch's file and keep the row-by-row report on the batch; nothing else is written.
    An unreadable file raises ImportFileError (the batch is marked failed)."""
    try:
        rows = preview(Path(batch.stored_file), user=user)
    except ImportFileError as exc:
        CaseImport.objects.filter(pk=batch.pk).update(
            state=ImportState.FAILED, report=[{"row": 0, "errors": [str(exc)]}]
        )
        raise
    errors = sum(1 for r in rows if r.errors)
    CaseImport.objects.filter(pk=batch.pk).update(
        state=ImportState.FAILED if errors else ImportState.PREVIEWED,
        total_rows=len(rows),
        error_rows=errors,
        warning_rows=sum(1 for r in rows if r.warnings),
        report=_report(rows),
    )
    batch.refresh_from_db()
    return rows


def commit(batch: CaseImport, *, user) -> int:
    """Write every row of a previewed batch as a case, all or none: the rows are checked again inside the
    transaction; any error (or the same file already imported and not rolled back) writes nothing."""
    from dangjian.recruitment.actions import refresh

    with transaction.atomic():
        locked = CaseImport.objects.select_for_update().get(pk=batch.pk)
        if locked.state == ImportState.COMMITTED:
            raise RuleViolation("DEV-IMPORT", "该批次已经导入，不能重复导入")
        if locked.state != ImportState.PREVIEWED:
            raise RuleViolation("DEV-IMPORT", f"该批次当前状态为「{locked.get_state_display()}」，不能导入")
        earlier = CaseImport.objects.filter(digest=locked.digest, state=ImportState.COMMITTED).exclude(pk=locked.pk)
        if earlier.exists():
            raise RuleViolation(
                "DEV-IMPORT", f"同一文件已经导入（批次 {earlier.first().pk}），如需重新导入请先撤销该批次"
            )
        rows = preview(Path(locked.stored_file), user=user)
        bad = [r for r in rows if r.errors]
        if bad:
            raise RuleViolation("DEV-IMPORT", f"有 {len(bad)} 行存在错误，请修改后重新导入（有违规提示的行可以导入）")
        today = timezone.localdate()
        actor = user if getattr(user, "is_authenticated", False) else None
        written: dict[int, int] = {}
        changed: set[int] = set()
        for row in rows:
            facts = row.facts
            case = RecruitmentCase(
                member=row.member, org=row.member.org, state=row.state, created_by=actor, import_batch=locked
            )
            for key, value in facts.items():
                setattr(case, key, value)
            case.conversion_date = rules.probation_end(facts) if row.state == rules.FULL else None
            case.introducer_count = 2 if facts.get("acceptance_date") else 0
            refresh(case)
            case.save(force_insert=True)
            written[row.number] = case.pk
            changed.add(case.org_id)
            CaseStep.objects.create(
                case=case,
                event="import",
                on=today,
                org=case.org,
                actor=actor,
                note="历史档案导入" + ("；违反：" + "、".join(c for c, _m in row.warnings) if row.warnings else ""),
                data={"row": row.number, "batch": locked.pk, "warnings": [c for c, _m in row.warnings]},
            )
            audit.record(
                "recruitment.import",
                actor=user,
                obj=case,
                org_path=case.org.path,
                after={"state": case.state, "warnings": [c for c, _m in row.warnings], "row": row.number,
                       "batch": locked.pk},
            )  # fmt: skip
        stats_events.orgs_changed(changed)  # the statistics rollups of these orgs, after commit
        if user is not None and written:
            visible = restrict(RecruitmentCase.objects.filter(pk__in=list(written.values())), user, CHANGE).count()
            if visible != len(written):
                raise OutOfScope()
        CaseImport.objects.filter(pk=locked.pk).update(
            state=ImportState.COMMITTED, committed_at=timezone.now(), report=_report(rows, written),
            total_rows=len(rows), error_rows=0, warning_rows=sum(1 for r in rows if r.warnings),
        )  # fmt: skip
        audit.record("recruitment.import.commit", actor=user, obj=locked, org_path=locked.org.path,
                     after={"file_digest": locked.digest, "created": len(written)})  # fmt: skip
    return len(rows)


def rollback(batch: CaseImport, *, user) -> int:
    """Undo a committed batch while none of its cases has changed since (a step recorded, a transfer…): the
    cases and their import steps go; else refuse, naming the rows. Same bound as the roster import's."""
    if user is not None and not restrict(CaseImport.objects.filter(pk=batch.pk), user, CHANGE).exists():
        raise OutOfScope()
    with transaction.atomic():
        locked = CaseImport.objects.select_for_update().get(pk=batch.pk)
        if locked.state != ImportState.COMMITTED:
            raise RuleViolation("DEV-IMPORT", "只有已导入的批次才能撤销")
        cases = list(RecruitmentCase.objects.select_for_update().filter(import_batch=locked))
        row_of = {r.get("case"): r["row"] for r in locked.report if r.get("case")}
        stepped = set(CaseStep.objects.filter(case__in=cases).exclude(event="import").values_list("case_id", flat=True))
        moved = sorted(row_of.get(c.pk, 0) for c in cases if c.version != 1 or c.pk in stepped)
        if moved:
            raise RuleViolation(
                "DEV-IMPORT", f"第 {'、'.join(str(r) for r in moved[:20])} 行的档案导入后已办理后续步骤，不能整批撤销"
            )
        if user is not None and restrict(
            RecruitmentCase.objects.filter(import_batch=locked), user, CHANGE
        ).count() != len(cases):
            raise OutOfScope()
        RecruitmentCase.objects.filter(pk__in=[c.pk for c in cases]).delete()
        stats_events.orgs_changed({c.org_id for c in cases})
        CaseImport.objects.filter(pk=locked.pk).update(state=ImportState.ROLLED_BACK, rolled_back_at=timezone.now())
        audit.record("recruitment.import.rollback", actor=user, obj=locked, org_path=locked.org.path,
                     after={"file_digest": locked.digest, "removed": len(cases)})  # fmt: skip
    return len(cases)


def write_report(target, batch: CaseImport) -> None:
    """The row-by-row report of a batch as xlsx: row, name, stage after import, result, problems."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("逐行结果")
    bold = book.add_format({"bold": True})
    for i, header in enumerate(("行号", "姓名", "导入后阶段", "结果", "错误", "违规提示", "档案编号")):
        sheet.write_string(0, i, header, bold)
    for r, item in enumerate(batch.report, start=1):
        errors, warnings = item.get("errors") or [], item.get("warnings") or []
        result = "错误" if errors else ("已导入" if item.get("case") else "可导入") + ("（有违规）" if warnings else "")
        sheet.write_number(r, 0, item.get("row") or 0)
        shown = "；".join(f"{m}（{code}）" for code, m in warnings)
        cells = (item.get("name") or "", item.get("state_label") or "", result, "；".join(errors), shown)
        for c, value in enumerate(cells, start=1):
            sheet.write_string(r, c, "'" + value if value[:1] in ("=", "+", "-", "@") else value)
        if item.get("case"):
            sheet.write_number(r, 6, item["case"])
    sheet.set_column(4, 5, 60)
    book.close()

"""Import of existing recruitment cases from a spreadsheet (one row per person, the dates of §4.2), reusing
the roster importer's file checks and cell parsers (`members.importer`). The person must already be on the
roster (matched by 公民身份号码 within the user's scope). Every row is checked with `timeline_violations`
under the rule version of its application date: old records may break rules, so violations are warnings
shown in the preview and stored on the case, never a refusal. Errors (unknown person, unreadable date, an open
case already) block the commit; the commit writes all rows or none."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.scope import restrict
from dangjian.members.importer import MAX_FILE_BYTES, ImportFileError, parse_date, parse_id_number
from dangjian.members.models import Member, id_number_index
from dangjian.recruitment import rules
from dangjian.recruitment.models import CaseStep, RecruitmentCase

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
    found = (
        restrict(Member.objects.select_related("org"), user, "view").current().filter(id_number_index__in=list(indexes))
    )
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


def commit(path: Path, *, user) -> int:
    """Write every row as a case (all or nothing); refuses when any row has an error."""
    from dangjian.core.errors import RuleViolation
    from dangjian.recruitment.actions import refresh

    rows = preview(path, user=user)
    bad = [r for r in rows if r.errors]
    if bad:
        raise RuleViolation("DEV-IMPORT", f"有 {len(bad)} 行存在错误，请修改后重新导入（有违规提示的行可以导入）")
    today = timezone.localdate()
    with transaction.atomic():
        for row in rows:
            facts = row.facts
            case = RecruitmentCase(member=row.member, org=row.member.org, state=row.state, created_by=user)
            for key, value in facts.items():
                setattr(case, key, value)
            case.conversion_date = rules.probation_end(facts) if row.state == rules.FULL else None
            case.introducer_count = 2 if facts.get("acceptance_date") else 0
            refresh(case)
            case.save(force_insert=True)
            CaseStep.objects.create(
                case=case,
                event="import",
                on=today,
                org=case.org,
                actor=user,
                note="历史档案导入" + ("；违反：" + "、".join(c for c, _m in row.warnings) if row.warnings else ""),
                data={"row": row.number, "warnings": [c for c, _m in row.warnings]},
            )
            audit.record(
                "recruitment.import",
                actor=user,
                obj=case,
                org_path=case.org.path,
                after={"state": case.state, "warnings": [c for c, _m in row.warnings], "row": row.number},
            )
    return len(rows)

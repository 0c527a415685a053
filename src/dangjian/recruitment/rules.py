"""Recruitment (发展党员) timeline rules of rules.md §4 as pure functions on plain values.

`timeline_violations` is part of the conformance interface: its name, signature, keys and codes are
fixed by rules.md. "Within N months" means on or before the same day N calendar months later
(clamped to the month's last day); "at least one year" means on or after the same day a year later.
A case is judged by the rule version in force on its dates: "2014" before 2026-05-11, "2026" after.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from dangjian.core.dates import add_months, add_years

RULE_VERSIONS = ("2014", "2026")
VERSION_2026_FROM = date(2026, 5, 11)  # 细则2026 issued and in force
MIN_AGE = 18  # step 1 (细则 第五条)
TALK_MONTHS = 1  # step 2 (第七条)
CULTIVATION_YEARS = 1  # step 7 (第十三条)
TRAINING_MIN_DAYS, TRAINING_MIN_HOURS = 3, 24  # step 11 (第十七条)
ASSEMBLY_MONTHS = 1  # step 15, 2026 only (第十九条)
APPROVAL_MONTHS, APPROVAL_MAX_MONTHS = 3, 6  # step 17 (第二十四条)
OATH_MONTHS = 1  # step 20, 2026 only (第二十九条)
EXTENSION_MIN_MONTHS, EXTENSION_MAX_MONTHS = 6, 12  # step 23 (第三十二条)
CONVERSION_APPROVAL_MONTHS = 3  # step 24 (第三十三条)

# DATES_OUT_OF_ORDER: every present pair along each chain must be in order (ties allowed).
ORDER_CHAINS = (
    ("application_date", "talk_date"),
    ("application_date", "activist_date", "candidate_date", "prereview_date", "acceptance_date", "approval_date"),
    ("acceptance_date", "conversion_meeting_date", "conversion_approval_date"),
)


def rule_version_for(day: date) -> str:
    """§4.6: the version in force on `day` (a case is judged by the version of its dates)."""
    return "2026" if day >= VERSION_2026_FROM else "2014"


def _later_than(value: date | None, start: date | None, months: int) -> bool:
    return value is not None and start is not None and value > add_months(start, months)


def timeline_violations(case: Mapping[str, object], rule_version: str = "2026") -> set[str]:
    """§4.4: the codes of the timeline rules one recruitment case breaks; absent or None keys are not
    yet reached and are not checked. Codes: AGE_UNDER_18, TALK_LATE, CANDIDATE_TOO_EARLY,
    NO_POLITICAL_REVIEW, TRAINING_INSUFFICIENT, ASSEMBLY_LATE (2026), APPROVAL_LATE, APPROVAL_OVERDUE,
    OATH_LATE (2026), EXTENSION_OUT_OF_RANGE, CONVERSION_APPROVAL_LATE, DATES_OUT_OF_ORDER."""
    if rule_version not in RULE_VERSIONS:
        raise ValueError(f"未知的细则版本：{rule_version!r}（应为 2014 或 2026）")

    def get(key):
        return case.get(key)

    out: set[str] = set()
    birth, applied = get("birth_date"), get("application_date")
    if birth is not None and applied is not None and applied < add_years(birth, MIN_AGE):
        out.add("AGE_UNDER_18")
    if _later_than(get("talk_date"), applied, TALK_MONTHS):
        out.add("TALK_LATE")
    activist, candidate = get("activist_date"), get("candidate_date")
    if activist is not None and candidate is not None and candidate < add_years(activist, CULTIVATION_YEARS):
        out.add("CANDIDATE_TOO_EARLY")
    accepted = get("acceptance_date")
    if accepted is not None:
        review = get("political_review_date")
        if review is None or review > accepted:
            out.add("NO_POLITICAL_REVIEW")
        days, hours = get("training_days"), get("training_hours")
        if not (
            (days is not None and days >= TRAINING_MIN_DAYS) or (hours is not None and hours >= TRAINING_MIN_HOURS)
        ):
            out.add("TRAINING_INSUFFICIENT")
    if rule_version == "2026" and _later_than(accepted, get("prereview_date"), ASSEMBLY_MONTHS):
        out.add("ASSEMBLY_LATE")
    approved = get("approval_date")
    if _later_than(approved, accepted, APPROVAL_MAX_MONTHS):
        out.add("APPROVAL_OVERDUE")
    elif _later_than(approved, accepted, APPROVAL_MONTHS):
        out.add("APPROVAL_LATE")
    if rule_version == "2026" and _later_than(get("oath_date"), approved, OATH_MONTHS):
        out.add("OATH_LATE")
    extension = get("extension_months")
    if extension is not None and not EXTENSION_MIN_MONTHS <= extension <= EXTENSION_MAX_MONTHS:
        out.add("EXTENSION_OUT_OF_RANGE")
    if _later_than(get("conversion_approval_date"), get("conversion_meeting_date"), CONVERSION_APPROVAL_MONTHS):
        out.add("CONVERSION_APPROVAL_LATE")
    for chain in ORDER_CHAINS:
        present = [get(key) for key in chain if get(key) is not None]
        if any(a > b for i, a in enumerate(present) for b in present[i + 1 :]):
            out.add("DATES_OUT_OF_ORDER")
    return out


# ====================================================================================================
# The state machine of §4.1–4.3 as pure functions on a plain dict (the case's dates and facts).
#
# `advance(case, event, data, today=..., options=...)` returns the new case dict or raises `Refused`
# (rule id + Chinese message); nothing else in the case changes. Every refusal the UI, the API and the
# import show comes from here. Which timeline codes refuse and which only warn (§4.4):
#   refuse: AGE_UNDER_18, CANDIDATE_TOO_EARLY, NO_POLITICAL_REVIEW, TRAINING_INSUFFICIENT, ASSEMBLY_LATE,
#           APPROVAL_OVERDUE, EXTENSION_OUT_OF_RANGE, DATES_OUT_OF_ORDER
#   warn:   TALK_LATE, APPROVAL_LATE, OATH_LATE, CONVERSION_APPROVAL_LATE (recorded; shown in red)
# ====================================================================================================

WARNING_CODES = frozenset({"TALK_LATE", "APPROVAL_LATE", "OATH_LATE", "CONVERSION_APPROVAL_LATE"})
BLOCKING_CODES = frozenset(
    {
        "AGE_UNDER_18", "CANDIDATE_TOO_EARLY", "NO_POLITICAL_REVIEW", "TRAINING_INSUFFICIENT", "ASSEMBLY_LATE",
        "APPROVAL_OVERDUE", "EXTENSION_OUT_OF_RANGE", "DATES_OUT_OF_ORDER",
    }
)  # fmt: skip
CODE_MESSAGES = {
    "AGE_UNDER_18": "递交入党申请书时未满18周岁（细则第五条）",
    "TALK_LATE": "党组织派人谈话晚于收到入党申请书后一个月（细则第七条）",
    "CANDIDATE_TOO_EARLY": "确定为发展对象距确定为入党积极分子不满一年（细则第十三条）",
    "NO_POLITICAL_REVIEW": "未经政治审查或政审结论晚于支部大会，不能接收为预备党员（细则第十六条）",
    "TRAINING_INSUFFICIENT": "集中培训不足3天且不足24学时，不能接收为预备党员（细则第十七条）",
    "ASSEMBLY_LATE": "支部党员大会晚于上级党委预审通过后一个月（细则2026第十九条）",
    "APPROVAL_LATE": "上级党委审批超过三个月（细则第二十四条）",
    "APPROVAL_OVERDUE": "上级党委审批超过六个月，应重新履行接收手续（细则第二十四条）",
    "OATH_LATE": "入党宣誓晚于批准后一个月（细则2026第二十九条）",
    "EXTENSION_OUT_OF_RANGE": "延长预备期应不少于半年、不超过一年（细则第三十二条）",
    "CONVERSION_APPROVAL_LATE": "上级党委审批转正超过三个月（细则第三十三条）",
    "DATES_OUT_OF_ORDER": "日期先后顺序不正确（申请→谈话、积极分子→发展对象→预审→大会→审批→转正）",
}

# States (§4.1). "accepted" is PROBATIONARY(pending approval) of §4.3.
APPLICANT, ACTIVIST, CANDIDATE, ACCEPTED = "applicant", "activist", "candidate", "accepted"
PROBATIONARY, EXTENDED, FULL = "probationary", "extended", "full"
CANCELLED, NOT_APPROVED, VOID, TRANSFERRED_OUT = "cancelled", "not_approved", "void", "transferred_out"
STATES = (
    APPLICANT, ACTIVIST, CANDIDATE, ACCEPTED, PROBATIONARY, EXTENDED, FULL, CANCELLED, NOT_APPROVED, VOID,
    TRANSFERRED_OUT,
)  # fmt: skip
TERMINAL = frozenset({FULL, CANCELLED, VOID, TRANSFERRED_OUT})
ON_PROBATION = frozenset({PROBATIONARY, EXTENDED})

# What an upper committee is asked to decide (its queues).
FILING, CONSENT, PREREVIEW, APPROVAL, CONVERSION = "filing", "consent", "prereview", "approval", "conversion"
QUEUES = (FILING, CONSENT, PREREVIEW, APPROVAL, CONVERSION)

# Outcomes of the branch resolution at the end of probation (step 23).
CONVERT, EXTEND, CANCEL = "convert", "extend", "cancel"

# Introducer sanctions (step 9, 细则第十四条/第十五条).
SANCTION_PROBATION = "probation"  # 留党察看, rights not restored: cannot introduce (2014 and 2026)
SANCTIONS_2026_BAR = frozenset({"warning", "serious_warning", "removal_from_post"})  # 影响期内：不宜 (2026 new)
SANCTION_EXPELLED = "expelled"  # 开除党籍: no longer a member at all
# How long each sanction bars an introducer, in months from the decision date (rules.md gives no figure: the
# defaults follow the 纪律处分条例's periods — 警告 1 year, 严重警告 18 months, 撤销党内职务 2 years, 留党察看
# up to 2 years — and are U: settings.RECRUITMENT_SANCTION_MONTHS overrides them). `None`: bars for good.
SANCTION_MONTHS_DEFAULT: dict[str, int | None] = {
    "warning": 12,
    "serious_warning": 18,
    "removal_from_post": 24,
    "probation": 24,
    "expelled": None,
}
# The roster's punishment records carry a free-text title (党内警告, 严重警告处分…): read the kind from it.
# Longest words first, so that 严重警告 is not read as 警告.
SANCTION_WORDS = (
    ("开除党籍", "expelled"),
    ("留党察看", "probation"),
    ("撤销党内职务", "removal_from_post"),
    ("严重警告", "serious_warning"),
    ("警告", "warning"),
)
SANCTION_SEVERITY = ("warning", "serious_warning", "removal_from_post", "probation", "expelled")

# Branch-side events: code → (step number, label). Upper-committee decisions are "decide".
EVENTS: dict[str, tuple[int, str]] = {
    "apply": (1, "递交入党申请书"),
    "talk": (2, "党组织派人谈话"),
    "confirm_activist": (3, "确定入党积极分子"),
    "file_activist": (4, "报上级党委备案"),
    "assign_mentors": (5, "指定培养联系人"),
    "assess": (6, "培养教育考察"),
    "propose_candidate": (7, "支委会研究拟列发展对象、报上级党委"),
    "publish_notice": (7, "发展对象公示"),
    "confirm_candidate": (7, "确定发展对象"),
    "assign_introducers": (9, "确定入党介绍人"),
    "political_review": (10, "政治审查"),
    "training": (11, "集中培训"),
    "committee_review": (12, "支部委员会审查"),
    "request_prereview": (13, "报上级党委预审"),
    "fill_form": (14, "填写入党志愿书"),
    "assembly": (15, "支部党员大会讨论接收"),
    "upper_talk": (16, "上级党委派人谈话"),
    "place_in_group": (19, "编入党支部和党小组"),
    "oath": (20, "入党宣誓"),
    "probation_assess": (21, "预备期教育考察"),
    "conversion_application": (22, "提出转正申请"),
    "conversion_meeting": (23, "支部大会讨论转正"),
    "archive": (25, "材料归档"),
    "reopen": (0, "不批准后重新列为发展对象"),
    "thought_report": (6, "思想汇报"),
    "activist_notice": (3, "入党积极分子公示"),
    "acceptance_notice": (15, "接收预备党员公示"),
    "revote": (15, "支部大会复议"),
    "redo_admission": (15, "重新履行接收手续"),
    "conversion_notice": (23, "预备党员转正公示"),
    "void": (0, "认定违规发展、不予承认"),
    "transfer_out": (0, "转出（带档案）"),
}
DECISIONS: dict[str, tuple[int, str]] = {
    FILING: (4, "上级党委备案"),
    CONSENT: (7, "上级党委同意列为发展对象"),
    PREREVIEW: (13, "上级党委预审"),
    APPROVAL: (17, "上级党委审批（并报再上一级组织部门备案）"),
    CONVERSION: (24, "上级党委审批转正（延长预备期、取消资格）"),
}
STEP_TITLES = {
    1: "递交入党申请书", 2: "党组织派人谈话", 3: "推荐和确定入党积极分子", 4: "报上级党委备案", 5: "指定培养联系人",
    6: "培养教育考察", 7: "确定发展对象", 8: "报上级党委备案/同意", 9: "确定入党介绍人", 10: "进行政治审查",
    11: "开展集中培训", 12: "支部委员会审查", 13: "上级党委预审", 14: "填写入党志愿书", 15: "支部党员大会讨论",
    16: "上级党委派人谈话", 17: "上级党委审批", 18: "再上一级党委组织部门备案", 19: "编入党支部和党小组",
    20: "入党宣誓", 21: "继续教育考察", 22: "提出转正申请", 23: "支部大会讨论转正", 24: "上级党委审批转正",
    25: "材料归档",
}  # fmt: skip
STAGE_OF_STEP = {
    **dict.fromkeys(range(1, 3), "申请入党"), **dict.fromkeys(range(3, 7), "入党积极分子的确定和培养教育"),
    **dict.fromkeys(range(7, 12), "发展对象的确定和考察"), **dict.fromkeys(range(12, 19), "预备党员的接收"),
    **dict.fromkeys(range(19, 26), "预备党员的教育考察和转正"),
}  # fmt: skip

# Documents a step requires before it can be recorded (the 12371 dossier).
DOCUMENTS = {
    "application_letter": "入党申请书",
    "talk_record": "谈话记录",
    "cultivation_form": "入党积极分子培养考察登记表",
    "review_material": "政审材料",
    "training_certificate": "培训证明",
    "application_form": "入党志愿书",
    "conversion_letter": "转正申请书",
    "probation_form": "预备党员教育考察登记表",
    "thought_report": "思想汇报",
}
REQUIRED_DOCUMENTS = {
    "apply": ("application_letter",),
    "talk": ("talk_record",),
    "political_review": ("review_material",),
    "training": ("training_certificate",),
    "fill_form": ("application_form",),
    "conversion_application": ("conversion_letter",),
    "thought_report": ("thought_report",),
}

# §4.5 local options (P): code → national default (None / 0 = off). Values are whole numbers.
LOCAL_OPTION_DEFAULTS: dict[str, int] = {
    "DEV-P1": 0,  # months between application and activist confirmation (common: 6)
    "DEV-P2": 0,  # months between an activist's written 思想汇报 (common: 3, quarterly): a reminder
    "DEV-P3": 0,  # months allowed for the pre-review after submission (common: 1): a warning
    "DEV-P4": 0,  # months a political review stays valid (common: 12)
    "DEV-P5": 0,  # months after the branch resolution without approval → the branch re-votes (复议) (common: 3)
    "DEV-P6": 5,  # working days of the 公示 (national minimum 5; some localities 7)
    "DEV-P6X": 0,  # working days of the extra 公示 at activist, acceptance and conversion (0: none; else ≥5)
    "DEV-P7": 0,  # months before a candidate who failed the branch vote may be re-submitted (common: 6)
}
LOCAL_OPTION_LABELS = {
    "DEV-P1": "递交申请书至确定为入党积极分子的最短间隔（月）",
    "DEV-P2": "入党积极分子书面思想汇报间隔（月，提醒；按季度为3）",
    "DEV-P3": "上级党委预审期限（月，提示）",
    "DEV-P4": "政审结论有效期（月）",
    "DEV-P5": "支部大会决议后未经审批须复议的期限（月；超过六个月须重新履行接收手续）",
    "DEV-P6": "发展对象公示期（工作日，不少于5）",
    "DEV-P6X": "确定积极分子、接收预备党员、转正前也须公示（工作日，0为不要求，否则不少于5）",
    "DEV-P7": "支部大会未通过后再次提交的最短间隔（月）",
    "DEV-P8": "年度发展党员计划指标（人，生效日期所在年度，只适用于设置的党组织本身）",
}
# The largest value each option takes: months and days stay within two years; DEV-P8 is a head count.
LOCAL_OPTION_MAX = {"DEV-P8": 30000}
LOCAL_OPTION_MAX_DEFAULT = 24
NOTICE_MIN_WORKING_DAYS = 5  # step 7 (细则2026 第十三条)
QUOTA_CODE = "DEV-P8"
QUOTA_STATES = {"none": "未设指标", "under": "未完成指标", "met": "完成指标", "over": "超出指标"}


def quota_state(intake: int, quota: int | None) -> str:
    """DEV-P8 (P): the year's intake (预备党员 approved in the year) against the quota of the subtree."""
    if quota is None:
        return "none"
    if intake < quota:
        return "under"
    return "met" if intake == quota else "over"


PROBATION_YEARS = 1  # step 22 (第三十一条)
LEAVING_MONTHS = 3  # step 13 (第十八条)


class Refused(Exception):
    """A step the rules forbid: `rule_id` and a Chinese message. Actions turn it into RuleViolation."""

    def __init__(self, rule_id: str, message: str, field: str | None = None):
        super().__init__(message)
        self.rule_id, self.message, self.field = rule_id, message, field


# ---------------------------------------------------------------------------------------- helpers


def resolve_options(rows, org_path: str, on: date) -> dict[str, int]:
    """§4.5: the local options in force for an org on a day. `rows` are (org_path, code, value,
    effective_from); for each code the deepest ancestor's setting wins, and among one org's settings the
    latest effective on or before `on`. Codes without a setting keep the national default."""
    out = dict(LOCAL_OPTION_DEFAULTS)
    best: dict[str, tuple[int, date]] = {}
    for path, code, value, effective in rows:
        if code not in out or effective > on or not org_path.startswith(path):
            continue
        key = (len(path), effective)
        if code not in best or key > best[code]:
            best[code] = key
            out[code] = int(value)
    return out


def is_working_day(day: date, holidays=frozenset(), workdays=frozenset()) -> bool:
    """A working day: Monday–Friday unless a configured holiday; a configured 调休 workday counts."""
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def working_days(start: date, end: date, holidays=frozenset(), workdays=frozenset()) -> int:
    """Working days from `start` to `end`, both included (0 when end < start)."""
    from datetime import timedelta

    n, day = 0, start
    while day <= end:
        n += is_working_day(day, holidays, workdays)
        day += timedelta(days=1)
    return n


def add_working_days(start: date, n: int, holidays=frozenset(), workdays=frozenset()) -> date:
    """The day on which a window of `n` working days that starts on `start` ends (start counts if working)."""
    from datetime import timedelta

    day, counted = start, 0
    while True:
        if is_working_day(day, holidays, workdays):
            counted += 1
            if counted >= n:
                return day
        day += timedelta(days=1)


def quorum_met(due: int, present: int) -> bool:
    """DEV-15 (细则第二十条): voting members present > half of the voting members due to attend."""
    return present * 2 > due


def vote_passes(due: int, in_favour: int) -> bool:
    """DEV-15 (细则第二十条): in favour (written opinions counted) > half of the voting members due."""
    return in_favour * 2 > due


VOTE_KEYS = ("due", "present", "written", "in_favour", "against", "abstain")


def check_vote(v: Mapping[str, object]) -> None:
    """The counts of a general-assembly vote (steps 15 and 23) must add up; the quorum must be met."""
    try:
        due, present = int(v["due"]), int(v["present"])
        written = int(v.get("written") or 0)
        yes, no, abstain = int(v["in_favour"]), int(v["against"]), int(v["abstain"])
    except (KeyError, TypeError, ValueError):
        raise Refused("DEV-15", "请完整填写应到、实到和表决票数", "vote") from None
    if min(due, present, written, yes, no, abstain) < 0 or due == 0:
        raise Refused("DEV-15", "表决人数不能为负数，应到有表决权的党员人数不能为0", "vote")
    if present > due or present + written > due:
        raise Refused("DEV-15", "实到人数与书面意见人数之和不能超过应到人数", "vote")
    if yes + no + abstain > present + written:
        raise Refused("DEV-15", "赞成、反对、弃权票之和不能超过实到人数与书面意见人数之和", "vote")
    if not quorum_met(due, present):
        raise Refused(
            "DEV-15", f"有表决权的党员实到{present}人，未超过应到{due}人的半数，不能开会表决（细则第二十条）", "vote"
        )


def person_problems(person: Mapping[str, object], role: str, version: str) -> str | None:
    """DEV-05 / DEV-09: a mentor or introducer must be a full member with normal standing; an introducer
    under 留党察看 cannot introduce; (2026) one in the influence period of a 警告/严重警告/撤销党内职务
    should not. Returns the Chinese reason, or None."""
    name = person.get("name") or "该同志"
    if person.get("stage") != "full":
        return f"{name}不是正式党员，不能担任{role}"
    if person.get("status") != "normal":
        return f"{name}党籍状态不正常，不能担任{role}"
    if role == "入党介绍人":
        sanction = person.get("sanction") or ""
        source = f"（{person['sanction_source']}）" if person.get("sanction_source") else ""
        if sanction == SANCTION_EXPELLED:
            return f"{name}受开除党籍处分{source}，不能担任入党介绍人（细则第十五条）"
        if sanction == SANCTION_PROBATION:
            return f"{name}受留党察看处分、尚未恢复党员权利{source}，不能担任入党介绍人（细则第十五条）"
        if version == "2026" and sanction in SANCTIONS_2026_BAR:
            return f"{name}处于党纪处分影响期内{source}，不宜担任入党介绍人（细则2026第十四条）"
    return None


def sanction_kind(title: str) -> str | None:
    """DEV-09: the kind of Party sanction a roster punishment record names (None: not a 党纪处分)."""
    for word, kind in SANCTION_WORDS:
        if word in (title or ""):
            return kind
    return None


def sanction_months(kind: str, title: str = "", table: Mapping[str, int | None] | None = None) -> int | None:
    """DEV-09: months a sanction of `kind` bars an introducer (None: for good). 留党察看一年 is one year."""
    if kind == SANCTION_PROBATION and "一年" in (title or ""):
        return 12
    months = {**SANCTION_MONTHS_DEFAULT, **(table or {})}
    return months.get(kind)


def sanction_in_force(records, on: date, table: Mapping[str, int | None] | None = None) -> tuple[str, str, date] | None:
    """DEV-09 (细则第十四条、第十五条): the most severe Party sanction among `records` (title, decision date)
    still barring an introducer on `on`, as (kind, title, decision date); None when none bars. A sanction bars
    from its decision date until `sanction_months` later (exclusive)."""
    best = None
    for title, decided in records:
        kind = sanction_kind(title)
        if kind is None or decided is None or decided > on:
            continue
        months = sanction_months(kind, title, table)
        if months is not None and on >= add_months(decided, months):
            continue
        rank = SANCTION_SEVERITY.index(kind)
        if best is None or rank > best[0]:
            best = (rank, (kind, title, decided))
    return best[1] if best else None


COMMITTEE_KINDS = frozenset({"local_committee", "committee", "working_committee", "joint_committee"})
RUR12_MESSAGE = (
    "只有具有审批权限的基层党委才能审批；党总支、党支部和乡镇（街道）党委下属的村（社区）党委只能审查（细则第二十二条）"
)


def is_township_committee(kind: str, sector: str, parent_kind: str | None) -> bool:
    """A 乡镇/街道 党委: a rural or community 党委 directly under a local (county) committee."""
    return kind == "committee" and sector in ("rural", "community") and parent_kind == "local_committee"


def may_approve(kind: str, *, under_township: bool) -> bool:
    """RUR-12 (细则第二十二条): a 党委 may approve 预备党员 and conversions; a 党总支 or branch only reviews,
    and so does a (village or community) 党委 under a 乡镇/街道 党委."""
    return kind in COMMITTEE_KINDS and not under_township


def approver_index(chain: list[tuple[str, bool]]) -> int | None:
    """RUR-12: in `chain` (the case's org, then its ancestors; each (kind, under_township)), the position of
    the nearest org entitled to approve, or None."""
    for i, (kind, under_township) in enumerate(chain):
        if may_approve(kind, under_township=under_township):
            return i
    return None


def probation_end(case: Mapping[str, object]) -> date | None:
    """DEV-22 / MEM-10: acceptance + 1 year, plus the extension when one was approved."""
    accepted = case.get("acceptance_date")
    if accepted is None:
        return None
    end = add_years(accepted, PROBATION_YEARS)  # type: ignore[arg-type]
    ext = case.get("extension_months")
    return add_months(end, ext) if ext else end  # type: ignore[arg-type]


def _version_on(day: date | None) -> str:
    return rule_version_for(day) if day is not None else "2026"


def case_violations(case: Mapping[str, object]) -> set[str]:
    """§4.6: the case judged by the version in force on its own dates: the 2014 checks everywhere, and the
    2026-only checks (ASSEMBLY_LATE, OATH_LATE) where the assembly or the oath fell on or after 2026-05-11."""
    out = timeline_violations(case, "2014")
    newer = timeline_violations(case, "2026")
    for code, key in (("ASSEMBLY_LATE", "acceptance_date"), ("OATH_LATE", "oath_date")):
        if code in newer and _version_on(case.get(key)) == "2026":  # type: ignore[arg-type]
            out.add(code)
    return out


def _later(*days):
    present = [d for d in days if d is not None]
    return max(present) if present else None


def last_date(case: Mapping[str, object]) -> date | None:
    return _later(*(v for k, v in case.items() if k.endswith("_date") and k != "birth_date" and isinstance(v, date)))


# ---------------------------------------------------------------------------------------- transitions


def _need(cond, rule_id: str, message: str, field: str | None = None) -> None:
    if not cond:
        raise Refused(rule_id, message, field)


def _date(data: Mapping[str, object], key: str = "on") -> date:
    value = data.get(key)
    if not isinstance(value, date):
        raise Refused("DEV-DATA", "请填写日期", key)
    return value


def advance(
    case: Mapping[str, object],
    event: str,
    data: Mapping[str, object],
    *,
    today: date,
    options: Mapping[str, int] | None = None,
    holidays=frozenset(),
    workdays=frozenset(),
) -> dict:
    """§4.3: apply one event to the case (a dict of its state, dates and facts) and return the new dict, or
    raise `Refused`. Branch events are the keys of EVENTS; the upper committee's decisions are
    ``decide`` with data {"queue", "approve": bool, "on", "reason", "approver_ok"}. Documents the step
    requires (REQUIRED_DOCUMENTS) must be in data["documents"]. The new case must not break any
    BLOCKING_CODES rule it did not already break (old imported records may)."""
    opts = {**LOCAL_OPTION_DEFAULTS, **(options or {})}
    new = dict(case)
    state = case.get("state")
    awaiting = case.get("awaiting") or ""
    on = _date(data)
    _need(on <= today, "DEV-DATA", "日期不能晚于今天", "on")
    applied = case.get("application_date")
    if event != "apply":
        _need(state in STATES, "DEV-STATE", "发展档案状态无效")
        _need(applied is None or on >= applied, "DATES_OUT_OF_ORDER", "日期不能早于递交入党申请书日期", "on")
        if state in TERMINAL and not (state == FULL and event == "archive" and case.get("archived_date") is None):
            raise Refused("DEV-STATE", "该发展档案已办结，不能再登记")
    docs = set(data.get("documents") or ())
    missing = [DOCUMENTS[d] for d in REQUIRED_DOCUMENTS.get(event, ()) if d not in docs]
    if missing:
        raise Refused(f"DEV-{EVENTS[event][0]:02d}", "本步骤须上传或登记材料：" + "、".join(missing), "documents")
    version = rule_version_for(on)
    if event != "decide":
        _need(not awaiting or event in ("void", "transfer_out", "upper_talk")
              or (awaiting == APPROVAL and event in ("revote", "redo_admission")),
              "DEV-STATE", "已报上级党委，等待上级党委办理，暂不能登记下一步")  # fmt: skip

    def need_state(*allowed, step):
        _need(state in allowed, f"DEV-{step:02d}", f"当前阶段不能办理「{STEP_TITLES[step]}」")

    if event == "apply":
        _need(state in (None, ""), "DEV-01", "已有发展档案")
        new.update(state=APPLICANT, application_date=on, awaiting="")
    elif event == "talk":
        need_state(APPLICANT, step=2)
        _need(case.get("talk_date") is None, "DEV-02", "已登记谈话")
        new["talk_date"] = on
    elif event == "confirm_activist":
        need_state(APPLICANT, step=3)
        _need(case.get("talk_date") is not None, "DEV-03", "须先由党组织派人谈话")
        _need(data.get("recommended_by") in ("members", "league", "masses"), "DEV-03",
              "入党积极分子须经党员推荐或群团组织推优产生", "recommended_by")  # fmt: skip
        months = opts["DEV-P1"]
        if months:
            _need(on >= add_months(applied, months), "DEV-P1",  # type: ignore[arg-type]
                  f"本地规定递交申请书{months}个月后方可确定为入党积极分子（DEV-P1）", "on")  # fmt: skip
        _notice_done(case, "activist", on, data, opts)
        new.update(state=ACTIVIST, activist_date=on)
    elif event == "activist_notice":
        need_state(APPLICANT, step=3)
        _need(case.get("talk_date") is not None, "DEV-03", "须先由党组织派人谈话")
        _notice(new, "activist", data, on, opts, holidays, workdays)
    elif event == "thought_report":
        need_state(ACTIVIST, CANDIDATE, step=6)
        _need(on >= case["activist_date"], "DATES_OUT_OF_ORDER", "思想汇报不能早于确定为入党积极分子", "on")  # type: ignore[operator]
        new["last_report_date"] = _later(case.get("last_report_date"), on)
    elif event == "acceptance_notice":
        need_state(CANDIDATE, step=15)
        _need(case.get("prereview_date") is not None, "DEV-13", "须经上级党委预审同意后方可公示")
        _need(on >= case["prereview_date"], "DATES_OUT_OF_ORDER", "公示不能早于预审通过", "on")  # type: ignore[operator]
        _notice(new, "acceptance", data, on, opts, holidays, workdays)
    elif event == "conversion_notice":
        need_state(PROBATIONARY, EXTENDED, step=23)
        _need(on >= case["approval_date"], "DATES_OUT_OF_ORDER", "公示不能早于上级党委批准", "on")  # type: ignore[operator]
        _notice(new, "conversion", data, on, opts, holidays, workdays)
    elif event == "revote":
        need_state(ACCEPTED, step=15)
        months = opts["DEV-P5"]
        _need(months, "DEV-P5", "本地未规定支部大会复议（DEV-P5）")
        limit = add_months(case["acceptance_date"], months)  # type: ignore[arg-type]
        _need(on > limit, "DEV-P5", f"支部大会决议后{months}个月内（{limit:%Y年%m月%d日}前）报批的无须复议", "on")
        overdue = add_months(case["acceptance_date"], APPROVAL_MAX_MONTHS)  # type: ignore[arg-type]
        _need(on <= overdue, "APPROVAL_OVERDUE", "支部大会决议已超过六个月，应重新履行接收手续，不能复议", "on")
        vote = dict(data.get("vote") or {})
        check_vote(vote)
        if vote_passes(int(vote["due"]), int(vote["in_favour"])):
            new["revote_date"] = on
        else:
            new.update(_back_to_candidate(), failed_vote_date=on)
    elif event == "redo_admission":
        need_state(ACCEPTED, step=15)
        overdue = add_months(case["acceptance_date"], APPROVAL_MAX_MONTHS)  # type: ignore[arg-type]
        _need(on > overdue, "APPROVAL_OVERDUE",
              f"支部大会决议后六个月内（{overdue:%Y年%m月%d日}前）仍可报上级党委审批", "on")  # fmt: skip
        new.update(_back_to_candidate())
    elif event == "file_activist":
        need_state(ACTIVIST, step=4)
        _need(case.get("filed_date") is None, "DEV-04", "已报上级党委备案")
        new.update(awaiting=FILING, filing_submitted_date=on)
    elif event == "assign_mentors":
        need_state(ACTIVIST, CANDIDATE, step=5)
        people = list(data.get("people") or [])
        _need(1 <= len(people) <= 2, "DEV-05", "培养联系人应为1至2名正式党员", "people")
        for p in people:
            problem = person_problems(p, "培养联系人", version)
            _need(problem is None, "DEV-05", problem or "", "people")
        new["mentor_count"] = len(people)
    elif event == "assess":
        need_state(ACTIVIST, CANDIDATE, step=6)
        _need(case.get("activist_date") is not None and on >= case["activist_date"], "DATES_OUT_OF_ORDER",
              "考察日期不能早于确定为入党积极分子日期", "on")  # fmt: skip
        new["last_assessment_date"] = _later(case.get("last_assessment_date"), on)
    elif event == "propose_candidate":
        need_state(ACTIVIST, step=7)
        _need(case.get("filed_date") is not None, "DEV-04", "确定入党积极分子后须先报上级党委备案")
        _need((case.get("mentor_count") or 0) >= 1, "DEV-05", "须先指定培养联系人")
        earliest = add_years(case["activist_date"], CULTIVATION_YEARS)  # type: ignore[arg-type]
        _need(on >= earliest, "CANDIDATE_TOO_EARLY",
              f"培养考察不满一年（最早{earliest:%Y年%m月%d日}），不能列为发展对象（细则第十三条）", "on")  # fmt: skip
        new.update(proposed_date=on, consent_date=None, notice_start=None, notice_end=None,
                   awaiting=CONSENT if version == "2026" else FILING)  # fmt: skip
    elif event == "publish_notice":
        need_state(ACTIVIST, step=7)
        _need(case.get("consent_date") is not None, "DEV-07", "须经上级党委同意后方可公示")
        end = _date(data, "notice_end")
        _need(on >= case["consent_date"], "DATES_OUT_OF_ORDER", "公示不能早于上级党委同意", "on")  # type: ignore[operator]
        need_days = max(opts["DEV-P6"], NOTICE_MIN_WORKING_DAYS)
        got = working_days(on, end, holidays, workdays)
        _need(got >= need_days, "DEV-07" if opts["DEV-P6"] <= NOTICE_MIN_WORKING_DAYS else "DEV-P6",
              f"公示期为{got}个工作日，应不少于{need_days}个工作日", "notice_end")  # fmt: skip
        new.update(notice_start=on, notice_end=end)
    elif event == "confirm_candidate":
        need_state(ACTIVIST, step=7)
        _need(case.get("proposed_date") is not None, "DEV-07", "须先经支委会研究并报上级党委")
        if _version_on(case.get("proposed_date")) == "2026":  # type: ignore[arg-type]
            _need(case.get("consent_date") is not None, "DEV-07", "须经上级党委同意（细则2026第十三条）")
            end = case.get("notice_end")
            _need(end is not None, "DEV-07", "须经公示不少于5个工作日（细则2026第十三条）")
            _need(on > end and not data.get("notice_blocked"), "DEV-07",  # type: ignore[operator]
                  "公示期满且公示结果不影响发展后方可确定为发展对象", "on")  # fmt: skip
        else:
            _need(case.get("candidate_filed_date") is not None, "DEV-08", "须先报上级党委备案（细则2014第十三条）")
        new.update(state=CANDIDATE, candidate_date=on)
    elif event == "assign_introducers":
        need_state(CANDIDATE, step=9)
        people = list(data.get("people") or [])
        _need(len(people) == 2, "DEV-09", "应确定两名正式党员作入党介绍人", "people")
        for p in people:
            problem = person_problems(p, "入党介绍人", version)
            _need(problem is None, "DEV-09", problem or "", "people")
        new["introducer_count"] = 2
    elif event == "political_review":
        need_state(CANDIDATE, step=10)
        passed = bool(data.get("passed"))
        new.update(political_review_date=on if passed else None, political_review_failed=not passed)
    elif event == "training":
        need_state(ACTIVIST, CANDIDATE, step=11)
        days, hours = int(data.get("days") or 0), int(data.get("hours") or 0)
        _need(days >= 0 and hours >= 0 and (days or hours), "DEV-11", "请填写培训天数或学时", "days")
        new.update(training_days=max(days, case.get("training_days") or 0),
                   training_hours=max(hours, case.get("training_hours") or 0), training_date=on)  # fmt: skip
    elif event == "committee_review":
        need_state(CANDIDATE, step=12)
        _need(case.get("introducer_count") == 2, "DEV-09", "须先确定两名入党介绍人")
        _need(
            case.get("political_review_date") is not None, "NO_POLITICAL_REVIEW", CODE_MESSAGES["NO_POLITICAL_REVIEW"]
        )
        _need(_trained(case), "TRAINING_INSUFFICIENT", CODE_MESSAGES["TRAINING_INSUFFICIENT"])
        valid = opts["DEV-P4"]
        if valid:
            _need(on <= add_months(case["political_review_date"], valid), "DEV-P4",  # type: ignore[arg-type]
                  f"政审结论已超过{valid}个月有效期，应重新政审（DEV-P4）")  # fmt: skip
        failed = case.get("failed_vote_date")
        wait = opts["DEV-P7"]
        if wait and failed is not None:
            _need(on >= add_months(failed, wait), "DEV-P7",  # type: ignore[arg-type]
                  f"支部大会未通过后{wait}个月内不能再次提交（DEV-P7）")  # fmt: skip
        new["committee_review_date"] = on
    elif event == "request_prereview":
        need_state(CANDIDATE, step=13)
        _need(case.get("committee_review_date") is not None, "DEV-12", "须先经支部委员会审查")
        leaving = "发展对象三个月内将离开工作学习单位，一般不办理接收手续（细则第十八条）"
        _need(not data.get("leaving_soon"), "DEV-13", leaving, "leaving_soon")
        new.update(awaiting=PREREVIEW, prereview_submitted_date=on, prereview_date=None)
    elif event == "fill_form":
        need_state(CANDIDATE, step=14)
        _need(case.get("prereview_date") is not None, "DEV-13", "须经上级党委预审同意后方可填写入党志愿书")
        new["form_date"] = on
    elif event == "assembly":
        need_state(CANDIDATE, step=15)
        _need(case.get("form_date") is not None, "DEV-14", "须先填写入党志愿书")
        _need(
            case.get("political_review_date") is not None, "NO_POLITICAL_REVIEW", CODE_MESSAGES["NO_POLITICAL_REVIEW"]
        )
        _need(_trained(case), "TRAINING_INSUFFICIENT", CODE_MESSAGES["TRAINING_INSUFFICIENT"])
        _notice_done(case, "acceptance", on, data, opts)
        if version == "2026":
            limit = add_months(case["prereview_date"], ASSEMBLY_MONTHS)  # type: ignore[arg-type]
            late = f"支部党员大会应在预审通过后一个月内（{limit:%Y年%m月%d日}前）召开；已超期，应重新报预审"
            _need(on <= limit, "ASSEMBLY_LATE", late, "on")
        vote = dict(data.get("vote") or {})
        check_vote(vote)
        if vote_passes(int(vote["due"]), int(vote["in_favour"])):
            new.update(state=ACCEPTED, acceptance_date=on, awaiting=APPROVAL, failed_vote_date=None, revote_date=None)
        else:
            new.update(failed_vote_date=on, prereview_date=None, form_date=None, committee_review_date=None,
                       acceptance_notice_start=None, acceptance_notice_end=None)  # fmt: skip
    elif event == "upper_talk":
        need_state(ACCEPTED, step=16)
        _need(on >= case["acceptance_date"], "DATES_OUT_OF_ORDER", "谈话不能早于支部大会")  # type: ignore[operator]
        new["upper_talk_date"] = on
    elif event == "reopen":
        _need(state == NOT_APPROVED, "DEV-17", "只有上级党委不批准的档案才能重新列为发展对象")
        new.update(_back_to_candidate())
    elif event == "place_in_group":
        need_state(PROBATIONARY, EXTENDED, step=19)
        new["placed_date"] = on
    elif event == "oath":
        need_state(PROBATIONARY, EXTENDED, step=20)
        _need(case.get("oath_date") is None, "DEV-20", "已登记入党宣誓")
        _need(on >= case["approval_date"], "DATES_OUT_OF_ORDER", "入党宣誓不能早于上级党委批准", "on")  # type: ignore[operator]
        new["oath_date"] = on
    elif event == "probation_assess":
        need_state(PROBATIONARY, EXTENDED, step=21)
        _need(on >= case["approval_date"], "DATES_OUT_OF_ORDER", "考察不能早于上级党委批准", "on")  # type: ignore[operator]
        new["last_probation_assessment_date"] = _later(case.get("last_probation_assessment_date"), on)
    elif event == "conversion_application":
        need_state(PROBATIONARY, EXTENDED, step=22)
        _need(on >= case["approval_date"], "DATES_OUT_OF_ORDER", "转正申请不能早于上级党委批准", "on")  # type: ignore[operator]
        new["conversion_application_date"] = on
    elif event == "conversion_meeting":
        need_state(PROBATIONARY, EXTENDED, step=23)
        outcome = data.get("outcome")
        _need(outcome in (CONVERT, EXTEND, CANCEL), "DEV-23", "请选择讨论结果：按期转正、延长预备期或取消预备党员资格",
              "outcome")  # fmt: skip
        end = probation_end(case)
        if outcome != CANCEL:
            _need(on >= end, "DEV-22", f"预备期至{end:%Y年%m月%d日}届满，届满后方可讨论转正或延长预备期", "on")  # type: ignore[str-format]
        if outcome == CONVERT:
            _need(case.get("conversion_application_date") is not None, "DEV-22", "须先由本人提出书面转正申请")
            _notice_done(case, "conversion", on, data, opts)
        if outcome == EXTEND:
            _need(not case.get("extension_months"), "DEV-23", "预备期只能延长一次（细则第三十二条）")
            months = data.get("months")
            _need(isinstance(months, int) and EXTENSION_MIN_MONTHS <= months <= EXTENSION_MAX_MONTHS,
                  "EXTENSION_OUT_OF_RANGE", CODE_MESSAGES["EXTENSION_OUT_OF_RANGE"], "months")  # fmt: skip
            new["pending_extension_months"] = months
        vote = dict(data.get("vote") or {})
        check_vote(vote)
        _need(vote_passes(int(vote["due"]), int(vote["in_favour"])), "DEV-23",
              "赞成票未超过应到会有表决权党员的半数，决议未通过", "vote")  # fmt: skip
        new.update(conversion_meeting_date=on, conversion_approval_date=None, pending_outcome=outcome,
                   awaiting=CONVERSION)  # fmt: skip
    elif event == "archive":
        _need(state == FULL, "DEV-25", "转正后方可归档")
        new["archived_date"] = on
    elif event == "void":
        _need((data.get("reason") or "").strip(), "DEV-VOID", "请填写认定违规发展的依据", "reason")
        new.update(state=VOID, awaiting="", closed_date=on)
    elif event == "transfer_out":
        _need((data.get("reason") or "").strip(), "DEV-XFER", "请填写转往的党组织", "reason")
        new.update(state=TRANSFERRED_OUT, awaiting="", closed_date=on)
    elif event == "decide":
        new = _decide(case, new, data, on, opts)
    else:
        raise Refused("DEV-STATE", f"未知的步骤：{event}")

    if (event in EVENTS and EVENTS[event][0]) or event == "decide":
        new["rule_version"] = rule_version_for(_later(last_date(new), on))  # type: ignore[arg-type]
    before = case_violations(case) if case.get("state") else set()
    broken = sorted((case_violations(new) & BLOCKING_CODES) - before)
    if broken:
        raise Refused(broken[0], CODE_MESSAGES[broken[0]], "on")
    return new


def _back_to_candidate() -> dict:
    """Back to 发展对象 before the committee review: the admission procedure is done again (reopen after
    NOT_APPROVED; a failed 复议; a resolution left unapproved beyond six months). A new assembly then sets a new
    acceptance date, from which the probation runs (DEV-P5)."""
    keys = ("acceptance_date", "upper_talk_date", "prereview_date", "form_date", "committee_review_date",
            "revote_date", "acceptance_notice_start", "acceptance_notice_end")  # fmt: skip
    return {"state": CANDIDATE, "awaiting": "", **dict.fromkeys(keys)}


NOTICE_LABELS = {"activist": "确定为入党积极分子", "acceptance": "支部大会讨论接收", "conversion": "讨论转正"}


def _notice(new: dict, kind: str, data, on: date, opts, holidays, workdays) -> None:
    """DEV-P6 (P): a 公示 at activist confirmation, acceptance or conversion; at least DEV-P6X working days
    (never fewer than 5)."""
    end = _date(data, "notice_end")
    need_days = max(opts.get("DEV-P6X") or 0, NOTICE_MIN_WORKING_DAYS)
    got = working_days(on, end, holidays, workdays)
    _need(got >= need_days, "DEV-P6", f"公示期为{got}个工作日，应不少于{need_days}个工作日", "notice_end")
    new.update({f"{kind}_notice_start": on, f"{kind}_notice_end": end})


def _notice_done(case: Mapping[str, object], kind: str, on: date, data, opts) -> None:
    """DEV-P6 (P): where the extra notices are in force, the step waits for its notice to end unblocked."""
    days = opts.get("DEV-P6X") or 0
    if not days:
        return
    end = case.get(f"{kind}_notice_end")
    what = NOTICE_LABELS[kind]
    _need(
        end is not None, "DEV-P6", f"本地规定{what}前须公示不少于{max(days, NOTICE_MIN_WORKING_DAYS)}个工作日（DEV-P6）"
    )
    _need(on > end and not data.get("notice_blocked"), "DEV-P6",  # type: ignore[operator]
          f"公示期满且公示结果不影响{what}后方可办理（DEV-P6）", "on")  # fmt: skip


def _trained(case: Mapping[str, object]) -> bool:
    days, hours = case.get("training_days") or 0, case.get("training_hours") or 0
    return days >= TRAINING_MIN_DAYS or hours >= TRAINING_MIN_HOURS  # type: ignore[operator]


def _decide(case: Mapping[str, object], new: dict, data: Mapping[str, object], on: date, opts) -> dict:
    """The upper committee's decisions on its queues: approve or return with a reason."""
    queue = data.get("queue")
    awaiting = case.get("awaiting") or ""
    _need(queue in QUEUES and queue == awaiting, "DEV-STATE", "该档案没有待上级党委办理的此项事项")
    approve = bool(data.get("approve"))
    if not approve:
        _need((data.get("reason") or "").strip(), "DEV-RETURN", "退回须填写理由", "reason")
    if queue == FILING:
        if approve:
            key = (
                "filed_date"
                if case.get("state") == ACTIVIST and case.get("filed_date") is None
                else "candidate_filed_date"
            )
            _need(on >= (case.get("filing_submitted_date") or case.get("proposed_date")), "DATES_OUT_OF_ORDER",  # type: ignore[operator]
                  "备案日期不能早于上报日期", "on")  # fmt: skip
            new[key] = on
        elif case.get("filed_date") is not None:
            new["proposed_date"] = None
        new["awaiting"] = ""
    elif queue == CONSENT:
        _need(on >= case["proposed_date"], "DATES_OUT_OF_ORDER", "同意日期不能早于上报日期", "on")  # type: ignore[operator]
        new.update(
            consent_date=on if approve else None, awaiting="", proposed_date=case["proposed_date"] if approve else None
        )
    elif queue == PREREVIEW:
        new.update(prereview_date=on if approve else None, awaiting="")
        if not approve:
            new["committee_review_date"] = None
    elif queue == APPROVAL:
        if approve:
            _need(data.get("approver_ok", False), "RUR-12", RUR12_MESSAGE)
            _need(case.get("upper_talk_date") is not None, "DEV-16", "审批前须由上级党委派人谈话")
            months = opts.get("DEV-P5") or 0
            if months:
                limit = add_months(case["acceptance_date"], months)  # type: ignore[arg-type]
                revoted = case.get("revote_date")
                _need(on <= limit or (revoted is not None and revoted > limit), "DEV-P5",
                      f"支部大会决议后{months}个月内（{limit:%Y年%m月%d日}前）未经审批，须由支部大会复议后再审批（DEV-P5）",
                      "on")  # fmt: skip
            new.update(state=PROBATIONARY, approval_date=on, awaiting="")
        else:
            new.update(state=NOT_APPROVED, awaiting="", not_approved_date=on)
    elif queue == CONVERSION:
        outcome = case.get("pending_outcome")
        if approve:
            _need(data.get("approver_ok", False), "RUR-12", RUR12_MESSAGE)
            new["conversion_approval_date"] = on
            if outcome == CONVERT:
                new.update(state=FULL, conversion_date=probation_end(case), closed_date=on)
            elif outcome == EXTEND:
                new.update(state=EXTENDED, extension_months=case.get("pending_extension_months"),
                           conversion_meeting_date=None, conversion_approval_date=None,
                           conversion_application_date=None, conversion_notice_start=None,
                           conversion_notice_end=None)  # fmt: skip
            else:
                new.update(state=CANCELLED, closed_date=on)
        else:
            new.update(conversion_meeting_date=None)
        new.update(awaiting="", pending_outcome="", pending_extension_months=None)
    return new


# ---------------------------------------------------------------------------------------- next steps & deadlines


def next_events(
    case: Mapping[str, object], options: Mapping[str, int] | None = None, today: date | None = None
) -> list[str]:
    """The branch events that may come next from the case's state (§4.3), before date guards. With the local
    `options` in force the DEV-P2/P5/P6 steps appear; with `today`, the steps a passed deadline opens."""
    opts = {**LOCAL_OPTION_DEFAULTS, **(options or {})}
    notices = bool(opts["DEV-P6X"])
    state, awaiting = case.get("state"), case.get("awaiting") or ""
    if state in TERMINAL:
        return ["archive"] if state == FULL and case.get("archived_date") is None else []
    if awaiting:
        if awaiting != APPROVAL:
            return []
        out = ["upper_talk"] if case.get("upper_talk_date") is None else []
        accepted = case.get("acceptance_date")
        if today is not None and accepted is not None:
            if opts["DEV-P5"] and case.get("revote_date") is None and today > add_months(accepted, opts["DEV-P5"]):  # type: ignore[arg-type]
                out.append("revote")
            if today > add_months(accepted, APPROVAL_MAX_MONTHS):  # type: ignore[arg-type]
                out.append("redo_admission")
        return out
    out: list[str] = []
    if state == APPLICANT:
        if not case.get("talk_date"):
            out = ["talk"]
        elif notices and case.get("activist_notice_end") is None:
            out = ["activist_notice"]
        else:
            out = ["confirm_activist"]
    elif state == ACTIVIST:
        if case.get("filed_date") is None:
            out.append("file_activist")
        out += ["assign_mentors", "assess", "training"]
        if opts["DEV-P2"]:
            out.append("thought_report")
        if case.get("filed_date") is not None:
            if case.get("consent_date") is not None:
                out.append("confirm_candidate" if case.get("notice_end") else "publish_notice")
            elif case.get("candidate_filed_date") is not None:
                out.append("confirm_candidate")
            else:
                out.append("propose_candidate")
    elif state == CANDIDATE:
        if case.get("prereview_date") is not None:
            if not case.get("form_date"):
                out = ["fill_form"]
            elif notices and case.get("acceptance_notice_end") is None:
                out = ["acceptance_notice"]
            else:
                out = ["assembly"]
        else:
            if case.get("introducer_count") != 2:
                out.append("assign_introducers")
            if case.get("political_review_date") is None:
                out.append("political_review")
            if not _trained(case):
                out.append("training")
            out.append("committee_review" if case.get("committee_review_date") is None else "request_prereview")
    elif state in ON_PROBATION:
        if case.get("placed_date") is None:
            out.append("place_in_group")
        if case.get("oath_date") is None:
            out.append("oath")
        out.append("probation_assess")
        if case.get("conversion_application_date") is None:
            out.append("conversion_application")
        if notices and case.get("conversion_notice_end") is None:
            out.append("conversion_notice")
        out.append("conversion_meeting")
    elif state == NOT_APPROVED:
        out = ["reopen"]
    return [*out, "void", "transfer_out"] if state not in TERMINAL else out


def deadline(case: Mapping[str, object], options: Mapping[str, int] | None = None) -> tuple[str, str, date] | None:
    """§4.4: the most pressing deadline of the case as (rule id, Chinese label, due date), or None."""
    state, awaiting = case.get("state"), case.get("awaiting") or ""
    opts = {**LOCAL_OPTION_DEFAULTS, **(options or {})}
    due: list[tuple[date, str, str]] = []
    if state == APPLICANT and case.get("talk_date") is None and case.get("application_date"):
        due.append((add_months(case["application_date"], TALK_MONTHS), "TALK_LATE", "派人谈话"))  # type: ignore[arg-type]
    if state == ACTIVIST and case.get("activist_date"):
        last = case.get("last_assessment_date") or case["activist_date"]
        due.append((add_months(last, 6), "DEV-06", "半年培养考察"))  # type: ignore[arg-type]
        if opts["DEV-P2"]:
            last = case.get("last_report_date") or case["activist_date"]
            due.append((add_months(last, opts["DEV-P2"]), "DEV-P2", "思想汇报"))  # type: ignore[arg-type]
    if state == CANDIDATE and case.get("prereview_date") and _version_on(case["prereview_date"]) == "2026":  # type: ignore[arg-type]
        due.append((add_months(case["prereview_date"], ASSEMBLY_MONTHS), "ASSEMBLY_LATE", "召开支部党员大会"))  # type: ignore[arg-type]
    if awaiting == PREREVIEW and opts["DEV-P3"] and case.get("prereview_submitted_date"):
        due.append((add_months(case["prereview_submitted_date"], opts["DEV-P3"]), "DEV-P3", "上级党委预审"))  # type: ignore[arg-type]
    if awaiting == APPROVAL and case.get("acceptance_date"):
        if opts["DEV-P5"] and case.get("revote_date") is None:
            due.append((add_months(case["acceptance_date"], opts["DEV-P5"]), "DEV-P5", "上级党委审批（逾期须复议）"))  # type: ignore[arg-type]
        else:
            due.append((add_months(case["acceptance_date"], APPROVAL_MONTHS), "APPROVAL_LATE", "上级党委审批"))  # type: ignore[arg-type]
    if state in ON_PROBATION:
        if case.get("oath_date") is None and case.get("approval_date") and _version_on(case["approval_date"]) == "2026":  # type: ignore[arg-type]
            due.append((add_months(case["approval_date"], OATH_MONTHS), "OATH_LATE", "入党宣誓"))  # type: ignore[arg-type]
        end = probation_end(case)
        if not awaiting and end is not None:
            due.append((end, "DEV-23", "预备期满，讨论转正"))
    if awaiting == CONVERSION and case.get("conversion_meeting_date"):
        due.append((add_months(case["conversion_meeting_date"], CONVERSION_APPROVAL_MONTHS),  # type: ignore[arg-type]
                    "CONVERSION_APPROVAL_LATE", "上级党委审批转正"))  # fmt: skip
    if not due:
        return None
    day, rule, label = min(due)
    return rule, label, day


def colour(due: date | None, today: date, lead_days: int = 7) -> str:
    """§4.4 traffic light: red when the deadline has passed, amber within `lead_days`, green otherwise."""
    from datetime import timedelta

    if due is None:
        return "green"
    if today > due:
        return "red"
    return "amber" if today + timedelta(days=lead_days) >= due else "green"


def stage_label(state: str) -> str:
    return {
        APPLICANT: "入党申请人", ACTIVIST: "入党积极分子", CANDIDATE: "发展对象", ACCEPTED: "预备党员（待审批）",
        PROBATIONARY: "预备党员", EXTENDED: "预备党员（延长预备期）", FULL: "正式党员", CANCELLED: "取消预备党员资格",
        NOT_APPROVED: "上级党委不批准", VOID: "不予承认", TRANSFERRED_OUT: "已转出",
    }.get(state, state)  # fmt: skip


def invariant_problems(case: Mapping[str, object]) -> list[str]:
    """What must hold of any case reached through `advance` (the property test checks it)."""
    out = []
    state = case.get("state")
    if state not in STATES:
        out.append("state")
    bad = case_violations(case) & BLOCKING_CODES
    if bad:
        out.append(f"blocking {sorted(bad)}")
    if case.get("awaiting") and case["awaiting"] not in QUEUES:
        out.append("awaiting")
    if state in (CANDIDATE, ACCEPTED, PROBATIONARY, EXTENDED, FULL) and case.get("candidate_date") is None:
        out.append("candidate without candidate_date")
    if state in (ACCEPTED, PROBATIONARY, EXTENDED, FULL) and case.get("acceptance_date") is None:
        out.append("accepted without acceptance_date")
    if state in (PROBATIONARY, EXTENDED, FULL) and case.get("approval_date") is None:
        out.append("probationary without approval")
    if state == FULL and case.get("conversion_date") != probation_end(case):
        out.append("conversion date is not the probation end")
    ext = case.get("extension_months")
    if ext is not None and not EXTENSION_MIN_MONTHS <= ext <= EXTENSION_MAX_MONTHS:  # type: ignore[operator]
        out.append("extension")
    if state == EXTENDED and not ext:
        out.append("extended without months")
    return out

"""Organization setup rules (rules.md §1) as pure functions on plain values.

Kinds and sectors are the stable string values of `OrgKind` / `Sector`. Only the pure date helpers of
`core.dates` are imported. Nothing here touches the database or the clock: `today` is always an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dangjian.core.dates import add_months, add_years

BRANCH_MIN_FULL_MEMBERS = 3  # ORG-01
BRANCH_NORMAL_MAX_MEMBERS = 50  # ORG-01
JOINT_BRANCH_MAX_UNITS = 5  # ORG-02
COMMITTEE_THRESHOLD_FULL_MEMBERS = 7  # ORG-05
BRANCH_COMMITTEE_MIN, BRANCH_COMMITTEE_NORMAL_MAX, BRANCH_COMMITTEE_MAX = 3, 5, 7  # ORG-05
GENERAL_BRANCH_MIN_MEMBERS, GENERAL_BRANCH_MAX_MEMBERS = 50, 100  # ORG-06
BASE_COMMITTEE_MIN_MEMBERS = 100  # ORG-07
TERM_REMINDER_MONTHS = 6  # ORG-11 (P)

BRANCH_KINDS = {"branch", "joint_branch"}
COMMITTEE_KINDS = {"local_committee", "committee", "working_committee", "joint_committee"}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    level: str  # "error" must be fixed; "warning" should be looked at
    message: str


def child_kind_allowed(parent_kind: str, child_kind: str) -> bool:
    """TREE-KIND: branches hold party groups, not orgs; a general branch holds branches only;
    a local (county) committee is never placed under a grassroots org."""
    if parent_kind in BRANCH_KINDS:
        return False
    if parent_kind == "general_branch":
        return child_kind in BRANCH_KINDS
    if child_kind == "local_committee":
        return parent_kind == "local_committee"
    return True


def term_years(kind: str, sector: str) -> int:
    """ORG-09: village and community orgs 5 years; base committees 5; other general branches and
    branches 3 (organs: 机关党委 5, 总支 3, 支部 3)."""
    if sector in {"rural", "community"}:
        return 5
    if kind in COMMITTEE_KINDS:
        return 5
    return 3


def term_end(kind: str, sector: str, elected_on: date) -> date:
    return add_years(elected_on, term_years(kind, sector))


def committee_required(full_members: int) -> bool:
    """ORG-05: 7 or more full members → a branch committee must be set up."""
    return full_members >= COMMITTEE_THRESHOLD_FULL_MEMBERS


def structure_findings(
    *,
    kind: str,
    full_members: int,
    members: int,
    has_committee: bool,
    committee_size: int | None,
    unit_count: int | None = None,
    term_ends_on: date | None = None,
    today: date,
) -> list[Finding]:
    """The structure checks of §1 for one org (ORG-01, 02, 05, 06, 07, 09, 11)."""
    out: list[Finding] = []
    if kind in BRANCH_KINDS:
        if full_members < BRANCH_MIN_FULL_MEMBERS and kind == "branch":
            out.append(
                Finding("ORG-01", "warning", f"正式党员不足{BRANCH_MIN_FULL_MEMBERS}人，应与邻近单位成立联合党支部")
            )
        if members > BRANCH_NORMAL_MAX_MEMBERS:
            out.append(Finding("ORG-01", "warning", f"党员超过{BRANCH_NORMAL_MAX_MEMBERS}人，一般应调整或分设党支部"))
        if committee_required(full_members) and not has_committee:
            out.append(
                Finding("ORG-05", "warning", f"正式党员{COMMITTEE_THRESHOLD_FULL_MEMBERS}人以上，应设立支部委员会")
            )
        if has_committee and committee_size is not None:
            if committee_size < BRANCH_COMMITTEE_MIN or committee_size > BRANCH_COMMITTEE_MAX:
                out.append(
                    Finding(
                        "ORG-05",
                        "warning",
                        f"支部委员会一般由{BRANCH_COMMITTEE_MIN}至{BRANCH_COMMITTEE_NORMAL_MAX}人组成，"
                        f"最多不超过{BRANCH_COMMITTEE_MAX}人（现为{committee_size}人）",
                    )
                )
        if not committee_required(full_members) and has_committee and full_members > 0:
            out.append(
                Finding("ORG-05", "warning", f"正式党员不足{COMMITTEE_THRESHOLD_FULL_MEMBERS}人，一般不设支部委员会")
            )
    if kind == "joint_branch" and unit_count is not None and unit_count > JOINT_BRANCH_MAX_UNITS:
        out.append(
            Finding(
                "ORG-02", "warning", f"联合党支部覆盖单位一般不超过{JOINT_BRANCH_MAX_UNITS}个（现为{unit_count}个）"
            )
        )
    if kind == "general_branch" and 0 < members < GENERAL_BRANCH_MIN_MEMBERS:
        out.append(
            Finding("ORG-06", "warning", f"党员不足{GENERAL_BRANCH_MIN_MEMBERS}人设立党总支，须经上级党组织批准")
        )
    if kind == "general_branch" and members >= BASE_COMMITTEE_MIN_MEMBERS:
        out.append(Finding("ORG-07", "warning", f"党员{BASE_COMMITTEE_MIN_MEMBERS}人以上，可设立基层党委"))
    if kind == "committee" and 0 < members < BASE_COMMITTEE_MIN_MEMBERS:
        out.append(
            Finding("ORG-07", "warning", f"党员不足{BASE_COMMITTEE_MIN_MEMBERS}人设立基层党委，须经上级党组织批准")
        )
    if term_ends_on is not None:
        if term_ends_on < today:
            out.append(Finding("ORG-09", "error", f"任期已于{term_ends_on:%Y年%m月%d日}届满，应按期换届"))
        elif add_months(today, TERM_REMINDER_MONTHS) >= term_ends_on:
            out.append(Finding("ORG-11", "warning", f"任期将于{term_ends_on:%Y年%m月%d日}届满，请做好换届准备"))
    return out

"""Organizational-life frequency rules of rules.md §2 as pure functions on plain values.

`meeting_gaps` is part of the conformance interface: its name, signature, kinds and period labels
are fixed by rules.md. The cadence of each kind is a default that a jurisdiction may override
(LIFE-05, the branch Party-lecture frequency, is local practice: quarterly by default).
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MONTHLY, QUARTERLY, YEARLY = "monthly", "quarterly", "yearly"

# LIFE-01 general assembly quarterly; LIFE-02 committee meeting monthly (only with a committee);
# LIFE-05 Party lecture quarterly (P); LIFE-06 theme day monthly; LIFE-07 life meeting yearly;
# LIFE-08 democratic appraisal yearly.
DEFAULT_CADENCE: dict[str, str] = {
    "general_assembly": QUARTERLY,
    "committee_meeting": MONTHLY,
    "party_lecture": QUARTERLY,
    "theme_day": MONTHLY,
    "life_meeting": YEARLY,
    "democratic_appraisal": YEARLY,
}
COMMITTEE_ONLY = frozenset({"committee_meeting"})


def periods(year: int, cadence: str) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of every period of `year` for a cadence."""
    if cadence == MONTHLY:
        return [
            (f"{year}-{m:02d}", date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1])) for m in range(1, 13)
        ]
    if cadence == QUARTERLY:
        return [
            (f"{year}-Q{q}", date(year, 3 * q - 2, 1), date(year, 3 * q, calendar.monthrange(year, 3 * q)[1]))
            for q in range(1, 5)
        ]
    if cadence == YEARLY:
        return [(str(year), date(year, 1, 1), date(year, 12, 31))]
    raise ValueError(f"未知的频次：{cadence!r}")


def meeting_gaps(
    held: Iterable[tuple[str, date]],
    *,
    year: int,
    through: date,
    has_committee: bool,
    cadence: Mapping[str, str] | None = None,
) -> set[tuple[str, str]]:
    """LIFE-01/02/05/06/07/08: the (kind, period) pairs of `year` that ended on or before `through` in
    which the branch held none of a required kind. A period not yet ended is never a gap; kinds that
    are not required (group meetings, talks…) are ignored; the committee meeting is required only
    when the branch has a committee."""
    rules = dict(DEFAULT_CADENCE if cadence is None else cadence)
    dates_by_kind: dict[str, list[date]] = {}
    for kind, day in held:
        dates_by_kind.setdefault(kind, []).append(day)
    gaps: set[tuple[str, str]] = set()
    for kind, every in rules.items():
        if kind in COMMITTEE_ONLY and not has_committee:
            continue
        days = dates_by_kind.get(kind, [])
        for label, first, last in periods(year, every):
            if last > through:
                continue
            if not any(first <= d <= last for d in days):
                gaps.add((kind, label))
    return gaps


# --- party-group meetings (LIFE-03), counted per group ------------------------------------------------

GROUP_KIND = "group_meeting"
DEFAULT_GROUP_CADENCE = MONTHLY  # LIFE-03 党小组会 normally monthly; a jurisdiction may set another cadence


def group_periods(
    year: int, start: date, through: date, every: str | None, established_on: date, dissolved_on: date | None
) -> list[tuple[str, date, date]]:
    """LIFE-03: the periods of `year` in which one party group had to hold a group meeting: those that ended
    inside [start, through], not before the month the group was set up (a period ending before its
    `established_on` is not asked) and not after it was dissolved (a period starting after it)."""
    if every is None or every == NONE:
        return []
    return [
        (label, first, last)
        for label, first, last in periods(year, every)
        if start <= last <= through and last >= established_on and (dissolved_on is None or first <= dissolved_on)
    ]


def group_meeting_gaps(
    held: Iterable[tuple[int, date]],
    groups: Iterable[tuple[int, date, date | None]],
    *,
    year: int,
    through: date,
    start: date | None = None,
    cadence: str | None = DEFAULT_GROUP_CADENCE,
) -> tuple[int, set[tuple[int, str]]]:
    """LIFE-03 (derived check "count(党小组会 in each month) ≥ 1 for each 党小组"): for the groups of a branch
    (id, established on, dissolved on) and their held group meetings (group id, date), the number of
    (group, period) pairs required in the window and the set of those without a meeting."""
    days: dict[int, list[date]] = {}
    for group_id, day in held:
        days.setdefault(group_id, []).append(day)
    required, gaps = 0, set()
    for group_id, established_on, dissolved_on in groups:
        mine = days.get(group_id, [])
        for label, first, last in group_periods(
            year, start or date(year, 1, 1), through, cadence, established_on, dissolved_on
        ):
            required += 1
            if not any(first <= d <= last for d in mine):
                gaps.add((group_id, label))
    return required, gaps


# --- quorum, required periods, completion -----------------------------------------------------------


def majority_needed(due: int) -> int:
    """ "过半数": the smallest count strictly greater than half of `due` (rules.md §0: 以上/以下 include the number)."""
    return due // 2 + 1


def general_assembly_quorum(voting_present: int, voting_due: int) -> bool:
    """LIFE-01: a 支部党员大会 may proceed when more than half of the members with voting rights due to attend
    are present (ORG-14: only full members with normal status vote). Nobody due → no quorum."""
    return voting_due > 0 and voting_present >= majority_needed(voting_due)


def committee_quorum(present: int, committee_size: int) -> bool:
    """LIFE-02: a 支部委员会会议 may proceed when more than half of the committee members are present."""
    return committee_size > 0 and present >= majority_needed(committee_size)


def required_periods(
    *, year: int, through: date, has_committee: bool, cadence: Mapping[str, str] | None = None
) -> set[tuple[str, str]]:
    """LIFE-01/02/05/06/07/08: every (kind, period) of `year` ended by `through` that had to hold a meeting:
    exactly the gaps of a branch that held nothing, so the two can never disagree."""
    return meeting_gaps((), year=year, through=through, has_committee=has_committee, cadence=cadence)


def completion_rate(required: int, gaps: int) -> Decimal:
    """完成率: the share of required periods that were not gaps, as a percentage rounded half up to 0.01.
    Nothing required yet → 100.00."""
    if required < 0 or gaps < 0 or gaps > required:
        raise ValueError(f"应开展 {required} 项、未开展 {gaps} 项不合理")
    if required == 0:
        return Decimal("100.00")
    return (Decimal(required - gaps) * 100 / Decimal(required)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


GREEN, AMBER, RED = "green", "amber", "red"


def traffic_light(gap_count: int) -> str:
    """The compliance colour of a branch (local practice, P): no gap green, 1–2 gaps amber, more red."""
    if gap_count <= 0:
        return GREEN
    return AMBER if gap_count <= 2 else RED


_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|0[1-9]|1[0-2]))?$")


def period_bounds(label: str) -> tuple[date, date]:
    """First and last day of a period label ("2026", "2026-Q1", "2026-03"); ValueError when it is none."""
    match = _PERIOD.match(label or "")
    if not match:
        raise ValueError(f"期间格式应为 2026、2026-Q1 或 2026-03：{label!r}")
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        return date(year, 1, 1), date(year, 12, 31)
    if part.startswith("Q"):
        q = int(part[1])
        return date(year, 3 * q - 2, 1), date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])
    month = int(part)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def period_fits_kind(label: str, kind: str, cadence: Mapping[str, str] | None = None) -> bool:
    """Whether a period label has the shape of the kind's cadence (a monthly kind takes "2026-03"…).
    Kinds without a cadence (group meetings, talks) take no exemption."""
    every = dict(DEFAULT_CADENCE if cadence is None else cadence).get(kind)
    try:
        period_bounds(label)
    except ValueError:
        return False
    if every == YEARLY:
        return len(label) == 4
    if every == QUARTERLY:
        return "-Q" in label
    if every == MONTHLY:
        return len(label) == 7 and "-Q" not in label
    return False


def period_of(kind: str, day: date, cadence: Mapping[str, str] | None = None) -> str:
    """The label of the kind's period that contains `day`."""
    every = dict(DEFAULT_CADENCE if cadence is None else cadence).get(kind)
    if every == MONTHLY:
        return f"{day.year}-{day.month:02d}"
    if every == QUARTERLY:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if every == YEARLY:
        return str(day.year)
    raise ValueError(f"{kind!r} 没有规定频次")


# --- review chain, sign-in window, cadence configuration ---------------------------------------------

NONE = "none"


def quorum_refusal(kind: str, present: int, due: int) -> str | None:
    """LIFE-01/02: the reason a meeting cannot be marked valid (submitted or approved), or None when it may.
    支部党员大会 (LIFE-01): `present`/`due` count the members with voting rights, more than half must be present.
    支部委员会会议 (LIFE-02): `present`/`due` count the committee members, more than half must be present.
    Other kinds have no quorum: None."""
    if kind == "general_assembly":
        if general_assembly_quorum(present, due):
            return None
        return (
            f"有表决权的党员应到{due}人、实到{present}人，未超过半数"
            f"（至少{majority_needed(due)}人），支部党员大会无效，不能报送或审核通过"
        )
    if kind == "committee_meeting":
        if committee_quorum(present, due):
            return None
        if due == 0:
            return (
                "未登记现任支部委员，无法核对支部委员会会议到会人数（须超过半数），不能报送或审核通过；请先登记班子成员"
            )
        return (
            f"支部委员应到{due}人、实到{present}人，未超过半数"
            f"（至少{majority_needed(due)}人），支部委员会会议无效，不能报送或审核通过"
        )
    return None


def sign_in_window(
    day: date, starts_at: time | None, ends_at: time | None, *, lead_minutes: int = 30, default_hours: int = 4
) -> tuple[datetime, datetime]:
    """The (naive, local) time window in which a QR sign-in for a meeting is accepted: from `lead_minutes`
    before the start to the end (or `default_hours` after the start); without a start time, the whole day."""
    if starts_at is None:
        return datetime.combine(day, time(0, 0)), datetime.combine(day, time(23, 59, 59))
    start = datetime.combine(day, starts_at)
    end = datetime.combine(day, ends_at) if ends_at and ends_at > starts_at else start + timedelta(hours=default_hours)
    return start - timedelta(minutes=lead_minutes), end


def effective_cadence(
    overrides: Iterable[tuple[int, str, str, date]], on: date, defaults: Mapping[str, str] | None = None
) -> dict[str, str]:
    """LIFE-05 and the like: the cadence per kind in force on `on` for one org, from the defaults and the
    jurisdiction overrides (depth of the org that set it, kind, cadence, effective from). The deepest org
    wins; within one org the latest effective date not after `on`. A cadence "none" drops the kind."""
    out = dict(DEFAULT_CADENCE if defaults is None else defaults)
    best: dict[str, tuple[int, date]] = {}
    for depth, kind, cadence, since in overrides:
        if since > on:
            continue
        key = (depth, since)
        if kind not in best or key > best[kind]:
            best[kind] = key
            out[kind] = cadence
    return {k: v for k, v in out.items() if v != NONE}


def year_slots(year: int, cadence: Mapping[str, str], *, has_committee: bool) -> list[tuple[str, str, date, date]]:
    """The required meetings of a year as calendar slots: (kind, period label, first day, last day)."""
    out = []
    for kind, every in cadence.items():
        if kind in COMMITTEE_ONLY and not has_committee:
            continue
        for label, first, last in periods(year, every):
            out.append((kind, label, first, last))
    return sorted(out, key=lambda s: (s[2], s[3], s[0]))


def window(year: int, quarter: int | None, through: date) -> tuple[date, date]:
    """The compliance window: the whole year or one quarter, cut at `through` (periods must also end by it)."""
    if quarter is None:
        return date(year, 1, 1), min(through, date(year, 12, 31))
    first, last = period_bounds(f"{year}-Q{quarter}")
    return first, min(through, last)


def required_in_window(
    year: int, start: date, through: date, cadence: Mapping[str, str], *, has_committee: bool
) -> dict[str, list[str]]:
    """kind → the labels of its periods that end inside [start, through]: what a compliance window asks."""
    out: dict[str, list[str]] = {}
    for kind, every in cadence.items():
        if kind in COMMITTEE_ONLY and not has_committee:
            continue
        labels = [label for label, _f, last in periods(year, every) if start <= last <= through]
        if labels:
            out[kind] = labels
    return out


def rate_light(rate: Decimal, *, green: Decimal = Decimal("95"), amber: Decimal = Decimal("80")) -> str:
    """The colour of an aggregate (a township, a county) by its completion rate (local practice, P):
    ≥95% green, ≥80% amber, else red. Thresholds are parameters (settings ORGLIFE_RATE_GREEN/AMBER)."""
    if rate >= green:
        return GREEN
    return AMBER if rate >= amber else RED


# --- democratic appraisal (LIFE-08/09), talks (LIFE-10) ----------------------------------------------------

EXCELLENT_SHARE = Fraction(1, 3)


def excellent_allowed(graded: int, share: Fraction = EXCELLENT_SHARE) -> int:
    """LIFE-09: 优秀 normally at most 1/3 of the members graded: the largest count n with n ≤ share × graded
    (exact fractions: 3 graded allow 1)."""
    if graded < 0:
        raise ValueError(f"评定人数不合理：{graded}")
    return math.floor(Fraction(share) * graded)


def appraisal_problems(entries: Iterable[tuple[bool, str]], share: Fraction = EXCELLENT_SHARE) -> list[str]:
    """What stops an appraisal from being closed: (graded, grade) per member. Every graded member needs a grade
    (LIFE-09), the ungraded have none, and 优秀 is at most 1/3 of the graded. Empty list: may close."""
    rows = list(entries)
    problems = []
    graded = [g for is_graded, g in rows if is_graded]
    missing = sum(1 for g in graded if not g)
    if missing:
        problems.append(f"还有{missing}名党员未评定等次")
    if any(g for is_graded, g in rows if not is_graded):
        problems.append("不评定等次的党员（如预备党员）不应有等次")
    excellent = sum(1 for g in graded if g == "excellent")
    allowed = excellent_allowed(len(graded), share)
    if excellent > allowed:
        problems.append(f"评为优秀的{excellent}人，超过参评党员{len(graded)}人的三分之一（最多{allowed}人）")
    return problems


def talk_coverage(
    committee: Iterable[int], members: Iterable[int], talks: Iterable[tuple[int, int]]
) -> tuple[int, int, set[tuple[int, int]]]:
    """LIFE-10: 谈心谈话 normally at least once a year per pair, between committee members and between committee
    members and members. Required pairs: every unordered pair with at least one committee member. Returns
    (covered, required, missing pairs)."""
    com = set(committee)
    everyone = set(members) | com
    required = {tuple(sorted((a, b))) for a in com for b in everyone if a != b}
    held = {tuple(sorted((a, b))) for a, b in talks if a != b}
    missing = required - held
    return len(required) - len(missing), len(required), missing

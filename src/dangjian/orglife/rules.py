"""Organizational-life frequency rules of rules.md §2 as pure functions on plain values.

`meeting_gaps` is part of the conformance interface: its name, signature, kinds and period labels
are fixed by rules.md. The cadence of each kind is a default that a jurisdiction may override
(LIFE-05, the branch Party-lecture frequency, is local practice: quarterly by default).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date

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

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

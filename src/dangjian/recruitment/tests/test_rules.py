"""Recruitment timeline rules, one row per case (rules.md §4, conformance interface)."""

from datetime import date

import pytest

from dangjian.recruitment.rules import rule_version_for, timeline_violations

GOOD = {
    "birth_date": date(2000, 5, 1),
    "application_date": date(2023, 3, 1),
    "talk_date": date(2023, 3, 20),
    "activist_date": date(2023, 9, 1),
    "candidate_date": date(2024, 9, 2),
    "political_review_date": date(2024, 12, 1),
    "training_days": 3,
    "training_hours": None,
    "prereview_date": date(2025, 3, 1),
    "acceptance_date": date(2025, 3, 20),
    "approval_date": date(2025, 5, 10),
    "oath_date": date(2025, 6, 1),
    "conversion_meeting_date": date(2026, 3, 20),
    "conversion_approval_date": date(2026, 5, 20),
}


def test_a_clean_case_breaks_nothing():
    assert timeline_violations(GOOD) == set()
    assert timeline_violations(GOOD, "2014") == set()


def test_absent_keys_are_not_checked():
    assert timeline_violations({}) == set()
    assert timeline_violations({"application_date": date(2026, 1, 1), "talk_date": None}) == set()


@pytest.mark.parametrize(
    ("case", "changes", "version", "expected"),
    [
        (
            "AGE_UNDER_18 day before the birthday",
            {"application_date": date(2018, 4, 30), "talk_date": None},
            "2026",
            {"AGE_UNDER_18"},
        ),
        ("AGE_UNDER_18 on the birthday is fine", {"birth_date": date(2005, 3, 1)}, "2026", set()),
        (
            "AGE_UNDER_18 leap-day birthday",
            {
                "birth_date": date(2004, 2, 29),
                "application_date": date(2022, 2, 28),
                "talk_date": None,
                "activist_date": None,
                "candidate_date": None,
            },
            "2026",
            set(),
        ),
        ("TALK_LATE one month is allowed", {"talk_date": date(2023, 4, 1)}, "2026", set()),
        ("TALK_LATE one month and a day", {"talk_date": date(2023, 4, 2)}, "2026", {"TALK_LATE"}),
        (
            "TALK_LATE clamped month end",
            {"application_date": date(2023, 1, 31), "talk_date": date(2023, 3, 1)},
            "2026",
            {"TALK_LATE"},
        ),
        (
            "CANDIDATE_TOO_EARLY a day short of a year",
            {"candidate_date": date(2024, 8, 31)},
            "2026",
            {"CANDIDATE_TOO_EARLY"},
        ),
        ("CANDIDATE_TOO_EARLY exactly a year is fine", {"candidate_date": date(2024, 9, 1)}, "2026", set()),
        ("NO_POLITICAL_REVIEW missing", {"political_review_date": None}, "2026", {"NO_POLITICAL_REVIEW"}),
        (
            "NO_POLITICAL_REVIEW after acceptance",
            {"political_review_date": date(2025, 3, 21)},
            "2026",
            {"NO_POLITICAL_REVIEW"},
        ),
        ("NO_POLITICAL_REVIEW same day is fine", {"political_review_date": date(2025, 3, 20)}, "2026", set()),
        ("TRAINING_INSUFFICIENT 2 days", {"training_days": 2}, "2026", {"TRAINING_INSUFFICIENT"}),
        ("TRAINING_INSUFFICIENT 24 hours suffice", {"training_days": 1, "training_hours": 24}, "2026", set()),
        ("TRAINING_INSUFFICIENT nothing recorded", {"training_days": None}, "2026", {"TRAINING_INSUFFICIENT"}),
        ("ASSEMBLY_LATE 2026", {"prereview_date": date(2025, 2, 19)}, "2026", {"ASSEMBLY_LATE"}),
        ("ASSEMBLY_LATE not in 2014", {"prereview_date": date(2025, 2, 19)}, "2014", set()),
        ("APPROVAL_LATE beyond 3 months", {"approval_date": date(2025, 6, 21)}, "2026", {"APPROVAL_LATE"}),
        (
            "APPROVAL_LATE 3 months exactly is fine",
            {"approval_date": date(2025, 6, 20), "oath_date": date(2025, 7, 1)},
            "2026",
            set(),
        ),
        (
            "APPROVAL_OVERDUE beyond 6 months",
            {"approval_date": date(2025, 9, 21), "oath_date": date(2025, 10, 1)},
            "2026",
            {"APPROVAL_OVERDUE"},
        ),
        (
            "APPROVAL 6 months exactly is late only",
            {"approval_date": date(2025, 9, 20), "oath_date": date(2025, 10, 1)},
            "2026",
            {"APPROVAL_LATE"},
        ),
        ("OATH_LATE 2026", {"oath_date": date(2025, 6, 11)}, "2026", {"OATH_LATE"}),
        ("OATH_LATE not in 2014", {"oath_date": date(2025, 6, 11)}, "2014", set()),
        ("EXTENSION_OUT_OF_RANGE 5", {"extension_months": 5}, "2026", {"EXTENSION_OUT_OF_RANGE"}),
        ("EXTENSION 6 is fine", {"extension_months": 6}, "2026", set()),
        ("EXTENSION 12 is fine", {"extension_months": 12}, "2026", set()),
        ("EXTENSION_OUT_OF_RANGE 13", {"extension_months": 13}, "2026", {"EXTENSION_OUT_OF_RANGE"}),
        (
            "CONVERSION_APPROVAL_LATE",
            {"conversion_approval_date": date(2026, 6, 21)},
            "2026",
            {"CONVERSION_APPROVAL_LATE"},
        ),
        (
            "DATES_OUT_OF_ORDER talk before application",
            {"talk_date": date(2023, 2, 28)},
            "2026",
            {"DATES_OUT_OF_ORDER"},
        ),
        (
            "DATES_OUT_OF_ORDER acceptance before prereview",
            {"prereview_date": date(2025, 3, 21)},
            "2026",
            {"DATES_OUT_OF_ORDER"},
        ),
        (
            "DATES_OUT_OF_ORDER across a missing step",
            {"candidate_date": None, "activist_date": date(2025, 4, 1)},
            "2026",
            {"DATES_OUT_OF_ORDER"},
        ),
        (
            "DATES_OUT_OF_ORDER conversion meeting before acceptance",
            {"conversion_meeting_date": date(2025, 3, 1), "conversion_approval_date": date(2025, 4, 1)},
            "2026",
            {"DATES_OUT_OF_ORDER"},
        ),
        ("DATES equal are in order", {"talk_date": date(2023, 3, 1)}, "2026", set()),
    ],
)
def test_timeline_cases(case, changes, version, expected):
    assert timeline_violations({**GOOD, **changes}, version) == expected


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match="2019"):
        timeline_violations(GOOD, "2019")


@pytest.mark.parametrize(("day", "version"), [(date(2026, 5, 10), "2014"), (date(2026, 5, 11), "2026")])
def test_version_in_force(day, version):
    assert rule_version_for(day) == version

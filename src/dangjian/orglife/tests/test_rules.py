"""Organizational-life gaps, one row per rule case (rules.md §2, conformance interface)."""

from datetime import date

import pytest

from dangjian.orglife.rules import meeting_gaps


def monthly(kind, year, months):
    return [(kind, date(year, m, 10)) for m in months]


FULL_YEAR = (
    monthly("theme_day", 2026, range(1, 13))
    + monthly("committee_meeting", 2026, range(1, 13))
    + [("general_assembly", date(2026, m, 5)) for m in (2, 5, 8, 11)]
    + [("party_lecture", date(2026, m, 6)) for m in (3, 6, 9, 12)]
    + [("life_meeting", date(2026, 12, 20)), ("democratic_appraisal", date(2026, 12, 21))]
)


def test_a_complete_year_has_no_gaps():
    assert meeting_gaps(FULL_YEAR, year=2026, through=date(2026, 12, 31), has_committee=True) == set()


def test_nothing_held_by_mid_april():
    gaps = meeting_gaps([], year=2026, through=date(2026, 4, 15), has_committee=True)
    assert gaps == {
        ("theme_day", "2026-01"), ("theme_day", "2026-02"), ("theme_day", "2026-03"),
        ("committee_meeting", "2026-01"), ("committee_meeting", "2026-02"), ("committee_meeting", "2026-03"),
        ("general_assembly", "2026-Q1"), ("party_lecture", "2026-Q1"),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("case", "held", "through", "has_committee", "expected"),
    [
        ("LIFE-02 no committee, no committee meetings needed", [], date(2026, 2, 1), False, {("theme_day", "2026-01")}),
        ("a period ending on `through` counts", [], date(2026, 1, 31), False, {("theme_day", "2026-01")}),
        ("a period not yet ended is no gap", [], date(2026, 1, 30), False, set()),
        (
            "LIFE-06 theme day on the last day of the month",
            [("theme_day", date(2026, 1, 31))],
            date(2026, 2, 1),
            False,
            set(),
        ),
        (
            "meetings of another year do not count",
            [("theme_day", date(2025, 1, 10))],
            date(2026, 2, 1),
            False,
            {("theme_day", "2026-01")},
        ),
        ("LIFE-07/08 yearly kinds only after the year ends", [], date(2026, 12, 30), False, None),
        (
            "group meetings are ignored",
            [("group_meeting", date(2026, 1, 3))],
            date(2026, 2, 1),
            False,
            {("theme_day", "2026-01")},
        ),
    ],
)
def test_gap_cases(case, held, through, has_committee, expected):
    gaps = meeting_gaps(held, year=2026, through=through, has_committee=has_committee)
    if expected is None:
        assert not {g for g in gaps if g[1] == "2026"}
    else:
        assert gaps == expected


def test_the_whole_year_after_it_ends():
    gaps = meeting_gaps([], year=2025, through=date(2026, 3, 1), has_committee=False)
    assert ("life_meeting", "2025") in gaps
    assert ("democratic_appraisal", "2025") in gaps
    assert ("general_assembly", "2025-Q4") in gaps
    assert len([g for g in gaps if g[0] == "theme_day"]) == 12


def test_cadence_is_configurable():
    gaps = meeting_gaps(
        [], year=2026, through=date(2026, 7, 1), has_committee=False, cadence={"party_lecture": "yearly"}
    )
    assert gaps == set()

"""Organizational-life rules, one row per rule case (rules.md §2): gaps (conformance interface), quorum,
required periods, completion rate, colour, period labels."""

from datetime import date
from decimal import Decimal

import pytest

from dangjian.orglife import rules
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


# --- quorum, required periods, completion rate, colour, period labels ------------------------------


@pytest.mark.parametrize(
    ("case", "present", "due", "met"),
    [
        ("LIFE-01 more than half present", 6, 10, True),
        ("LIFE-01 exactly half is not more than half", 5, 10, False),
        ("LIFE-01 odd count: 4 of 7", 4, 7, True),
        ("LIFE-01 odd count: 3 of 7", 3, 7, False),
        ("LIFE-01 everyone present", 3, 3, True),
        ("LIFE-01 nobody with voting rights due", 0, 0, False),
    ],
)
def test_general_assembly_quorum(case, present, due, met):
    assert rules.general_assembly_quorum(present, due) is met


@pytest.mark.parametrize(
    ("case", "present", "size", "met"),
    [
        ("LIFE-02 3 of 5 committee members", 3, 5, True),
        ("LIFE-02 2 of 5 committee members", 2, 5, False),
        ("LIFE-02 2 of 4 is exactly half", 2, 4, False),
        ("LIFE-02 3 of 3", 3, 3, True),
        ("LIFE-02 no committee", 0, 0, False),
    ],
)
def test_committee_quorum(case, present, size, met):
    assert rules.committee_quorum(present, size) is met


@pytest.mark.parametrize(
    ("case", "through", "has_committee", "expected"),
    [
        ("LIFE-06 nothing ended yet", date(2026, 1, 30), True, 0),
        ("LIFE-02/06 January ended", date(2026, 1, 31), True, 2),
        ("LIFE-01/02/05/06 first quarter ended", date(2026, 4, 1), True, 3 + 3 + 1 + 1),
        ("LIFE-02 without a committee", date(2026, 4, 1), False, 3 + 1 + 1),
        ("LIFE-01/02/05/06/07/08 whole year", date(2026, 12, 31), True, 12 + 12 + 4 + 4 + 1 + 1),
    ],
)
def test_required_periods(case, through, has_committee, expected):
    required = rules.required_periods(year=2026, through=through, has_committee=has_committee)
    assert len(required) == expected
    assert required == meeting_gaps([], year=2026, through=through, has_committee=has_committee)


@pytest.mark.parametrize(
    ("case", "required", "gaps", "rate"),
    [
        ("all held", 8, 0, Decimal("100.00")),
        ("one of three missing, rounded half up", 3, 1, Decimal("66.67")),
        ("two of three missing", 3, 2, Decimal("33.33")),
        ("nothing held", 8, 8, Decimal("0.00")),
        ("nothing required yet", 0, 0, Decimal("100.00")),
        ("one of eight missing", 8, 1, Decimal("87.50")),
    ],
)
def test_completion_rate(case, required, gaps, rate):
    assert rules.completion_rate(required, gaps) == rate


def test_completion_rate_refuses_impossible_counts():
    with pytest.raises(ValueError, match="不合理"):
        rules.completion_rate(2, 3)


@pytest.mark.parametrize(("gaps", "colour"), [(0, "green"), (1, "amber"), (2, "amber"), (3, "red"), (12, "red")])
def test_traffic_light(gaps, colour):
    assert rules.traffic_light(gaps) == colour


@pytest.mark.parametrize(
    ("label", "kind", "fits"),
    [
        ("2026-03", "theme_day", True),
        ("2026-Q1", "theme_day", False),
        ("2026-Q1", "general_assembly", True),
        ("2026-03", "general_assembly", False),
        ("2026", "life_meeting", True),
        ("2026-13", "theme_day", False),
        ("2026", "group_meeting", False),
        ("26-03", "theme_day", False),
    ],
)
def test_period_fits_kind(label, kind, fits):
    assert rules.period_fits_kind(label, kind) is fits


def test_period_bounds_and_period_of():
    assert rules.period_bounds("2026-Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert rules.period_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert rules.period_bounds("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert rules.period_of("theme_day", date(2026, 5, 31)) == "2026-05"
    assert rules.period_of("party_lecture", date(2026, 5, 31)) == "2026-Q2"
    assert rules.period_of("life_meeting", date(2026, 5, 31)) == "2026"
    with pytest.raises(ValueError, match="期间格式"):
        rules.period_bounds("2026-Q5")


# --- quorum refusal (LIFE-01), sign-in window, cadence configuration (LIFE-05) ----------------------------


@pytest.mark.parametrize(
    ("kind", "present", "due", "refused"),
    [
        ("general_assembly", 3, 5, False),  # 3 > 5/2
        ("general_assembly", 2, 4, True),  # exactly half is not more than half
        ("general_assembly", 3, 4, False),
        ("general_assembly", 0, 0, True),  # attendance not recorded: nobody due
        ("committee_meeting", 3, 5, False),  # LIFE-02: 3 of 5 committee members
        ("committee_meeting", 1, 3, True),
        ("committee_meeting", 2, 4, True),  # exactly half
        ("committee_meeting", 0, 0, True),  # no committee member on record: cannot be checked
        ("theme_day", 0, 5, False),  # no quorum rule
        ("party_lecture", 0, 0, False),
    ],
)
def test_quorum_refusal_life_01_02(kind, present, due, refused):
    assert (rules.quorum_refusal(kind, present, due) is not None) is refused


@pytest.mark.parametrize(
    ("starts", "ends", "window"),
    [
        (None, None, ("00:00", "23:59")),
        ("09:00", None, ("08:30", "13:00")),
        ("09:00", "11:00", ("08:30", "11:00")),
        ("09:00", "08:00", ("08:30", "13:00")),  # an end before the start is ignored
    ],
)
def test_sign_in_window(starts, ends, window):
    from datetime import time

    def t(v):
        return time.fromisoformat(v) if v else None

    start, end = rules.sign_in_window(date(2026, 9, 5), t(starts), t(ends))
    assert (start.strftime("%H:%M"), end.strftime("%H:%M")) == window
    assert start.date() == end.date() == date(2026, 9, 5)


D = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("overrides", "on", "lecture", "absent"),
    [
        ([], date(2026, 6, 1), "quarterly", None),  # LIFE-05 default
        ([(1, "party_lecture", "monthly", D)], date(2026, 6, 1), "monthly", None),
        ([(1, "party_lecture", "monthly", date(2026, 7, 1))], date(2026, 6, 1), "quarterly", None),  # not yet
        ([(1, "party_lecture", "monthly", D), (2, "party_lecture", "yearly", D)], date(2026, 6, 1), "yearly", None),
        ([(2, "party_lecture", "yearly", D), (1, "party_lecture", "monthly", date(2026, 3, 1))], date(2026, 6, 1),
         "yearly", None),  # the deeper org wins even against a later date above it
        ([(1, "party_lecture", "monthly", D), (1, "party_lecture", "yearly", date(2026, 3, 1))], date(2026, 6, 1),
         "yearly", None),  # same org: latest date
        ([(1, "theme_day", "none", D)], date(2026, 6, 1), "quarterly", "theme_day"),
    ],
)  # fmt: skip
def test_effective_cadence(overrides, on, lecture, absent):
    got = rules.effective_cadence(overrides, on)
    assert got["party_lecture"] == lecture
    if absent:
        assert absent not in got


def test_year_slots_follow_the_cadence_and_the_committee():
    slots = rules.year_slots(2026, rules.DEFAULT_CADENCE, has_committee=False)
    kinds = [k for k, *_ in slots]
    assert kinds.count("theme_day") == 12
    assert kinds.count("general_assembly") == 4
    assert "committee_meeting" not in kinds
    assert len(slots) == 12 + 4 + 4 + 1 + 1
    assert slots[0][2] == date(2026, 1, 1)
    with_committee = rules.year_slots(2026, rules.DEFAULT_CADENCE, has_committee=True)
    assert len(with_committee) == len(slots) + 12

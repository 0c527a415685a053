"""§6 point-scoring rules (all P), table-driven."""

from datetime import date
from decimal import Decimal as D

import pytest

from dangjian.points import rules


@pytest.mark.parametrize(
    ("case", "base", "totals", "vetoed", "floor", "ceiling", "expected"),
    [
        ("§6(a) base 60 plus items", "60", [("5", None), ("-2", None)], False, "0", None, "63.00"),
        ("§6 cap per year", "60", [("30", "20")], False, "0", None, "80.00"),
        ("§6 cap applies to deductions too", "60", [("-30", "20")], False, "0", None, "40.00"),
        ("§6(a) floor 0", "60", [("-100", None)], False, "0", None, "0.00"),
        ("§6(c) ceiling 100", "80", [("30", None)], False, "0", "100", "100.00"),
        ("§6 veto → 0", "60", [("30", None)], True, "0", None, "0.00"),
        ("no floor", "10", [("-20", None)], False, None, None, "-10.00"),
    ],
)
def test_score(case, base, totals, vetoed, floor, ceiling, expected):
    got = rules.score(
        D(base), [(D(t), D(c) if c else None) for t, c in totals], vetoed=vetoed,
        floor=D(floor) if floor else None, ceiling=D(ceiling) if ceiling else None,
    )  # fmt: skip
    assert got == D(expected), case


@pytest.mark.parametrize(
    ("value", "stars"), [("95", 5), ("90", 5), ("89.99", 4), ("60", 2), ("59", 1), ("0", 1), ("-1", 0)]
)
def test_star_bands_include_their_lower_bound(value, stars):
    assert rules.star_for(D(value)) == stars


@pytest.mark.parametrize(
    ("bands", "problem"),
    [([["90", 5], ["0", 1]], None), ([], "至少"), ([["90", 5], ["90", 4]], "重复"), ([["90", 7]], "0至5"),
     ([["x", "y"]], "格式")],
)  # fmt: skip
def test_bands_problem(bands, problem):
    found = rules.bands_problem(bands)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(
    ("case", "reason", "birth", "year", "problem"),
    [
        ("§6 elderly: 70 during the year", "elderly", date(1956, 12, 31), 2026, None),
        ("§6 elderly: 69 is too young", "elderly", date(1957, 1, 1), 2026, "70周岁"),
        ("§6 bedridden: any age", "bedridden", date(1990, 1, 1), 2026, None),
        ("§6 mobile: by decision", "mobile", date(1990, 1, 1), 2026, None),
        ("unknown reason", "lazy", date(1990, 1, 1), 2026, "未知"),
    ],
)
def test_exclusion_problem(case, reason, birth, year, problem):
    found = rules.exclusion_problem(reason, birth, year)
    assert (found is None) if problem is None else (problem in found), case


def test_pick_item_prefers_the_meeting_kind():
    items = [
        {"source": "attendance", "meeting_kind": "", "code": "any"},
        {"source": "attendance", "meeting_kind": "theme_day", "code": "theme"},
        {"source": "absence", "meeting_kind": "", "code": "absent"},
    ]
    assert rules.pick_item(items, "attendance", "theme_day")["code"] == "theme"
    assert rules.pick_item(items, "attendance", "party_lecture")["code"] == "any"
    assert rules.pick_item(items, "dues_late") is None


@pytest.mark.parametrize("code", sorted(rules.TEMPLATES))
def test_every_template_has_the_veto_items_and_valid_bands(code):
    items = rules.template_items(code)
    assert {i["code"] for i in items if i["is_veto"]} == {
        "veto_discipline", "veto_mass_incident", "veto_crime", "veto_morality", "veto_cult",
    }  # fmt: skip
    assert len({i["code"] for i in items}) == len(items)
    assert all(i["source"] in rules.SOURCES for i in items)

"""Organization setup rules (rules.md §1), one row per regulation case."""

from datetime import date

import pytest

from dangjian.orgs import rules

TODAY = date(2026, 11, 26)


def ids(findings):
    return sorted(f.rule_id for f in findings)


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        ("ORG-01 branch with 2 full members", {"kind": "branch", "full_members": 2, "members": 2}, ["ORG-01"]),
        ("ORG-01 branch with 3 full members", {"kind": "branch", "full_members": 3, "members": 3}, []),
        ("ORG-01 joint branch may have fewer than 3", {"kind": "joint_branch", "full_members": 2, "members": 2}, []),
        (
            "ORG-01 branch over 50 members",
            {"kind": "branch", "full_members": 51, "members": 51, "has_committee": True, "committee_size": 5},
            ["ORG-01"],
        ),
        ("ORG-05 7 full members need a committee", {"kind": "branch", "full_members": 7, "members": 8}, ["ORG-05"]),
        ("ORG-05 6 full members need none", {"kind": "branch", "full_members": 6, "members": 9}, []),
        (
            "ORG-05 committee of 2 is too small",
            {"kind": "branch", "full_members": 9, "members": 9, "has_committee": True, "committee_size": 2},
            ["ORG-05"],
        ),
        (
            "ORG-05 committee of 7 is the maximum",
            {"kind": "branch", "full_members": 30, "members": 30, "has_committee": True, "committee_size": 7},
            [],
        ),
        (
            "ORG-05 committee of 8 is too big",
            {"kind": "branch", "full_members": 30, "members": 30, "has_committee": True, "committee_size": 8},
            ["ORG-05"],
        ),
        (
            "ORG-05 committee with under 7 full members",
            {"kind": "branch", "full_members": 5, "members": 5, "has_committee": True, "committee_size": 3},
            ["ORG-05"],
        ),
        (
            "ORG-02 joint branch of 6 units",
            {
                "kind": "joint_branch",
                "full_members": 8,
                "members": 8,
                "unit_count": 6,
                "has_committee": True,
                "committee_size": 3,
            },
            ["ORG-02"],
        ),
        (
            "ORG-02 joint branch of 5 units",
            {
                "kind": "joint_branch",
                "full_members": 8,
                "members": 8,
                "unit_count": 5,
                "has_committee": True,
                "committee_size": 3,
            },
            [],
        ),
        ("ORG-06 general branch under 50", {"kind": "general_branch", "full_members": 40, "members": 49}, ["ORG-06"]),
        ("ORG-06 general branch of 50", {"kind": "general_branch", "full_members": 45, "members": 50}, []),
        (
            "ORG-07 general branch of 100 may become a committee",
            {"kind": "general_branch", "full_members": 90, "members": 100},
            ["ORG-07"],
        ),
        ("ORG-07 committee under 100", {"kind": "committee", "full_members": 90, "members": 99}, ["ORG-07"]),
        ("ORG-07 committee of 100", {"kind": "committee", "full_members": 90, "members": 100}, []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_structure_findings(case, kwargs, expected):
    args = {"has_committee": False, "committee_size": None, "today": TODAY, **kwargs}
    assert ids(rules.structure_findings(**args)) == expected


@pytest.mark.parametrize(
    ("case", "ends_on", "expected"),
    [
        ("ORG-09 term ended", date(2026, 11, 25), ["ORG-09"]),
        ("ORG-11 ends within 6 months", date(2027, 5, 26), ["ORG-11"]),
        ("ORG-11 ends in just over 6 months", date(2027, 5, 27), []),
    ],
)
def test_term_reminders(case, ends_on, expected):
    findings = rules.structure_findings(
        kind="branch",
        full_members=5,
        members=5,
        has_committee=False,
        committee_size=None,
        term_ends_on=ends_on,
        today=TODAY,
    )
    assert ids(findings) == expected


@pytest.mark.parametrize(
    ("case", "kind", "sector", "years"),
    [
        ("ORG-09 village branch 5 years", "branch", "rural", 5),
        ("ORG-09 community general branch 5 years", "general_branch", "community", 5),
        ("ORG-09 organ branch 3 years", "branch", "government", 3),
        ("ORG-09 enterprise general branch 3 years", "general_branch", "private_enterprise", 3),
        ("ORG-09 base committee 5 years", "committee", "state_enterprise", 5),
    ],
)
def test_term_years(case, kind, sector, years):
    assert rules.term_years(kind, sector) == years
    assert rules.term_end(kind, sector, date(2024, 2, 29)) == date(2024 + years, 2, 28)


@pytest.mark.parametrize(
    ("parent", "child", "allowed"),
    [
        ("branch", "branch", False),
        ("joint_branch", "branch", False),
        ("general_branch", "branch", True),
        ("general_branch", "general_branch", False),
        ("committee", "general_branch", True),
        ("committee", "committee", True),
        ("committee", "local_committee", False),
        ("local_committee", "local_committee", True),
    ],
)
def test_child_kinds(parent, child, allowed):
    assert rules.child_kind_allowed(parent, child) is allowed

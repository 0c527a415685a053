"""The set-based compliance (orglife.rollup) equals rules.meeting_gaps branch by branch, on demo-like data:
a year of meetings of every kind and status in every branch, some exemptions, a jurisdiction cadence."""

import random
from datetime import date, timedelta

import pytest
from django.urls import reverse

from dangjian.orglife import actions, facts, rollup, rules
from dangjian.orglife.models import Exemption, Meeting, PartyGroup
from dangjian.orgs.models import BRANCH_KINDS, Org

STATUSES = ["planned", "held", "submitted", "approved", "returned"]


@pytest.fixture
def demo_like(orgs, people):
    rnd = random.Random(5)
    Org.objects.filter(pk__in=[orgs["village"].pk, orgs["village3"].pk]).update(full_member_count=9)  # committees
    branches = list(Org.objects.filter(kind__in=BRANCH_KINDS).order_by("path"))
    rows = []
    for i, org in enumerate(branches):
        activity = [0.95, 0.7, 0.3, 0.05, 0.85][i % 5]  # complete, gaps, nearly inactive…
        for day in (date(2026, 1, 1) + timedelta(days=d) for d in range(365)):
            for kind in rules.DEFAULT_CADENCE:
                if rnd.random() < activity / 25:
                    rows.append(Meeting(org=org, kind=kind, topic="t", held_on=day, status=rnd.choice(STATUSES)))
    # Party groups (LIFE-03): two in the first branch (one set up in May), one dissolved in August in the
    # fourth (exempted: exact path) and one in the second; group meetings in most months.
    groups = [
        PartyGroup.objects.create(org=branches[0], name="第一党小组", established_on=date(2025, 3, 1)),
        PartyGroup.objects.create(org=branches[0], name="第二党小组", established_on=date(2026, 5, 10)),
        PartyGroup.objects.create(
            org=branches[1], name="老党员小组", established_on=date(2024, 1, 1), dissolved_on=date(2026, 8, 15)
        ),
        PartyGroup.objects.create(org=branches[3], name="第一党小组", established_on=date(2026, 1, 1)),
    ]
    for group in groups:
        for day in (date(2026, 1, 1) + timedelta(days=d) for d in range(0, 365, 9)):
            if rnd.random() < 0.3:
                rows.append(
                    Meeting(org=group.org, kind="group_meeting", party_group=group, topic="t", held_on=day,
                            status=rnd.choice(STATUSES))
                )  # fmt: skip
    Meeting.objects.bulk_create(rows)
    facts.rebuild()  # bulk writes bypass the signals that keep the facts
    Exemption.objects.create(org=branches[1], kind="theme_day", period="2026-02", reason="春节")
    Exemption.objects.create(org=branches[2], kind="general_assembly", period="2026-Q3", reason="老弱")
    actions.set_cadence(
        orgs["town2"], actor=None, kind="party_lecture", cadence="monthly", effective_from=date(2026, 1, 1)
    )
    return branches


def reference(branches, year, start, through):
    """Branch → gap count in the window, straight from meeting_gaps (exemptions removed)."""
    from dangjian.orglife import queries

    cadences = queries.cadence_map(branches, date(year, 12, 31))
    committee = queries.has_committee_map(branches)
    out = {}
    for org in branches:
        held = [
            (k, d)
            for k, d in Meeting.objects.filter(org=org, status__in=["held", "submitted", "approved"]).values_list(
                "kind", "held_on"
            )
        ]
        gaps = rules.meeting_gaps(
            held, year=year, through=through, has_committee=committee[org.pk], cadence=cadences[org.pk]
        )
        gaps = {(k, p) for k, p in gaps if rules.period_bounds(p)[1] >= start}
        gaps -= set(Exemption.objects.filter(org=org).values_list("kind", "period"))
        groups = list(PartyGroup.objects.filter(org=org).values_list("id", "established_on", "dissolved_on"))
        group_held = Meeting.objects.filter(
            party_group__org=org, kind="group_meeting", status__in=["held", "submitted", "approved"]
        ).values_list("party_group_id", "held_on")
        _req, group_gaps = rules.group_meeting_gaps(group_held, groups, year=year, through=through, start=start)
        out[org.pk] = len(gaps) + len(group_gaps)
    return out


def reference_required(branches, year, start, through):
    from dangjian.orglife import queries

    cadences = queries.cadence_map(branches, date(year, 12, 31))
    committee = queries.has_committee_map(branches)
    out = {}
    for o in branches:
        req = rules.required_in_window(year, start, through, cadences[o.pk], has_committee=committee[o.pk])
        labels = [p for ps in req.values() for p in ps]
        excused = Exemption.objects.filter(org=o, period__in=labels, kind__in=list(req)).count()
        groups = list(PartyGroup.objects.filter(org=o).values_list("id", "established_on", "dissolved_on"))
        group_req, _gaps = rules.group_meeting_gaps((), groups, year=year, through=through, start=start)
        out[o.pk] = sum(len(v) for v in req.values()) - excused + group_req
    return out


@pytest.mark.parametrize("quarter", [None, 1, 2, 3, 4])
@pytest.mark.parametrize("through", [date(2026, 12, 31), date(2026, 8, 15), date(2026, 9, 30), date(2026, 3, 31)])
def test_set_based_equals_meeting_gaps(demo_like, quarter, through):
    start, end = rules.window(2026, quarter, through)
    results = rollup.branch_results(demo_like, 2026, start, end)
    got = {r.org_id: r.gaps for r in results}
    assert got == reference(demo_like, 2026, start, end)
    assert {r.org_id: r.required for r in results} == reference_required(demo_like, 2026, start, end)
    if quarter is None:
        assert any(got.values())  # the data has gaps to find


def test_drill_down_sums_the_children(orgs, demo_like, county_officer):
    total, children = rollup.drill_down(county_officer, orgs["county"], 2026, None, date(2026, 12, 31))
    assert total.branches == len(demo_like)
    assert sum(c.branches for c in children) == total.branches
    assert sum(c.gaps for c in children) == total.gaps
    assert {c.colour for c in children} <= {"green", "amber", "red"}


def test_overview_and_gap_list_pages(client, orgs, demo_like, county_officer, town_officer):
    client.force_login(county_officer)
    page = client.get(reverse("orglife:overview"), {"year": 2026, "q": 3}).content.decode()
    assert orgs["town"].name in page or orgs["town"].short_name in page
    town = client.get(reverse("orglife:overview"), {"org": orgs["town"].pk, "year": 2026}).content.decode()
    assert 'id="drill-path"' in town
    assert reverse("orglife:calendar", args=[orgs["village"].pk]) in town
    gaps = client.get(reverse("orglife:gaps"), {"year": 2026}).content.decode()
    assert "缺" in gaps
    client.force_login(town_officer)
    out = client.get(reverse("orglife:overview"), {"org": orgs["town2"].pk, "year": 2026}).content.decode()
    assert orgs["village3"].name not in out  # another town: falls back to the user's own scope


@pytest.mark.parametrize("quarter", [None, 1, 3])
def test_drill_down_equals_meeting_gaps_per_child(orgs, demo_like, county_officer, quarter):
    """The one-statement roll-up (plus the exact path for exempted branches and branches under a local
    cadence) gives every child of the county the gaps and required periods that meeting_gaps gives."""
    through = date(2026, 12, 31)
    start, end = rules.window(2026, quarter, through)
    expected_gaps = reference(demo_like, 2026, start, end)
    expected_required = reference_required(demo_like, 2026, start, end)
    total, children = rollup.drill_down(county_officer, orgs["county"], 2026, quarter, through)
    width = len(orgs["county"].path) + 6
    for child in children:
        mine = [o for o in demo_like if o.path[:width] == child.org.path]
        assert child.branches == len(mine)
        assert child.gaps == sum(expected_gaps[o.pk] for o in mine)
        assert child.required == sum(expected_required[o.pk] for o in mine)
        assert child.branches_with_gaps == sum(1 for o in mine if expected_gaps[o.pk])
    assert total.gaps == sum(expected_gaps.values())
    assert total.required == sum(expected_required.values())


def test_party_group_meetings_count_per_group(orgs, demo_like, county_officer):
    """LIFE-03: the group meeting is required per party group, from the month a group is set up until it is
    dissolved; both roll-up paths see it (the first branch takes the one-statement path)."""
    from dangjian.orglife import queries

    first = demo_like[0]
    assert not Exemption.objects.filter(org=first).exists()
    (row,) = queries.compliance_rows([first], 2026, date(2026, 12, 31))
    groups = {name for name, _p in row.group_gaps}
    assert groups
    assert groups <= {"第一党小组", "第二党小组"}
    assert not [p for name, p in row.group_gaps if name == "第二党小组" and p < "2026-05"]  # set up in May
    (result,) = rollup.branch_results([first], 2026, date(2026, 1, 1), date(2026, 12, 31))
    assert result.gaps_by_kind.get("group_meeting") == len(row.group_gaps)
    assert result.required == row.required
    total, _children = rollup.drill_down(county_officer, first, 2026, None, date(2026, 12, 31))
    assert (total.required, total.gaps) == (result.required, result.gaps)

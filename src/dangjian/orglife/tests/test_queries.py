"""The compliance table: gaps per branch from rules.meeting_gaps, exemptions, colour, scope, fixed query count."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.orglife import actions, queries
from dangjian.orglife.models import Meeting
from dangjian.orgs.models import CommitteeTerm

THROUGH = date(2026, 6, 30)  # two quarters and six months ended


def held(org, kind, day):
    return Meeting.objects.create(org=org, kind=kind, topic=kind, held_on=day, status="held")


def hold_everything(org, *, committee=False):
    for month in range(1, 7):
        held(org, "theme_day", date(2026, month, 15))
        if committee:
            held(org, "committee_meeting", date(2026, month, 3))
    for month in (2, 5):
        held(org, "general_assembly", date(2026, month, 10))
        held(org, "party_lecture", date(2026, month, 11))


def rows_by_name(rows):
    return {r.org.name: r for r in rows}


def test_a_branch_that_held_everything_is_green(orgs, town_officer):
    hold_everything(orgs["village"])
    row = rows_by_name(queries.compliance(town_officer, 2026, THROUGH))["柳树村党支部"]
    assert row.gaps == []
    assert row.required == 6 + 2 + 2  # no committee: theme days, assemblies, lectures
    assert (row.rate, row.colour) == (Decimal("100.00"), "green")


def test_missing_theme_days_are_gaps(orgs, town_officer):
    hold_everything(orgs["village"])
    Meeting.objects.filter(org=orgs["village"], kind="theme_day", held_on__month__in=[3, 4]).delete()
    held(orgs["village"], "theme_day", date(2026, 7, 1))  # a period not yet ended does not count either way
    Meeting.objects.create(
        org=orgs["village"], kind="theme_day", topic="计划", held_on=date(2026, 3, 20)
    )  # planned only
    row = rows_by_name(queries.compliance(town_officer, 2026, THROUGH))["柳树村党支部"]
    assert row.gaps == [("theme_day", "2026-03"), ("theme_day", "2026-04")]
    assert row.gaps_by_kind == {"theme_day": ["2026-03", "2026-04"]}
    assert (row.rate, row.colour) == (Decimal("80.00"), "amber")
    nothing = rows_by_name(queries.compliance(town_officer, 2026, THROUGH))["杨庄村党支部"]
    assert (nothing.gap_count, nothing.rate, nothing.colour) == (10, Decimal("0.00"), "red")


def test_an_exemption_removes_a_gap(orgs, town_officer):
    hold_everything(orgs["village"])
    Meeting.objects.filter(org=orgs["village"], kind="theme_day", held_on__month=2).delete()
    actions.grant_exemption(orgs["village"], actor=town_officer, kind="theme_day", period="2026-02", reason="春节")
    actions.grant_exemption(orgs["village"], actor=town_officer, kind="theme_day", period="2025-02", reason="去年")
    row = rows_by_name(queries.compliance(town_officer, 2026, THROUGH))["柳树村党支部"]
    assert row.gaps == []
    assert (row.exempted, row.required, row.colour) == (1, 9, "green")


def test_the_committee_meeting_is_required_from_the_latest_term(orgs, town_officer):
    CommitteeTerm.objects.create(
        org=orgs["village2"], elected_on=date(2020, 1, 1), ends_on=date(2025, 1, 1), has_committee=False
    )
    CommitteeTerm.objects.create(
        org=orgs["village2"], elected_on=date(2025, 1, 1), ends_on=date(2030, 1, 1), has_committee=True
    )
    hold_everything(orgs["village2"], committee=True)
    hold_everything(orgs["village"])
    rows = rows_by_name(queries.compliance(town_officer, 2026, THROUGH))
    assert rows["杨庄村党支部"].has_committee is True
    assert rows["杨庄村党支部"].required == 16
    assert rows["杨庄村党支部"].gaps == []
    assert rows["柳树村党支部"].has_committee is False  # no term recorded and fewer than 7 full members (ORG-05)


def test_compliance_is_scoped(orgs, town_officer, village_officer, county_officer, nobody):
    assert [r.org.name for r in queries.compliance(village_officer, 2026, THROUGH)] == ["柳树村党支部"]
    assert {r.org.name for r in queries.compliance(town_officer, 2026, THROUGH)} == {
        "柳树村党支部",
        "杨庄村党支部",
        "第一党支部",
    }
    assert {r.org.name for r in queries.compliance(county_officer, 2026, THROUGH)} == {
        "柳树村党支部", "杨庄村党支部", "第一党支部", "河湾村党支部", "县财政局机关党支部",
    }  # fmt: skip
    assert queries.compliance(nobody, 2026, THROUGH) == []


def test_compliance_takes_a_fixed_number_of_queries(orgs, village_officer, county_officer):
    for key in ("village", "village2", "village3", "organ_branch"):
        hold_everything(orgs[key])
    for user in (village_officer, county_officer):
        queries.compliance(user, 2026, THROUGH)  # the grants are read once per user object
    with CaptureQueriesContext(connection) as one:
        queries.compliance(village_officer, 2026, THROUGH)
    with CaptureQueriesContext(connection) as five:
        rows = queries.compliance(county_officer, 2026, THROUGH)
    assert len(rows) == 5
    assert len(five) == len(one) == 6  # branches, terms, cadence rules (exists), groups, meetings, exemptions


def test_compliance_can_be_sliced(orgs, county_officer):
    first = queries.compliance(county_officer, 2026, THROUGH, limit=2)
    rest = queries.compliance(county_officer, 2026, THROUGH, limit=10, offset=2)
    assert len(first) == 2
    assert len(rest) == 3
    assert not {r.org.pk for r in first} & {r.org.pk for r in rest}


def test_a_jurisdiction_cadence_changes_the_compliance(orgs, people, town_officer):
    from dangjian.orglife import actions, queries

    before = queries.compliance_rows([orgs["village"]], 2026, date(2026, 6, 30))[0]
    assert ("party_lecture", "2026-Q1") in before.gaps
    actions.set_cadence(orgs["town"], actor=town_officer, kind="party_lecture", cadence="yearly",
                        effective_from=date(2026, 1, 1), note="镇三会一课制度")  # fmt: skip
    after = queries.compliance_rows([orgs["village"]], 2026, date(2026, 6, 30))[0]
    assert not any(k == "party_lecture" for k, _p in after.gaps)
    assert after.required == before.required - 2
    other = queries.compliance_rows([orgs["village3"]], 2026, date(2026, 6, 30))[0]
    assert ("party_lecture", "2026-Q1") in other.gaps  # another town keeps the default


def test_calendar_slots_show_held_planned_and_open(orgs, people, town_officer):
    from dangjian.orglife import actions, queries

    m = actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="theme_day", topic="一月", held_on=date(2026, 1, 9)
    )
    actions.record_meeting(m, actor=town_officer, minutes="记录")
    actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="theme_day", topic="十二月", held_on=date(2026, 12, 9)
    )
    slots, meetings = queries.calendar_slots(orgs["village"], 2026)
    theme = {s.period: s for s in slots if s.kind == "theme_day"}
    assert theme["2026-01"].state(date(2026, 11, 26)) == "done"
    assert theme["2026-02"].state(date(2026, 11, 26)) == "missed"
    assert theme["2026-12"].state(date(2026, 11, 26)) == "planned"
    assert theme["2026-11"].state(date(2026, 11, 26)) == "open"
    assert len(meetings) == 2

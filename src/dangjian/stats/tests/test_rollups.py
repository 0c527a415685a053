"""Maintained rollups: recomputed from scratch, every figure equals the live count, for every org and day."""

from datetime import date

import pytest
from django.core.management import call_command

from dangjian.members import actions as member_actions
from dangjian.orgs import actions as org_actions
from dangjian.stats import indicators, queries, rollups
from dangjian.stats.models import Rollup

pytestmark = pytest.mark.django_db

DAYS = [date(2025, 12, 31), date(2026, 6, 15)]


def live_and_rolled(org, day):
    rollup = rollups.for_org(org.pk, day)
    assert rollup is not None, org.name
    live = (queries.member_breakdowns(org, day), queries.org_breakdowns(org, day))
    rolled = (queries.member_breakdowns(org, day, rollup), queries.org_breakdowns(org, day, rollup))
    return live, rolled, rollup


def test_rollups_equal_the_live_figures_for_every_org(orgs, people):
    member_actions.add_member(
        orgs["general_1"], actor=None, name="孙小梅", id_number="", sex="female", birth_date=date(1999, 2, 2),
        ethnicity="回族", education="", stage="probationary", joined_on=date(2025, 6, 1), occupation="student",
    )  # fmt: skip
    member_actions.place(people["zhao"], orgs["village"], actor=None, on=date(2026, 1, 10), reason="转接")
    # organizational life in Q1 2026 and dues for May 2026 (the periods the 2026-06-15 figures look at)
    from decimal import Decimal

    from dangjian.dues import actions as dues_actions
    from dangjian.dues.models import Bill
    from dangjian.orglife.models import Meeting

    for month in (1, 2, 3, 4, 5):
        Meeting.objects.create(
            org=orgs["village"], kind="theme_day", status="held", held_on=date(2026, month, 10), topic="主题党日"
        )
    Meeting.objects.create(
        org=orgs["general_1"], kind="general_assembly", status="held", held_on=date(2026, 5, 20), topic="党员大会"
    )
    for key in ("zhang", "li", "wang"):
        dues_actions.set_profile(people[key], "salaried", Decimal("4000"), date(2026, 5, 1), actor=None)
    dues_actions.generate_bills(orgs["county"], date(2026, 5, 1), actor=None)
    Bill.objects.filter(member=people["zhang"]).update(status="paid")
    org_actions.dissolve_org(orgs["organ_branch"], actor=None, on=date(2026, 3, 1))
    assert rollups.refresh(DAYS[0], min_orgs=1) == len(orgs)
    assert rollups.refresh(DAYS[1], min_orgs=1) == len(orgs) - 1  # 县财政局机关党支部 dissolved on 2026-03-01
    assert rollups.for_org(orgs["organ_branch"].pk, DAYS[1]) is None
    for day in DAYS:
        for org in orgs.values():
            if org == orgs["organ_branch"] and day == DAYS[1]:
                continue
            live, rolled, rollup = live_and_rolled(org, day)
            assert live == rolled, (org.name, day)
            live_values = {i.code: v for i, v in indicators.evaluate(org, day)}
            rolled_values = {i.code: v for i, v in indicators.evaluate(org, day, rollup=rollup)}
            assert live_values == rolled_values, (org.name, day)
    rates = {i.code: v.number for i, v in indicators.evaluate(orgs["county"], DAYS[1])}
    assert rates["dues.collection_rate"] is not None
    assert rates["orglife.completion_rate"] is not None
    big = rollups.warning_figures(DAYS[1], min_orgs=1)
    assert big[orgs["county"].pk]["orgs"] == 8  # 县财政局机关党支部 dissolved
    county_warnings = queries.structure_warnings(orgs["county"], DAYS[1])
    assert big[orgs["county"].pk]["flagged"] == county_warnings.flagged
    assert [pk for pk, _f in big[orgs["county"].pk]["examples"]] == [o.pk for o, _f in county_warnings.examples]


def test_a_moved_org_rolls_up_under_its_parent_of_the_day(orgs, people):
    org_actions.move_org(orgs["village3"], orgs["town"], actor=None, on=date(2026, 1, 1))
    rollups.refresh(date(2025, 12, 31), min_orgs=1)
    rollups.refresh(date(2026, 6, 15), min_orgs=1)
    town_before = rollups.for_org(orgs["town"].pk, date(2025, 12, 31)).figures["members"]["total"]
    town_after = rollups.for_org(orgs["town"].pk, date(2026, 6, 15)).figures["members"]["total"]
    assert town_after == town_before + 1 + 1  # 赵德胜 (河湾村) moved in with his branch; 李秀英 joined in 2026
    assert rollups.for_org(orgs["town2"].pk, date(2026, 6, 15)).figures["members"].get("total", 0) == 0


def test_dashboard_reads_the_rollup_and_says_when(client_as, orgs, people):
    call_command("stats_rollup", "--date", "2026-06-15")
    client = client_as("county_admin")
    response = client.get(f"/stats/?org={orgs['county'].pk}&as_of=2026-06-15")
    assert response.context["rollup_at"] is not None
    assert not response.context["rollup_stale"]
    assert "统计汇总" in response.content.decode()
    member_actions.change_status(
        people["wang"], "exited", actor=None, on=date(2026, 6, 1), exit_kind="death", grounds="病故"
    )
    response = client.get(f"/stats/?org={orgs['county'].pk}&as_of=2026-06-15")
    assert response.context["rollup_stale"]
    assert "按明细重新计算" in response.content.decode()
    live = client.get(f"/stats/?org={orgs['county'].pk}&as_of=2026-06-15&live=1")
    assert live.context["rollup_at"] is None
    tiles = {t["code"]: t["value"] for t in live.context["tiles"]}
    assert tiles["members.total"] == 3
    # orgs without sub-organizations get none: county, the two towns, 石桥村党总支, 县直机关工委
    assert Rollup.objects.filter(day=date(2026, 6, 15)).count() == 5


def test_drill_down_reads_the_rollups_and_agrees_with_the_details(client_as, orgs, people):
    rollups.refresh(date(2026, 6, 15))
    from django.contrib.auth import get_user_model

    client_as("county_admin")  # creates the personas
    admin = get_user_model().objects.get(username="county_admin")
    for dim, cell in (("sex", "male"), ("age", "ge61"), ("kind", "branch"), ("indicator", "members.total")):
        for key in ("county", "town"):
            rolled = queries.drill(admin, orgs[key], date(2026, 6, 15), dim, cell)
            live = queries.drill(admin, orgs[key], date(2026, 6, 15), dim, cell, live=True)
            assert [(r["org"], r["value"]) for r in rolled["rows"]] == [(r["org"], r["value"]) for r in live["rows"]]
            assert rolled["total"] == live["total"]


def test_annual_stock_tables_from_the_rollups_equal_the_counted_ones(orgs, people):
    from dangjian.stats import annual

    member_actions.add_member(
        orgs["town"], actor=None, name="周直属", id_number="", sex="female", birth_date=date(1995, 2, 2),
        ethnicity="壮族", education="", stage="full", joined_on=date(2020, 6, 1), full_on=date(2021, 6, 1),
        occupation="",
    )  # fmt: skip
    rollups.refresh(date(2025, 12, 31))
    for key in ("county", "town", "general"):
        rolled = annual.tables(orgs[key], 2025)
        counted = annual.tables(orgs[key], 2025, use_rollups=False)
        for a, b in zip(rolled, counted, strict=True):
            assert [(r["label"], r["values"]) for r in a.rows] == [(r["label"], r["values"]) for r in b.rows], a.code
            assert a.total == b.total, a.code
    town = {t.code: t for t in annual.tables(orgs["town"], 2025)}
    assert any(r["org"] is None for r in town["basic"].rows)  # 周直属 is placed in the town committee itself


def test_live_figures_give_the_same_indicators_as_the_details(orgs, people):
    for key in ("county", "town", "village"):
        for day in DAYS:
            shared = queries.live_figures(orgs[key], day)
            direct = {i.code: v for i, v in indicators.evaluate(orgs[key], day)}
            assert {i.code: v for i, v in indicators.evaluate(orgs[key], day, rollup=shared)} == direct

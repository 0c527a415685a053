"""Indicators as of a date: placements, moves, dissolutions and exits never rewrite the past."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.members import actions as member_actions
from dangjian.orgs import actions as org_actions
from dangjian.stats import indicators
from dangjian.stats.indicators import NOT_APPLICABLE, REGISTRY, last_ended_month, last_ended_quarter

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


def total(org, day) -> int:
    return REGISTRY["members.total"](org, day).number


def figures(org, day) -> dict:
    return {ind.code: value for ind, value in indicators.evaluate(org, day)}


def test_registry_has_the_required_codes():
    required = {
        "members.total", "members.full", "members.probationary", "members.female", "members.minority",
        "members.college", "members.age.le30", "members.age.ge61", "members.join.since_18th",
        "orgs.total", "orgs.branches", "orgs.committees", "orgs.general_branches",
        "orglife.completion_rate", "dues.collection_rate",
    }  # fmt: skip
    assert required <= set(REGISTRY)


def test_counts_of_the_canonical_county(orgs, people):
    f = figures(orgs["county"], TODAY)
    num = {code: v.number for code, v in f.items()}
    assert num["members.total"] == 4
    assert num["members.full"] == 3
    assert num["members.probationary"] == 1  # 李秀英, joined 2026-03-01
    assert num["members.female"] == 1
    assert num["members.minority"] == 0
    assert num["members.college"] == 4
    assert num["members.age.le30"] == 0
    assert num["members.age.31_35"] == 1  # 李秀英, born 1992-08-20: 33 on 2026-06-15
    assert num["members.age.ge61"] == 1  # 王建国, born 1958
    assert sum(num[f"members.age.{b}"] for b, _ in indicators.AGE_BANDS) == 4
    assert sum(num[f"members.join.{b}"] for b, _ in indicators.JOIN_BANDS) == 4
    assert num["orgs.total"] == 9  # every org but the county's 地方党委
    assert num["orgs.branches"] == 5
    assert num["orgs.committees"] == 3
    assert num["orgs.general_branches"] == 1
    assert f["recruitment.developed"] == indicators.Value(0)  # connected by the recruitment app; no cases
    assert f["dues.collection_rate"] == indicators.Value(None, NOT_APPLICABLE)  # no bills yet
    assert isinstance(num["orglife.completion_rate"], Decimal)


def test_stage_as_of_a_past_date(orgs, people):
    # 李秀英 joined on 2026-03-01: not yet a member the day before; full members before their full_on
    # count as probationary.
    assert total(orgs["village"], date(2026, 2, 28)) == 1
    assert total(orgs["village"], date(2026, 3, 1)) == 2
    zhao = people["zhao"]  # joined 2010-07-01, full 2011-07-01
    assert (zhao.joined_on, zhao.full_on) == (date(2010, 7, 1), date(2011, 7, 1))
    assert REGISTRY["members.total"](orgs["village3"], date(2010, 6, 30)).number == 0
    assert REGISTRY["members.probationary"](orgs["village3"], date(2011, 1, 1)).number == 1
    assert REGISTRY["members.full"](orgs["village3"], date(2011, 1, 1)).number == 0
    assert REGISTRY["members.full"](orgs["village3"], date(2011, 7, 1)).number == 1
    assert REGISTRY["members.probationary"](orgs["village3"], date(2011, 7, 1)).number == 0


def test_transferred_member_counts_in_the_old_branch_before_and_the_new_one_after(orgs, people):
    moved_on = date(2026, 4, 1)
    member_actions.place(people["zhao"], orgs["village2"], actor=None, on=moved_on, reason="转入")
    assert total(orgs["village3"], date(2026, 3, 31)) == 1
    assert total(orgs["village2"], date(2026, 3, 31)) == 1
    assert total(orgs["village3"], moved_on) == 0
    assert total(orgs["village2"], moved_on) == 2
    assert total(orgs["town2"], date(2026, 3, 31)) == 1
    assert total(orgs["town2"], moved_on) == 0
    assert total(orgs["county"], date(2026, 3, 31)) == total(orgs["county"], moved_on) == 4


def test_moved_org_moves_its_counts_from_the_move_date_on(orgs, people):
    moved_on = date(2026, 5, 1)
    before = date(2026, 4, 30)
    assert (total(orgs["town"], before), total(orgs["town2"], before)) == (3, 1)
    org_actions.move_org(orgs["village2"], orgs["town2"], actor=None, on=moved_on)
    # The past keeps the old tree; from the move date on 杨庄村 counts under 西河镇.
    assert (total(orgs["town"], before), total(orgs["town2"], before)) == (3, 1)
    assert (total(orgs["town"], moved_on), total(orgs["town2"], moved_on)) == (2, 2)
    assert REGISTRY["orgs.branches"](orgs["town"], before).number == 3
    assert REGISTRY["orgs.branches"](orgs["town"], moved_on).number == 2
    assert REGISTRY["orgs.branches"](orgs["town2"], moved_on).number == 2


def test_dissolved_org_stops_counting_after_dissolution(orgs):
    org_actions.dissolve_org(orgs["organ_branch"], actor=None, on=date(2026, 2, 1), reason="机构改革")
    branches = REGISTRY["orgs.branches"]
    assert branches(orgs["county"], date(2026, 1, 31)).number == 5
    assert branches(orgs["county"], date(2026, 2, 1)).number == 4
    assert branches(orgs["organs"], date(2026, 2, 1)).number == 0
    # Before an org was established it does not count either.
    assert REGISTRY["orgs.total"](orgs["county"], date(1999, 12, 31)).number == 0


def test_exited_member_stops_counting_after_the_exit(orgs, people):
    exit_on = date(2026, 3, 10)
    member_actions.change_status(people["wang"], "exited", actor=None, on=exit_on, grounds="病故", exit_kind="death")
    assert total(orgs["village2"], date(2026, 3, 9)) == 1
    assert total(orgs["village2"], exit_on) == 0
    assert REGISTRY["members.age.ge61"](orgs["county"], exit_on).number == 0


def test_children_sum_to_the_parent(orgs, people):
    member_actions.place(people["li"], orgs["general_1"], actor=None, on=date(2026, 4, 1), reason="调整")
    for day in (date(2026, 3, 31), TODAY):
        for parent in ("county", "town", "general"):
            kids = [o for o in orgs.values() if o.parent_id == orgs[parent].pk]
            own = 0  # members sit in branches only: a committee's own roster is empty here
            assert total(orgs[parent], day) == own + sum(total(k, day) for k in kids), (parent, day)


def test_query_count_is_bounded_for_the_whole_county(orgs, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        result = indicators.evaluate(orgs["county"], TODAY)
    assert len(result) == len(REGISTRY)


def test_query_count_does_not_grow_with_the_tree(orgs, people, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        indicators.evaluate(orgs["county"], TODAY)
    specs = [
        {"key": f"b{i}", "parent_key": None, "name": f"第{i}党支部", "kind": "branch", "sector": "rural",
         "code": f"B{i:05d}", "established_on": date(2001, 1, 1), "sort_order": i}
        for i in range(700)
    ]  # fmt: skip
    org_actions.bulk_create_tree(specs, actor=None, under=orgs["town2"])
    with django_assert_num_queries(len(small.captured_queries)):
        result = {ind.code: v for ind, v in indicators.evaluate(orgs["county"], TODAY)}
    assert result["orgs.branches"].number == 705


def test_periods():
    assert last_ended_quarter(date(2026, 5, 10)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert last_ended_quarter(date(2026, 3, 31)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert last_ended_quarter(date(2026, 2, 1)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert last_ended_month(date(2026, 5, 10)) == (date(2026, 4, 1), date(2026, 4, 30))
    assert last_ended_month(date(2026, 1, 31)) == (date(2026, 1, 1), date(2026, 1, 31))
    assert last_ended_month(date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_orglife_completion_counts_the_last_quarter_only(orgs):
    from dangjian.orglife.models import Exemption, Meeting

    # Nothing held: 0 % for the quarter; a theme day in every month of Q1 at 柳树村 raises it.
    assert REGISTRY["orglife.completion_rate"](orgs["village"], date(2026, 4, 10)).number == Decimal("0.00")
    for month in (1, 2, 3):
        Meeting.objects.create(
            org=orgs["village"], kind="theme_day", status="held", held_on=date(2026, month, 10),
            topic=f"{month}月主题党日",
        )  # fmt: skip
    rate = REGISTRY["orglife.completion_rate"](orgs["village"], date(2026, 4, 10)).number
    assert Decimal("0") < rate < Decimal("100")
    # Q1 of a branch without a committee: 3 theme days + general assembly + Party lecture = 5 periods.
    assert rate == Decimal("60.00")
    # The theme days of Q1 do not count for Q2; an exemption leaves its period out.
    assert REGISTRY["orglife.completion_rate"](orgs["village"], date(2026, 7, 1)).number == Decimal("0.00")
    Exemption.objects.create(org=orgs["village"], kind="party_lecture", period="2026-Q1", reason="新成立")
    assert REGISTRY["orglife.completion_rate"](orgs["village"], date(2026, 4, 10)).number == Decimal("75.00")
    # The yearly kinds (组织生活会、民主评议) fall due in Q4.
    Meeting.objects.create(
        org=orgs["village"], kind="life_meeting", status="held", held_on=date(2026, 12, 20), topic="组织生活会"
    )
    q4 = REGISTRY["orglife.completion_rate"](orgs["village"], date(2026, 12, 31)).number
    assert q4 == Decimal("14.29")  # 1 of 3 theme days + assembly + lecture + life meeting + appraisal


def test_dues_collection_rate_of_the_last_month(orgs, people, personas):
    from dangjian.dues import actions as dues_actions

    may = date(2026, 5, 1)
    for key in ("zhang", "li", "wang", "zhao"):
        dues_actions.set_profile(people[key], "salaried", Decimal("4000"), may, actor=None)
    dues_actions.generate_bills(orgs["county"], may, actor=None)
    assert REGISTRY["dues.collection_rate"](orgs["county"], date(2026, 6, 1)).number == Decimal("0.0")
    assert REGISTRY["dues.collection_rate"](orgs["county"], date(2026, 5, 30)).reason == NOT_APPLICABLE
    # On the dashboard the rate is a chart with its table too (a zero denominator stays a "—" tile only).
    from dangjian.stats import queries as stats_queries

    admin = personas["county_admin"]
    board = stats_queries.dashboard(admin, orgs["county"], date(2026, 6, 1), date(2026, 6, 1), live=True)
    rates = next(c for c in board["charts"] if c["id"] == "rates")
    rows = {r["code"]: r["value"] for r in rates["rows"]}
    assert rows["dues.collection_rate"] == Decimal("0.0")
    (drawn,) = [c for c in stats_queries.chart_data(board["charts"]) if c["id"] == "rates"]
    assert drawn["values"][list(rows).index("dues.collection_rate")] == 0.0
    assert all(drawn["links"])


# ------------------------------------------------------------------------------------------ the page


def test_overview_page_shows_the_users_subtree(client_as, orgs, people):
    html = client_as("town_secretary").get(reverse("stats:overview"), {"as_of": "2026-06-15"}).content.decode()
    assert "中共东山镇委员会" in html
    assert 'data-code="members.total"' in html
    assert "党员总数" in html


def test_village_secretary_cannot_see_the_town(client_as, orgs, people):
    client = client_as("village_secretary")
    assert client.get(reverse("stats:overview"), {"org": orgs["town"].pk}).status_code == 404
    assert client.get(reverse("stats:overview"), {"org": orgs["village"].pk}).status_code == 200


def test_member_indicators_hidden_without_member_permission(client_as, orgs, people):
    html = client_as("security_admin").get(reverse("stats:overview")).content.decode()
    assert 'data-code="orgs.branches"' in html
    assert 'data-code="members.total"' not in html
    assert "党员指标未显示" in html


def test_overview_without_permission_is_refused(client, nobody):
    client.force_login(nobody)
    assert client.get(reverse("stats:overview")).status_code == 403


def test_indicators_for_refuses_an_org_out_of_scope(orgs, personas):
    from django.http import Http404

    from dangjian.stats.queries import indicators_for

    with pytest.raises(Http404):
        indicators_for(personas["village_secretary"], orgs["town"], TODAY)
    codes = [r.code for r in indicators_for(personas["village_secretary"], orgs["village"], TODAY)]
    assert codes[0] == "members.total"


def test_orglife_rate_agrees_with_the_compliance_table(orgs):
    from dangjian.orglife.models import Exemption, Meeting
    from dangjian.orglife.queries import compliance_rows
    from dangjian.orglife.rules import completion_rate
    from dangjian.orgs.models import BRANCH_KINDS, Org

    org_actions.start_term(orgs["village2"], actor=None, elected_on=date(2025, 1, 1), has_committee=True)
    for org_key, kind, day in [
        ("village", "theme_day", date(2026, 1, 5)),
        ("village", "general_assembly", date(2026, 2, 5)),
        ("village2", "committee_meeting", date(2026, 1, 9)),
        ("village2", "committee_meeting", date(2026, 3, 9)),
        ("village3", "party_lecture", date(2026, 3, 30)),
        ("organ_branch", "theme_day", date(2026, 4, 2)),  # Q2: not counted
    ]:
        Meeting.objects.create(org=orgs[org_key], kind=kind, status="held", held_on=day, topic=kind)
    Exemption.objects.create(org=orgs["general_1"], kind="theme_day", period="2026-02", reason="新成立")
    Exemption.objects.create(org=orgs["village"], kind="theme_day", period="2026-01", reason="held and excused")
    branches = list(Org.objects.filter(kind__in=BRANCH_KINDS).order_by("path"))
    rows = compliance_rows(branches, 2026, date(2026, 3, 31))  # Q1: the year to date is the quarter
    expected = completion_rate(sum(r.required for r in rows), sum(r.gap_count for r in rows))
    assert REGISTRY["orglife.completion_rate"](orgs["county"], date(2026, 5, 20)).number == expected

"""Maintained rollups: recomputed from scratch, every figure equals the live count, for every org and day."""

from datetime import date
from decimal import Decimal

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


def add_orglife_and_dues(orgs, people):
    """Organizational life in Q1 2026 and dues for May 2026 (the periods the 2026-06-15 figures look at)."""
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


def add_cases(orgs):
    """Recruitment cases in every stage on DAYS (written directly, as the demo and the importer do): the
    rollups' "recruitment" section must equal the pipeline counted live."""
    from dangjian.recruitment.models import RecruitmentCase

    specs = [  # org, state, is_open, milestone dates, next_due
        ("village", "applicant", True, {"application_date": date(2025, 10, 1)}, None),
        ("village2", "activist", True, {"application_date": date(2025, 3, 1), "activist_date": date(2025, 11, 1)},
         date(2026, 1, 1)),
        ("general_1", "candidate", True, {"application_date": date(2024, 1, 5), "activist_date": date(2024, 6, 1),
                                          "candidate_date": date(2026, 2, 1)}, date(2027, 2, 1)),
        ("village3", "probationary", True, {"application_date": date(2023, 1, 5), "activist_date": date(2023, 6, 1),
                                            "candidate_date": date(2024, 8, 1), "acceptance_date": date(2025, 11, 10),
                                            "approval_date": date(2026, 1, 5)}, None),
        ("organ_branch", "applicant", True, {"application_date": date(2025, 5, 1)}, date(2025, 12, 1)),
        ("town", "cancelled", False, {"application_date": date(2025, 1, 1)}, None),
    ]  # fmt: skip
    for i, (key, state, is_open, dates, due) in enumerate(specs):
        person = member_actions.add_member(
            orgs[key], actor=None, name=f"申请人{i}", id_number="", sex="male", birth_date=date(2000, 1, 1 + i),
            stage="applicant", placed_on=date(2020, 1, 1),
        )  # fmt: skip
        RecruitmentCase.objects.create(
            member=person, org=orgs[key], state=state, is_open=is_open, next_due=due, **dates
        )


def assert_rollups_equal_the_details(orgs, skip=()):
    """Every figure of every rollup of DAYS equals the same figure counted from the details."""
    for day in DAYS:
        for org in orgs.values():
            if (org, day) in skip:
                continue
            live, rolled, rollup = live_and_rolled(org, day)
            assert live == rolled, (org.name, day)
            assert "recruitment" in rollup.figures, (org.name, day)  # the pipeline is read from the rollup
            live_values = {i.code: v for i, v in indicators.evaluate(org, day)}
            rolled_values = {i.code: v for i, v in indicators.evaluate(org, day, rollup=rollup)}
            assert live_values == rolled_values, (org.name, day)


def test_rollups_equal_the_live_figures_for_every_org(orgs, people, monkeypatch):
    monkeypatch.setattr(rollups, "EXAMPLES_FROM", 1)
    member_actions.add_member(
        orgs["general_1"], actor=None, name="孙小梅", id_number="", sex="female", birth_date=date(1999, 2, 2),
        ethnicity="回族", education="", stage="probationary", joined_on=date(2025, 6, 1), occupation="student",
    )  # fmt: skip
    member_actions.place(people["zhao"], orgs["village"], actor=None, on=date(2026, 1, 10), reason="转接")
    add_orglife_and_dues(orgs, people)
    add_cases(orgs)
    org_actions.dissolve_org(orgs["organ_branch"], actor=None, on=date(2026, 3, 1))
    assert rollups.refresh(DAYS[0], min_orgs=1) == len(orgs)
    assert rollups.refresh(DAYS[1], min_orgs=1) == len(orgs) - 1  # 县财政局机关党支部 dissolved on 2026-03-01
    assert rollups.for_org(orgs["organ_branch"].pk, DAYS[1]) is None
    assert_rollups_equal_the_details(orgs, skip={(orgs["organ_branch"], DAYS[1])})
    rates = {i.code: v.number for i, v in indicators.evaluate(orgs["county"], DAYS[1])}
    assert rates["dues.collection_rate"] is not None
    assert rates["orglife.completion_rate"] is not None
    county = rollups.for_org(orgs["county"].pk, DAYS[1])
    big = county.figures["warnings"]
    assert big["orgs"] == 8  # 县财政局机关党支部 dissolved
    county_warnings = queries.structure_warnings(orgs["county"], DAYS[1])
    assert big["flagged"] == county_warnings.flagged
    assert big["by_rule"] == county_warnings.by_rule
    assert [pk for pk, _f in big["examples"]] == [o.pk for o, _f in county_warnings.examples]
    assert queries.structure_warnings(orgs["county"], DAYS[1], rollup=county).by_rule == county_warnings.by_rule
    pipeline = {d: rollups.for_org(orgs["county"].pk, d).figures["recruitment"] for d in DAYS}
    # 2025-12-31: the candidate still an activist; the cancelled case counts until its last change (today)
    assert pipeline[DAYS[0]] == {"applicants": 3, "activists": 2, "overdue": 1}
    # 2026-06-15: 县财政局机关党支部 dissolved; the activist overdue; the candidate confirmed; one approved
    assert pipeline[DAYS[1]] == {"applicants": 2, "activists": 1, "candidates": 1, "developed": 1, "overdue": 1}


def test_changes_after_the_rollup_are_added_in_by_the_actions(orgs, people, django_capture_on_commit_callbacks):
    """Members, meetings, dues and recruitment cases changed after `refresh` through their actions: after
    each commit the rollups of both days (the latest and a year end) still equal the details, without
    another refresh."""
    from dangjian.dues import actions as dues_actions
    from dangjian.dues.models import Bill
    from dangjian.orglife import actions as life_actions
    from dangjian.recruitment import actions as recruitment_actions
    from dangjian.recruitment import rules as recruitment_rules
    from dangjian.stats.models import OrgCount

    add_orglife_and_dues(orgs, people)
    add_cases(orgs)
    rollups.refresh(DAYS[0], min_orgs=1)
    rollups.refresh(DAYS[1], min_orgs=1)
    before = rollups.for_org(orgs["county"].pk, DAYS[1]).figures["members"]["total"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        member_actions.add_member(
            orgs["general_1"], actor=None, name="孙小梅", id_number="", sex="female", birth_date=date(1999, 2, 2),
            ethnicity="回族", education="", stage="probationary", joined_on=date(2025, 6, 1), occupation="student",
        )  # fmt: skip
        member_actions.place(people["zhao"], orgs["village"], actor=None, on=date(2026, 1, 10), reason="转接")
        member_actions.update_member(people["zhang"], actor=None, education="master", occupation="worker")
        member_actions.change_status(
            people["wang"], "exited", actor=None, on=date(2026, 6, 1), exit_kind="death", grounds="病故"
        )
        meeting = life_actions.schedule_meeting(
            orgs["village2"], actor=None, kind="theme_day", topic="主题党日", held_on=date(2026, 2, 12)
        )
        life_actions.record_meeting(meeting, actor=None, topic="主题党日")
        life_actions.grant_exemption(orgs["general_1"], actor=None, kind="theme_day", period="2026-03", reason="汛期")
        dues_actions.record_payment(
            list(Bill.objects.filter(member=people["li"])), actor=None, paid_on=date(2026, 6, 2), method="cash"
        )
        case = recruitment_actions.start_new_applicant(
            orgs["village2"], actor=None, on=date(2026, 3, 1), documents=["application_letter"], name="周新",
            sex="male", birth_date=date(2001, 3, 3),
        )  # fmt: skip
        all_papers = list(recruitment_rules.DOCUMENTS)
        case = recruitment_actions.record_step(case, "talk", actor=None, on=date(2026, 3, 10), documents=all_papers)
        recruitment_actions.transfer_case(case, orgs["village3"], actor=None, on=date(2026, 4, 1))
    assert len(callbacks) >= 11
    after = rollups.for_org(orgs["county"].pk, DAYS[1])
    assert after.figures["members"]["total"] == before + 1 - 1  # 孙小梅 joined, 王建国 died
    village3 = rollups.for_org(orgs["village3"].pk, DAYS[1]).figures["recruitment"]
    assert village3 == {"applicants": 1, "developed": 1}  # 周新's case moved here with him
    assert not rollups.is_stale(after)
    assert_rollups_equal_the_details(orgs)

    # the counters are those a refresh from scratch writes (zeros aside)
    def counters():
        return {
            (c.day, c.basis, c.org_id): {k: v for k, v in c.figures.items() if v}
            for c in OrgCount.objects.exclude(basis="warn")
        }

    kept = counters()
    rollups.refresh(DAYS[0], min_orgs=1)
    rollups.refresh(DAYS[1], min_orgs=1)
    assert {k: f for k, f in kept.items() if f} == {k: f for k, f in counters().items() if f}
    # a change of the tree is not added in: the rollups say they are stale until the next refresh
    org_actions.move_org(orgs["village3"], orgs["town"], actor=None, on=date(2026, 6, 10))
    assert rollups.is_stale(rollups.for_org(orgs["county"].pk, DAYS[1]))


def test_a_failed_incremental_refresh_marks_the_rollups_stale(
    orgs, people, django_capture_on_commit_callbacks, monkeypatch
):
    rollups.refresh(DAYS[1])
    county = rollups.for_org(orgs["county"].pk, DAYS[1])
    assert not rollups.is_stale(county)

    def broken(_ids):
        raise RuntimeError("boom")

    monkeypatch.setattr(rollups, "refresh_orgs", broken)
    with django_capture_on_commit_callbacks(execute=True):
        member_actions.update_member(people["zhang"], actor=None, education="master")
    county.refresh_from_db()
    assert rollups.is_stale(county)
    assert people["zhang"].__class__.objects.get(pk=people["zhang"].pk).education == "master"  # the edit stands


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
    org_actions.move_org(orgs["village3"], orgs["town"], actor=None, on=date(2026, 6, 10))
    member_actions.change_status(
        people["wang"], "exited", actor=None, on=date(2026, 6, 1), exit_kind="death", grounds="病故"
    )  # not committed in this test: its rollup refresh never runs
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

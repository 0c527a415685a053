"""民主评议党员 (LIFE-08/09), 组织生活会 checklist (LIFE-07) and 谈心谈话 coverage (LIFE-10)."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.core.errors import RuleViolation
from dangjian.orglife import actions, queries, rules


@pytest.mark.parametrize(("graded", "allowed"), [(0, 0), (1, 0), (2, 0), (3, 1), (5, 1), (6, 2), (30, 10), (31, 10)])
def test_excellent_at_most_a_third_life_09(graded, allowed):
    assert rules.excellent_allowed(graded) == allowed


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ([(True, "excellent"), (True, "qualified"), (True, "qualified")], None),
        ([(True, "excellent"), (True, "excellent"), (True, "qualified")], "三分之一"),
        ([(True, "qualified"), (True, "")], "未评定"),
        ([(True, "qualified"), (False, "")], None),  # a probationary member takes part, not graded
        ([(True, "qualified"), (False, "qualified")], "不应有等次"),
    ],
)
def test_appraisal_problems(entries, problem):
    got = "；".join(rules.appraisal_problems(entries))
    if problem is None:
        assert got == ""
    else:
        assert problem in got


@pytest.mark.parametrize(
    ("committee", "members", "talks", "covered", "required"),
    [
        ([1], [1, 2, 3], [], 0, 2),
        ([1], [1, 2, 3], [(2, 1)], 1, 2),
        ([1, 2], [1, 2, 3], [(1, 2), (1, 3), (3, 2)], 3, 3),
        ([], [1, 2], [(1, 2)], 0, 0),  # no committee known: nothing required
    ],
)
def test_talk_coverage_life_10(committee, members, talks, covered, required):
    got = rules.talk_coverage(committee, members, talks)
    assert got[:2] == (covered, required)


def test_appraisal_flow(orgs, people, town_officer):
    appraisal = actions.open_appraisal(orgs["village"], actor=town_officer, year=2026)
    entries = {e.member_id: e for e in appraisal.entries.all()}
    zhang, li = entries[people["zhang"].pk], entries[people["li"].pk]
    assert zhang.graded is True
    assert li.graded is False  # probationary
    with pytest.raises(RuleViolation, match="不评定等次"):
        actions.record_appraisal(appraisal, {li.pk: {"grade": "qualified"}}, actor=town_officer)
    appraisal = actions.record_appraisal(appraisal, {zhang.pk: {"grade": "excellent", "votes_excellent": "5"}},
                                         actor=town_officer)  # fmt: skip
    with pytest.raises(RuleViolation, match="三分之一"):
        actions.close_appraisal(appraisal, actor=town_officer)  # 1 graded → 0 优秀 allowed
    appraisal = actions.record_appraisal(appraisal, {zhang.pk: {"grade": "unqualified"}}, actor=town_officer)
    appraisal = actions.close_appraisal(appraisal, actor=town_officer)
    assert appraisal.closed
    with pytest.raises(RuleViolation, match="已确定"):
        actions.record_appraisal(appraisal, {zhang.pk: {"grade": "qualified"}}, actor=town_officer)
    with pytest.raises(RuleViolation, match="已经开始"):
        actions.open_appraisal(orgs["village"], actor=town_officer, year=2026)
    from dangjian.orglife.todos import unqualified_members

    todos = unqualified_members(town_officer, date(2026, 12, 30), 30)
    assert [t.rule for t in todos] == ["MEM-03"]


def test_appraisal_page_and_member_record(client, orgs, people, town_officer):
    client.force_login(town_officer)
    url = reverse("orglife:appraisal", args=[orgs["village"].pk])
    client.post(url, {"op": "open", "year": 2026})
    appraisal = __import__("dangjian.orglife.models", fromlist=["Appraisal"]).Appraisal.objects.get()
    zhang = appraisal.entries.get(member=people["zhang"])
    response = client.post(url, {"op": "close", "year": 2026, "version": appraisal.version,
                                 f"grade_{zhang.pk}": "qualified", f"self_assessment_{zhang.pk}": "自评"})  # fmt: skip
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert appraisal.closed
    page = client.get(reverse("orglife:member_record", args=[people["zhang"].pk])).content.decode()
    assert "合格" in page


def test_checklist_only_for_life_meetings(orgs, people, town_officer):
    m = actions.schedule_meeting(orgs["village"], actor=None, kind="life_meeting", topic="组织生活会",
                                 held_on=date(2026, 11, 20))  # fmt: skip
    c = actions.save_checklist(m, actor=town_officer, study=True, talks=True, rectification="问题一")
    assert (c.study, c.opinions, c.rectification) == (True, False, "问题一")
    other = actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="x", held_on=date(2026, 11, 2)
    )
    with pytest.raises(RuleViolation, match="只有组织生活会"):
        actions.save_checklist(other, actor=town_officer, study=True)


def test_talks_log_and_coverage(orgs, people, town_officer):
    from dangjian.orgs.models import OrgOfficer

    OrgOfficer.objects.create(org=orgs["village"], role="secretary", name="张三丰", starts_on=date(2024, 1, 1))
    assert queries.talk_coverage(orgs["village"], 2026)[:2] == (0, 1)
    actions.record_talk(orgs["village"], actor=town_officer, held_on=date(2026, 5, 1), first=people["zhang"],
                        second=people["li"], topic="思想动态")  # fmt: skip
    assert queries.talk_coverage(orgs["village"], 2026)[:2] == (1, 1)
    with pytest.raises(RuleViolation, match="本组织"):
        actions.record_talk(orgs["village"], actor=town_officer, held_on=date(2026, 5, 1), first=people["zhang"],
                            second=people["wang"], topic="x")  # fmt: skip
    with pytest.raises(RuleViolation, match="晚于今天"):
        actions.record_talk(orgs["village"], actor=town_officer, held_on=date(2099, 5, 1), first=people["zhang"],
                            second=people["li"], topic="x")  # fmt: skip

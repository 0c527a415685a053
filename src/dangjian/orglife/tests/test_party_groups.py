"""Party groups (党小组, LIFE-03): set up with members, group meetings named by group with the group's
members invited by default, the schedule form's invitees, and the period facts the roll-up reads."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.orglife import actions, facts, queries, rules
from dangjian.orglife.models import Meeting, PartyGroup, PartyGroupMember, PeriodFact


@pytest.fixture
def group(orgs, people, town_officer):
    return actions.save_party_group(
        orgs["village"], actor=town_officer, name="第一党小组", established_on=date(2026, 1, 1),
        members=[people["zhang"]], leader=people["zhang"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("held", "groups", "through", "required", "gaps"),
    [
        ([], [(1, date(2025, 1, 1), None)], date(2026, 3, 31), 3, {(1, "2026-01"), (1, "2026-02"), (1, "2026-03")}),
        (
            [(1, date(2026, 2, 3))],
            [(1, date(2025, 1, 1), None)],
            date(2026, 3, 31),
            3,
            {(1, "2026-01"), (1, "2026-03")},
        ),
        ([], [(1, date(2026, 2, 20), None)], date(2026, 3, 31), 2, {(1, "2026-02"), (1, "2026-03")}),  # set up in Feb
        ([], [(1, date(2025, 1, 1), date(2026, 1, 10))], date(2026, 3, 31), 1, {(1, "2026-01")}),  # dissolved in Jan
        ([(2, date(2026, 1, 5))], [(1, date(2025, 1, 1), None)], date(2026, 1, 31), 1, {(1, "2026-01")}),  # other group
        ([], [], date(2026, 12, 31), 0, set()),  # a branch without groups asks nothing
        ([], [(1, date(2025, 1, 1), None)], date(2026, 1, 30), 0, set()),  # January not ended
    ],
)
def test_group_meeting_gaps_life_03(held, groups, through, required, gaps):
    assert rules.group_meeting_gaps(held, groups, year=2026, through=through) == (required, gaps)


def test_a_party_group_is_set_up_with_members_of_the_branch(orgs, people, town_officer, group):
    assert list(group.memberships.values_list("member_id", flat=True)) == [people["zhang"].pk]
    assert AuditEvent.objects.filter(action="party_group.save").count() == 1
    with pytest.raises(RuleViolation, match="本支部在册党员"):
        actions.save_party_group(
            orgs["village"], actor=town_officer, name="第二党小组", established_on=date(2026, 1, 1),
            members=[people["wang"]],
        )  # fmt: skip
    with pytest.raises(RuleViolation, match="已有名为"):
        actions.save_party_group(
            orgs["village"], actor=town_officer, name="第一党小组", established_on=date(2026, 1, 1)
        )
    with pytest.raises(OutOfScope):
        actions.save_party_group(orgs["village3"], actor=town_officer, name="小组", established_on=date(2026, 1, 1))
    # a member moves from one group to another
    second = actions.save_party_group(
        orgs["village"], actor=town_officer, name="第二党小组", established_on=date(2026, 3, 1),
        members=[people["zhang"], people["li"]],
    )  # fmt: skip
    assert PartyGroupMember.objects.get(member=people["zhang"]).group == second
    assert PartyGroup.objects.count() == 2


def test_a_group_meeting_names_its_group_and_invites_its_members(orgs, people, town_officer, group):
    with pytest.raises(RuleViolation, match="须选择党小组"):
        actions.schedule_meeting(
            orgs["village"], actor=town_officer, kind="group_meeting", topic="小组学习", held_on=date(2026, 3, 5)
        )
    with pytest.raises(RuleViolation, match="只有党小组会"):
        actions.schedule_meeting(
            orgs["village"], actor=town_officer, kind="theme_day", topic="主题党日", held_on=date(2026, 3, 5),
            party_group=group,
        )  # fmt: skip
    m = actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="group_meeting", topic="小组学习", held_on=date(2026, 3, 5),
        party_group=group,
    )  # fmt: skip
    assert list(m.invitees.values_list("pk", flat=True)) == [people["zhang"].pk]
    m = actions.record_attendance(m, None, actor=town_officer)  # everyone due: the group's members
    assert [r["member"].pk for r in queries.attendance_sheet(m).rows] == [people["zhang"].pk]
    branch = actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="theme_day", topic="主题党日", held_on=date(2026, 3, 5)
    )
    assert set(branch.invitees.values_list("pk", flat=True)) == {people["zhang"].pk, people["li"].pk}


def test_compliance_counts_group_meetings_per_group(orgs, people, town_officer, group):
    (row,) = queries.compliance_rows([orgs["village"]], 2026, date(2026, 3, 31))
    assert row.group_gaps == [("第一党小组", "2026-01"), ("第一党小组", "2026-02"), ("第一党小组", "2026-03")]
    m = actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="group_meeting", topic="小组学习", held_on=date(2026, 2, 5),
        party_group=group,
    )  # fmt: skip
    actions.record_meeting(m, actor=town_officer, minutes="记录")
    (row,) = queries.compliance_rows([orgs["village"]], 2026, date(2026, 3, 31))
    assert row.group_gaps == [("第一党小组", "2026-01"), ("第一党小组", "2026-03")]
    assert row.gaps_by_kind["group_meeting"] == ["2026-01 第一党小组", "2026-03 第一党小组"]


def test_period_facts_follow_the_meetings(orgs, people, town_officer, group):
    """The facts the roll-up reads change with every save: recorded, returned, moved by an amendment."""
    from dangjian.accounts.models import Role

    Role.objects.filter(code="test_orglife").update(
        permissions=[*Role.objects.get(code="test_orglife").permissions, "orglife.review_meeting"]
    )

    def mask(kind="theme_day"):
        return set(PeriodFact.objects.filter(org=orgs["village"], kind=kind).values_list("year", "months"))

    m = actions.schedule_meeting(
        orgs["village"], actor=None, kind="theme_day", topic="主题党日", held_on=date(2026, 3, 5)
    )
    assert mask() == set()  # planned: not counted
    m = actions.record_meeting(m, actor=None, minutes="记录")
    assert mask() == {(2026, 1 << 2)}
    m = actions.submit_meeting(m, actor=None)
    m = actions.review_meeting(m, actor=None, approve=False, reason="记录过简")
    assert mask() == set()  # returned: not counted
    m = actions.submit_meeting(m, actor=None)
    m = actions.review_meeting(m, actor=None, approve=True)
    actions.amend_meeting(m, actor=None, reason="日期登记有误", held_on=date(2025, 12, 30))
    assert mask() == {(2025, 1 << 11)}
    g = actions.schedule_meeting(
        orgs["village"], actor=None, kind="group_meeting", topic="小组", held_on=date(2026, 4, 2), party_group=group
    )
    actions.record_meeting(g, actor=None)
    assert set(PeriodFact.objects.filter(party_group=group).values_list("months", flat=True)) == {1 << 3}
    incremental = set(PeriodFact.objects.values_list("org_id", "year", "kind", "party_group_id", "months"))
    facts.rebuild()
    assert set(PeriodFact.objects.values_list("org_id", "year", "kind", "party_group_id", "months")) == incremental
    Meeting.objects.filter(pk=g.pk).delete()
    assert not PeriodFact.objects.filter(party_group=group).exists()


def test_schedule_form_defaults_the_invitees(client, orgs, people, town_officer, group):
    client.force_login(town_officer)
    page = client.get(reverse("orglife:meeting_create"), {"org": orgs["village"].pk}).content.decode()
    assert "orglife/schedule.js" in page
    assert 'name="invitees"' in page
    for member in (people["zhang"], people["li"]):
        assert f'value="{member.pk}" selected' in page  # the branch's members by default
    page = client.get(
        reverse("orglife:meeting_create"), {"org": orgs["village"].pk, "party_group": group.pk}
    ).content.decode()
    assert f'value="{people["zhang"].pk}" selected' in page
    assert f'value="{people["li"].pk}" selected' not in page  # the group's members only
    payload = {"org": orgs["village"].pk, "kind": "group_meeting", "party_group": group.pk, "topic": "小组学习",
               "held_on": "2026-12-10"}  # fmt: skip
    response = client.post(reverse("orglife:meeting_create"), payload)
    assert response.status_code == 302
    created = Meeting.objects.get()
    assert created.party_group == group
    assert list(created.invitees.values_list("pk", flat=True)) == [people["zhang"].pk]
    response = client.post(
        reverse("orglife:meeting_create"), {**payload, "party_group": "", "invitees": [people["li"].pk]}
    )
    assert response.status_code == 400
    assert "须选择党小组" in response.content.decode()
    payload = {**payload, "kind": "theme_day", "party_group": "", "invitees": [people["li"].pk]}
    assert client.post(reverse("orglife:meeting_create"), payload).status_code == 302
    assert list(Meeting.objects.latest("pk").invitees.values_list("pk", flat=True)) == [people["li"].pk]


def test_party_group_page(client, orgs, people, town_officer, group):
    client.force_login(town_officer)
    url = reverse("orglife:party_groups", args=[orgs["village"].pk])
    page = client.get(url).content.decode()
    assert "第一党小组" in page
    assert people["zhang"].name in page
    response = client.post(url, {"name": "第二党小组", "established_on": "2026-06-01", "members": [people["li"].pk]})
    assert response.status_code == 302
    assert PartyGroup.objects.get(name="第二党小组").memberships.get().member == people["li"]
    edit = {
        "name": "老党员小组",
        "established_on": "2026-01-01",
        "members": [people["zhang"].pk],
        "version": group.version,
    }
    response = client.post(f"{url}?group={group.pk}", edit)
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "老党员小组"
    calendar = client.get(reverse("orglife:calendar", args=[orgs["village"].pk]), {"year": 2026}).content.decode()
    assert url in calendar
    assert "老党员小组党小组会" in calendar  # one slot per group and month (LIFE-03)
    assert f"party_group={group.pk}" in calendar


def test_api_schedules_a_group_meeting(orgs, people, town_officer, group):
    from dangjian.accounts import actions as account_actions

    _token, raw = account_actions.issue_token(town_officer, name="t", actor=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {"org": orgs["village"].pk, "kind": "group_meeting", "topic": "小组学习", "held_on": "2026-10-08"}
    r = api.post("/api/v1/meetings/", {**body, "party_group": group.pk}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["party_group"] == group.pk
    r = api.post("/api/v1/meetings/", body, format="json")
    assert r.status_code == 400
    assert "党小组" in str(r.json())

"""Organizational-life actions: scope, version checks, attendance rules, exemptions, audit events."""

from datetime import date, time

import pytest

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.orglife import actions, queries
from dangjian.orglife.models import Attendance, Exemption, Meeting


@pytest.fixture
def assembly(orgs, people, town_officer):
    return actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="general_assembly", topic="第三季度党员大会", held_on=date(2026, 9, 5)
    )


def test_schedule_is_planned_scoped_and_audited(orgs, town_officer, assembly):
    assert assembly.status == "planned"
    assert assembly.created_by == town_officer
    event = AuditEvent.objects.get(action="meeting.schedule")
    assert event.object_id == str(assembly.pk)
    assert event.org_path == orgs["village"].path
    with pytest.raises(OutOfScope):
        actions.schedule_meeting(
            orgs["village3"], actor=town_officer, kind="theme_day", topic="x", held_on=date(2026, 9, 1)
        )
    assert Meeting.objects.count() == 1


def test_a_branch_officer_cannot_schedule_for_the_neighbour(orgs, village_officer):
    actions.schedule_meeting(
        orgs["village"], actor=village_officer, kind="theme_day", topic="学习", held_on=date(2026, 9, 1)
    )
    with pytest.raises(OutOfScope):
        actions.schedule_meeting(
            orgs["village2"], actor=village_officer, kind="theme_day", topic="学习", held_on=date(2026, 9, 1)
        )


def test_schedule_refuses_an_empty_topic_and_an_unknown_kind(orgs, town_officer):
    with pytest.raises(RuleViolation, match="主题"):
        actions.schedule_meeting(
            orgs["village"], actor=town_officer, kind="theme_day", topic="  ", held_on=date(2026, 9, 1)
        )
    with pytest.raises(RuleViolation, match="类别"):
        actions.schedule_meeting(
            orgs["village"], actor=town_officer, kind="picnic", topic="x", held_on=date(2026, 9, 1)
        )


def test_record_marks_held_with_version_check(town_officer, assembly):
    held = actions.record_meeting(
        assembly, actor=town_officer, expected_version=1, minutes="会议讨论了……", starts_at=time(9, 0), host="张三丰"
    )
    assert held.status == "held"
    assert held.version == 2
    assert held.minutes == "会议讨论了……"
    event = AuditEvent.objects.get(action="meeting.record")
    assert event.after["status"] == "held"
    with pytest.raises(ConcurrentEdit):
        actions.record_meeting(assembly, actor=town_officer, expected_version=1, minutes="旧版本")
    assert Meeting.objects.get(pk=assembly.pk).minutes == "会议讨论了……"


def test_a_future_meeting_cannot_be_recorded_as_held(town_officer, assembly):
    with pytest.raises(RuleViolation, match="尚未召开"):
        actions.record_meeting(assembly, actor=town_officer, held_on=date(2099, 1, 1))
    assert Meeting.objects.get(pk=assembly.pk).status == "planned"


def test_attendance_defaults_to_the_current_members(people, town_officer, assembly):
    actions.record_attendance(assembly, None, actor=town_officer)
    rows = {a.member.name: a for a in Attendance.objects.filter(meeting=assembly).select_related("member")}
    assert set(rows) == {"张三丰", "李秀英"}  # 柳树村's members only
    assert {a.status for a in rows.values()} == {"present"}
    assert rows["张三丰"].voting is True
    assert rows["李秀英"].voting is False  # probationary: no vote (ORG-14)
    quorum = queries.attendance_sheet(assembly).quorum
    assert (quorum.rule, quorum.due, quorum.present, quorum.met) == ("LIFE-01", 1, 1, True)


def test_attendance_is_recorded_but_quorum_only_reported(people, town_officer, assembly):
    """LIFE-01: without a quorum the attendance is still recorded; the sheet says the quorum is not met."""
    actions.record_attendance(
        assembly, {people["zhang"].pk: {"status": "excused", "reason": "外出务工"}}, actor=town_officer
    )
    rows = {a.member_id: a for a in Attendance.objects.filter(meeting=assembly)}
    assert rows[people["zhang"].pk].status == "excused"
    assert rows[people["zhang"].pk].reason == "外出务工"
    assert rows[people["li"].pk].status == "absent"  # not named, not yet recorded → absent
    quorum = queries.attendance_sheet(assembly).quorum
    assert (quorum.due, quorum.present, quorum.met) == (1, 0, False)
    assert AuditEvent.objects.filter(action="meeting.attendance").count() == 1


def test_attendance_refuses_members_of_another_org_and_stale_versions(people, town_officer, assembly):
    with pytest.raises(RuleViolation, match="本组织党员"):
        actions.record_attendance(assembly, {people["wang"].pk: "present"}, actor=town_officer)
    with pytest.raises(RuleViolation, match="出勤情况不正确"):
        actions.record_attendance(assembly, {people["zhang"].pk: "sleeping"}, actor=town_officer)
    assert not Attendance.objects.exists()
    actions.record_attendance(assembly, {people["zhang"].pk: "present"}, actor=town_officer, expected_version=1)
    with pytest.raises(ConcurrentEdit):
        actions.record_attendance(assembly, {people["zhang"].pk: "absent"}, actor=town_officer, expected_version=1)
    assert Attendance.objects.get(member=people["zhang"]).status == "present"


def test_attendance_out_of_scope(orgs, people, village_officer):
    other = actions.schedule_meeting(
        orgs["village2"], actor=None, kind="theme_day", topic="x", held_on=date(2026, 9, 1)
    )
    with pytest.raises(OutOfScope):
        actions.record_attendance(other, None, actor=village_officer)
    assert not Attendance.objects.exists()


def test_exemption_is_granted_from_above(orgs, town_officer, village_officer):
    exemption = actions.grant_exemption(
        orgs["village"], actor=town_officer, kind="theme_day", period="2026-02", reason="春节期间党员外出务工"
    )
    assert exemption.granted_by == town_officer
    assert AuditEvent.objects.filter(action="exemption.grant").count() == 1
    with pytest.raises(OutOfScope, match="上级党组织"):
        actions.grant_exemption(orgs["village"], actor=village_officer, kind="theme_day", period="2026-03", reason="x")
    with pytest.raises(RuleViolation, match="频次不符"):
        actions.grant_exemption(orgs["village"], actor=town_officer, kind="theme_day", period="2026-Q1", reason="x")
    with pytest.raises(RuleViolation, match="已登记"):
        actions.grant_exemption(orgs["village"], actor=town_officer, kind="theme_day", period="2026-02", reason="x")
    with pytest.raises(RuleViolation, match="理由"):
        actions.grant_exemption(orgs["village"], actor=town_officer, kind="theme_day", period="2026-04", reason=" ")
    with pytest.raises(OutOfScope):
        actions.grant_exemption(orgs["village3"], actor=town_officer, kind="theme_day", period="2026-04", reason="x")
    assert Exemption.objects.count() == 1


# ------------------------------------------------------------------------------------------ review chain


@pytest.fixture
def reviewer(orgs):
    """Holds orglife view/change/review on 东山镇: the upper committee of 柳树村."""
    from dangjian.accounts import actions as account_actions
    from dangjian.accounts.models import Role

    role = Role.objects.create(
        code="test_reviewer", name="审核", permissions=["orglife.view_meeting", "orglife.review_meeting"]
    )
    user, _ = account_actions.create_user("reviewer", actor=None, password="Review#2026x")
    account_actions.assign_role(user, role, orgs["town"], actor=None)
    return user


def _held(meeting, actor, statuses=None):
    m = actions.record_meeting(meeting, actor=actor, minutes="记录")
    return actions.record_attendance(m, statuses, actor=actor)


def test_submit_approve_locks_and_amend_needs_a_reason(orgs, people, town_officer, reviewer, assembly):
    with pytest.raises(RuleViolation, match="先登记"):
        actions.submit_meeting(assembly, actor=town_officer)
    m = actions.submit_meeting(_held(assembly, town_officer), actor=town_officer)
    assert m.status == "submitted"
    with pytest.raises(RuleViolation, match="审核或退回前"):
        actions.record_meeting(m, actor=town_officer, minutes="改")
    m = actions.review_meeting(m, actor=reviewer, approve=True)
    assert m.status == "approved"
    assert m.reviewed_by == reviewer
    with pytest.raises(RuleViolation, match="审核后修改"):
        actions.record_meeting(m, actor=town_officer, minutes="改")
    with pytest.raises(RuleViolation, match="审核后修改"):
        actions.record_attendance(m, {}, actor=town_officer)
    with pytest.raises(RuleViolation, match="理由"):
        actions.amend_meeting(m, actor=town_officer, reason=" ", minutes="改")
    m = actions.amend_meeting(m, actor=town_officer, reason="补记发言", minutes="记录（补）")
    assert m.status == "approved"
    assert m.minutes == "记录（补）"
    assert m.amendments.get().changes == {"minutes": ["记录", "记录（补）"]}
    assert m.amendments.get().changed_labels == ["会议记录"]
    assert AuditEvent.objects.filter(action="meeting.amend").count() == 1
    assert AuditEvent.objects.filter(action="meeting.approve").count() == 1


def test_return_needs_a_reason_and_allows_correction(orgs, people, town_officer, reviewer, assembly):
    m = actions.submit_meeting(_held(assembly, town_officer), actor=town_officer)
    with pytest.raises(RuleViolation, match="退回须填写理由"):
        actions.review_meeting(m, actor=reviewer, approve=False, reason="")
    m = actions.review_meeting(m, actor=reviewer, approve=False, reason="会议记录过简")
    assert (m.status, m.review_note) == ("returned", "会议记录过简")
    m = actions.record_meeting(m, actor=town_officer, minutes="详细记录")
    assert m.status == "held"
    assert actions.submit_meeting(m, actor=town_officer).status == "submitted"


def test_a_branch_cannot_approve_its_own_record(orgs, people, village_officer, assembly, town_officer):
    from dangjian.accounts.models import Role

    Role.objects.filter(code="test_orglife").update(
        permissions=[*Role.objects.get(code="test_orglife").permissions, "orglife.review_meeting"]
    )
    m = actions.submit_meeting(_held(assembly, town_officer), actor=town_officer)
    with pytest.raises(OutOfScope):
        actions.review_meeting(m, actor=village_officer, approve=True)
    m.refresh_from_db()
    assert m.status == "submitted"


def test_a_general_assembly_without_quorum_cannot_be_submitted(orgs, people, town_officer, assembly):
    # 柳树村: 张三丰 full (voting), 李秀英 probationary (no vote): 张 absent → 0 of 1 voting present.
    m = _held(assembly, town_officer, {people["zhang"].pk: "absent", people["li"].pk: "present"})
    with pytest.raises(RuleViolation, match="未超过半数"):
        actions.submit_meeting(m, actor=town_officer)
    m.refresh_from_db()
    assert m.status == "held"


def test_attendance_of_an_invited_member_of_another_org(orgs, people, town_officer):
    m = actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="theme_day", topic="联学", held_on=date(2026, 3, 5),
        invitees=[people["zhang"], people["wang"]],
    )  # fmt: skip
    m = actions.record_attendance(m, {people["wang"].pk: "present"}, actor=town_officer)
    row = Attendance.objects.get(meeting=m, member=people["wang"])
    assert row.status == "present"
    assert row.voting is False
    with pytest.raises(RuleViolation, match="受邀"):
        actions.record_attendance(m, {people["zhao"].pk: "present"}, actor=town_officer)


@pytest.fixture
def committee_meeting(orgs, people, town_officer):
    from dangjian.orgs.models import OrgOfficer

    for role, name in (("secretary", "张三丰"), ("organizing_member", "李秀英"), ("propaganda_member", "外单位委员")):
        OrgOfficer.objects.create(org=orgs["village"], role=role, name=name, starts_on=date(2024, 1, 1))
    return actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="committee_meeting", topic="九月支委会", held_on=date(2026, 9, 3)
    )


def test_a_committee_meeting_without_quorum_cannot_be_submitted_or_approved(
    people, town_officer, reviewer, committee_meeting
):
    """LIFE-02: more than half of the 3 committee members (2) must be present; 1 present is refused."""
    m = _held(committee_meeting, town_officer, {people["zhang"].pk: "present", people["li"].pk: "absent"})
    quorum = queries.attendance_sheet(m).quorum
    assert (quorum.rule, quorum.due, quorum.present, quorum.met) == ("LIFE-02", 3, 1, False)
    with pytest.raises(RuleViolation, match="支部委员应到3人、实到1人"):
        actions.submit_meeting(m, actor=town_officer)
    m.refresh_from_db()
    assert m.status == "held"
    m = actions.record_attendance(m, {people["li"].pk: "present"}, actor=town_officer)
    m = actions.submit_meeting(m, actor=town_officer)
    assert m.status == "submitted"
    actions.review_meeting(m, actor=reviewer, approve=True)


def test_a_committee_meeting_of_a_branch_without_recorded_officers_is_refused(orgs, people, town_officer):
    m = actions.schedule_meeting(
        orgs["village"], actor=town_officer, kind="committee_meeting", topic="支委会", held_on=date(2026, 9, 3)
    )
    m = _held(m, town_officer)
    with pytest.raises(RuleViolation, match="未登记现任支部委员"):
        actions.submit_meeting(m, actor=town_officer)

"""Points: accrual from orglife attendance and dues bills (idempotent, after commit), manual entries with
evidence and branch approval, caps, vetoes, exclusions, versioned rule sets, rankings and the hook."""

from datetime import date
from decimal import Decimal

import pytest

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.dues import actions as dues_actions
from dangjian.dues.models import Bill
from dangjian.orglife import actions as orglife_actions
from dangjian.points import accrual, actions, hooks, queries
from dangjian.points.models import EntryStatus, PointEntry

TODAY = date(2026, 11, 26)


def held_meeting(org, kind, day, entries):
    meeting = orglife_actions.schedule_meeting(org, actor=None, kind=kind, topic="学习", held_on=day)
    meeting = orglife_actions.record_meeting(meeting, actor=None)
    return orglife_actions.record_attendance(meeting, entries, actor=None)


def totals(member):
    return sorted(PointEntry.objects.filter(member=member).values_list("item__code", "points"))


def test_attendance_accrues_after_commit_and_is_idempotent(orgs, people, rule_set, django_capture_on_commit_callbacks):
    zhang, li = people["zhang"], people["li"]
    with django_capture_on_commit_callbacks(execute=True):
        meeting = held_meeting(orgs["village"], "theme_day", date(2026, 5, 8), {zhang.pk: "present", li.pk: "absent"})
    assert totals(zhang) == [("attend_theme_day", Decimal("1.00"))]
    assert totals(li) == [("absent", Decimal("-2.00"))]
    assert accrual.accrue_meetings([meeting.pk]) == (0, 0)  # nothing new
    # Corrected to 请假: the deduction goes.
    with django_capture_on_commit_callbacks(execute=True):
        orglife_actions.record_attendance(meeting, {li.pk: "excused"}, actor=None)
    assert totals(li) == []


def test_planned_meetings_score_nothing(orgs, people, rule_set):
    meeting = orglife_actions.schedule_meeting(
        orgs["village"], actor=None, kind="party_lecture", topic="党课", held_on=date(2026, 12, 20)
    )
    assert accrual.accrue_meetings([meeting.pk]) == (0, 0)


def test_dues_on_time_late_and_unpaid(orgs, people, rule_set, django_capture_on_commit_callbacks):
    zhang = people["zhang"]
    dues_actions.set_profile(zhang, "salaried", Decimal("4000"), date(2026, 1, 1), actor=None)
    for m in (1, 2, 3):
        dues_actions.generate_bills(orgs["village"], date(2026, m, 1), actor=None)
    jan, feb, mar = (Bill.objects.get(member=zhang, month=date(2026, m, 1)) for m in (1, 2, 3))
    with django_capture_on_commit_callbacks(execute=True):
        dues_actions.record_payment([jan], actor=None, paid_on=date(2026, 1, 20), method="cash")
        dues_actions.record_payment([feb], actor=None, paid_on=date(2026, 3, 5), method="cash")
    assert totals(zhang) == [("dues_late", Decimal("-2.00")), ("dues_on_time", Decimal("0.50"))]
    result = accrual.recompute(orgs["county"], 2026, today=TODAY)
    assert result["created"] == 1  # March, still unpaid after its month: late
    assert accrual.recompute(orgs["county"], 2026, today=TODAY)["created"] == 0
    assert PointEntry.objects.get(source_id=str(mar.pk)).item.code == "dues_late"


def test_manual_entry_needs_evidence_and_another_approver(orgs, people, rule_set, clerk, approver):
    zhang = people["zhang"]
    item = rule_set.items.get(code="commendation")
    with pytest.raises(RuleViolation, match="证明材料"):
        actions.enter_points(zhang, item, actor=clerk, occurred_on=date(2026, 6, 1), evidence=" ")
    with pytest.raises(RuleViolation, match="自动计分"):
        actions.enter_points(zhang, rule_set.items.get(code="absent"), actor=clerk, occurred_on=date(2026, 6, 1),
                             evidence="x")  # fmt: skip
    entry = actions.enter_points(zhang, item, actor=clerk, occurred_on=date(2026, 6, 1), evidence="县委表彰文件")
    assert queries.member_score(zhang, 2026, TODAY).score == Decimal("60.00")  # not yet approved
    with pytest.raises(RuleViolation, match="登记人不能审核"):
        actions.review_entry(entry, actor=clerk, approve=True)
    actions.review_entry(entry, actor=approver, approve=True)
    assert queries.member_score(zhang, 2026, TODAY).score == Decimal("65.00")
    with pytest.raises(RuleViolation, match="不能重复审核"):
        actions.review_entry(entry, actor=approver, approve=False)
    with pytest.raises(OutOfScope):
        actions.enter_points(people["zhao"], item, actor=clerk, occurred_on=date(2026, 6, 1), evidence="x")


def test_caps_and_veto(orgs, people, rule_set, approver):
    zhang = people["zhang"]
    commendation = rule_set.items.get(code="commendation")  # +5, capped at 10 a year
    for day in (1, 2, 3):
        entry = actions.enter_points(zhang, commendation, actor=None, occurred_on=date(2026, 6, day), evidence="文件")
        actions.review_entry(entry, actor=approver, approve=True)
    assert queries.member_score(zhang, 2026, TODAY).score == Decimal("70.00")
    veto = actions.enter_points(zhang, rule_set.items.get(code="veto_crime"), actor=None,
                                occurred_on=date(2026, 7, 1), evidence="判决书")  # fmt: skip
    actions.review_entry(veto, actor=approver, approve=True)
    score = queries.member_score(zhang, 2026, TODAY)
    assert (score.score, score.vetoed) == (Decimal("0.00"), True)


def test_exclusion_and_ranking(orgs, people, rule_set, approver):
    wang = people["wang"]  # born 1958: 68 in 2026
    with pytest.raises(RuleViolation, match="70周岁"):
        actions.exclude_member(wang, actor=approver, year=2026, reason="elderly", decision_reference="支委会")
    actions.exclude_member(wang, actor=approver, year=2026, reason="bedridden", decision_reference="支委会")
    entry = actions.enter_points(people["zhang"], rule_set.items.get(code="volunteer"), actor=None,
                                 occurred_on=date(2026, 6, 1), evidence="志愿服务记录", quantity=2)  # fmt: skip
    actions.review_entry(entry, actor=approver, approve=True)
    rows = queries.scores(queries.members_in(orgs["town"], approver), 2026, TODAY)
    ranked = [(r.name, r.score, r.rank, r.stars) for r in rows if r.score is not None]
    assert ranked[0] == ("张三丰", Decimal("64.00"), 1, 2)
    assert [r.excluded for r in rows if r.name == "王建国"] == ["长期卧床"]
    branch = queries.scores(queries.members_in(orgs["village2"], approver, branch_only=True), 2026, TODAY)
    assert [r.name for r in branch] == ["王建国"]


def test_rule_change_that_rewrites_points_is_refused(orgs, people, rule_set, approver):
    item = rule_set.items.get(code="volunteer")
    actions.update_rule_set(rule_set, actor=None, expected_version=1, base_score=Decimal("70"))  # no points yet
    rule_set.refresh_from_db()
    entry = actions.enter_points(people["zhang"], item, actor=None, occurred_on=date(2026, 3, 1), evidence="记录")
    actions.review_entry(entry, actor=approver, approve=True)
    with pytest.raises(RuleViolation, match="新版本"):
        actions.update_rule_set(rule_set, actor=None, expected_version=rule_set.version, base_score=Decimal("60"))
    with pytest.raises(RuleViolation, match="新版本"):
        actions.save_item(rule_set, actor=None, item=item, code=item.code, label=item.label, source="volunteer",
                          points="5", cap=item.cap)  # fmt: skip
    new = actions.new_version(rule_set, actor=None, effective_from=date(2026, 7, 1), base_score=Decimal("60"))
    assert new.items.count() == rule_set.items.count()
    assert queries.member_score(people["zhang"], 2026, TODAY).score == Decimal("62.00")  # new base, old entry
    with pytest.raises(RuleViolation, match="晚于现行版本"):
        actions.new_version(new, actor=None, effective_from=date(2026, 7, 1))


def test_nearest_jurisdiction_wins(orgs, people, rule_set):
    actions.create_rule_set(orgs["town"], actor=None, template="base70", effective_from=date(2026, 1, 1))
    assert queries.member_score(people["zhang"], 2026, TODAY).score == Decimal("70.00")
    assert queries.member_score(people["zhao"], 2026, TODAY).score == Decimal("60.00")


def test_training_hook_is_idempotent(orgs, people, rule_set):
    zhang = people["zhang"]
    for _ in range(2):
        entry = hooks.feed(zhang, "training", source_type="training.record", source_id=7,
                           occurred_on=date(2026, 4, 1), quantity=8, evidence="县委党校轮训")  # fmt: skip
    assert entry.points == Decimal("2.00")
    assert PointEntry.objects.filter(member=zhang).count() == 1
    assert entry.status == EntryStatus.APPROVED
    assert hooks.withdraw("training.record", 7) == 1


def test_pioneer_post_duty_for_points(orgs, people, rule_set, approver):
    zhang = people["zhang"]
    post = actions.create_post(orgs["village"], actor=approver, kind="responsibility_zone", name="三组责任区",
                               started_on=date(2026, 3, 1))  # fmt: skip
    with pytest.raises(RuleViolation, match="不在本岗位"):
        actions.record_duty(post, zhang, actor=approver, occurred_on=date(2026, 5, 1), content="巡查")
    with pytest.raises(RuleViolation, match="本组织及所辖"):
        actions.assign_pioneer(post, people["wang"], actor=approver)
    actions.assign_pioneer(post, zhang, actor=approver, role="责任人")
    record = actions.record_duty(post, zhang, actor=None, occurred_on=date(2026, 5, 1), content="巡查河道",
                                 for_points=True)  # fmt: skip
    assert record.point_entry.item.code == "pioneer_duty"
    assert record.point_entry.status == EntryStatus.PENDING
    actions.review_entry(record.point_entry, actor=approver, approve=True)
    assert queries.member_score(zhang, 2026, TODAY).score == Decimal("62.00")

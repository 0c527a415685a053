"""The set-based accrual: meetings still count once submitted for review, rule-set versions apply from their
effective date without rewriting earlier points, the nearest jurisdiction's catalogue wins, a moved meeting
moves its entry, and recomputing twice changes nothing."""

from datetime import date
from decimal import Decimal

from dangjian.orglife import actions as orglife_actions
from dangjian.orglife.models import Meeting
from dangjian.points import accrual, actions
from dangjian.points.models import PointEntry

TODAY = date(2026, 11, 26)


def held(org, kind, day, entries):
    meeting = orglife_actions.schedule_meeting(org, actor=None, kind=kind, topic="学习", held_on=day)
    meeting = orglife_actions.record_meeting(meeting, actor=None)
    return orglife_actions.record_attendance(meeting, entries, actor=None)


def entries(member):
    return sorted(PointEntry.objects.filter(member=member).values_list("occurred_on", "item__rule_set_id", "points"))


def test_submitted_meetings_still_count(orgs, people, rule_set):
    zhang = people["zhang"]
    meeting = held(orgs["village"], "party_lecture", date(2026, 4, 2), {zhang.pk: "present"})
    orglife_actions.submit_meeting(Meeting.objects.get(pk=meeting.pk), actor=None)
    accrual.recompute(orgs["county"], 2026, today=TODAY)
    assert [p for *_, p in entries(zhang)] == [Decimal("1.00")]


def test_versions_apply_from_their_date_and_keep_earlier_points(orgs, people, rule_set):
    zhang = people["zhang"]
    held(orgs["village"], "party_lecture", date(2026, 5, 8), {zhang.pk: "present"})
    new = actions.new_version(rule_set, actor=None, effective_from=date(2026, 7, 1))
    item = new.items.get(code="attend_meeting")
    actions.save_item(new, actor=None, item=item, code=item.code, label=item.label, source="attendance", points="3",
                      cap=item.cap)  # fmt: skip
    held(orgs["village"], "party_lecture", date(2026, 8, 8), {zhang.pk: "present"})
    accrual.recompute(orgs["county"], 2026, today=TODAY)
    assert entries(zhang) == [(date(2026, 5, 8), rule_set.pk, Decimal("1.00")), (date(2026, 8, 8), new.pk,
                                                                                   Decimal("3.00"))]  # fmt: skip
    assert accrual.recompute(orgs["county"], 2026, today=TODAY)["created"] == 0


def test_nearest_jurisdiction_and_moved_meeting(orgs, people, rule_set):
    zhang, zhao = people["zhang"], people["zhao"]
    town_set = actions.create_rule_set(orgs["town"], actor=None, template="base70", effective_from=date(2026, 1, 1))
    meeting = held(orgs["village"], "theme_day", date(2026, 3, 3), {zhang.pk: "absent"})
    held(orgs["village3"], "theme_day", date(2026, 3, 3), {zhao.pk: "absent"})
    result = accrual.recompute(orgs["county"], 2026, today=TODAY)
    assert (result["created"], result["removed"]) == (3, 0)  # 李秀英 (柳树村, not listed) counts as absent too
    assert entries(zhang) == [(date(2026, 3, 3), town_set.pk, Decimal("-2.00"))]
    assert [rs for _, rs, _ in entries(zhao)] == ([town_set.pk] if zhao.org.path.startswith(orgs["town"].path)
                                                  else [rule_set.pk])  # fmt: skip
    Meeting.objects.filter(pk=meeting.pk).update(held_on=date(2026, 3, 10))
    result = accrual.recompute(orgs["county"], 2026, today=TODAY)
    assert (result["created"], result["removed"]) == (2, 2)
    assert entries(zhang) == [(date(2026, 3, 10), town_set.pk, Decimal("-2.00"))]

"""The emitters points depends on keep publishing their domain events (core.events), and points listens to
each of them: a test here fails when orglife or dues stops announcing, or when points stops subscribing.
Accrual no longer depends on audit event names."""

from datetime import date
from decimal import Decimal

import pytest

from dangjian.core import events
from dangjian.dues import actions as dues_actions
from dangjian.dues.models import Bill
from dangjian.orglife import actions as orglife_actions
from dangjian.points import hooks
from dangjian.points.models import PointEntry


@pytest.fixture
def published(monkeypatch):
    """Every event published during the test: (name, payload), recorded at the call."""
    got = []
    real = events.publish

    def spy(name, **payload):
        got.append((name, payload))
        real(name, **payload)

    monkeypatch.setattr(events, "publish", spy)
    return got


def names(published):
    return [n for n, _ in published]


def test_points_subscribes_to_every_event_it_scores():
    for name in (events.ATTENDANCE_RECORDED, events.MEETING_RECORDED, events.BILLS_SETTLED,
                 events.TRAINING_RECORDED, events.VOLUNTEER_RECORDED):  # fmt: skip
        assert any(h.__module__ == hooks.__name__ for h in events.subscribers(name)), name


def test_orglife_publishes_meeting_and_attendance(orgs, people, published):
    zhang = people["zhang"]
    meeting = orglife_actions.schedule_meeting(orgs["village"], actor=None, kind="theme_day", topic="学习",
                                               held_on=date(2026, 5, 8))  # fmt: skip
    meeting = orglife_actions.record_meeting(meeting, actor=None)
    assert published[-1] == (events.MEETING_RECORDED, {"meeting_ids": [meeting.pk]})
    orglife_actions.record_attendance(meeting, {zhang.pk: "present"}, actor=None)
    assert published[-1] == (events.ATTENDANCE_RECORDED, {"meeting_ids": [meeting.pk]})


def test_qr_sign_in_publishes_attendance(orgs, people, personas, published):
    """A member's own QR sign-in changes the attendance sheet like the secretary's record does."""
    from django.utils import timezone

    meeting = orglife_actions.schedule_meeting(orgs["village"], actor=None, kind="theme_day", topic="学习",
                                               held_on=timezone.localdate())  # fmt: skip
    orglife_actions.link_member_account(personas["party_member"], people["zhang"], actor=None)
    token = orglife_actions.issue_sign_in_token(meeting, actor=None)
    orglife_actions.sign_in(token, user=personas["party_member"])
    assert published[-1] == (events.ATTENDANCE_RECORDED, {"meeting_ids": [meeting.pk]})


def test_dues_publishes_settled_bills(orgs, people, published):
    zhang = people["zhang"]
    dues_actions.set_profile(zhang, "salaried", Decimal("4000"), date(2026, 1, 1), actor=None)
    for m in (1, 2):
        dues_actions.generate_bills(orgs["village"], date(2026, m, 1), actor=None)
    jan, feb = (Bill.objects.get(member=zhang, month=date(2026, m, 1)) for m in (1, 2))
    dues_actions.record_payment([jan], actor=None, paid_on=date(2026, 1, 20), method="cash")
    assert published[-1] == (events.BILLS_SETTLED, {"bill_ids": [jan.pk]})
    dues_actions.waive_bills([feb], actor=None, reference="县委〔2026〕1号")
    assert published[-1] == (events.BILLS_SETTLED, {"bill_ids": [feb.pk]})


def test_hardship_approval_publishes_the_bills_it_changed(orgs, people, published):
    zhang = people["zhang"]
    dues_actions.set_profile(zhang, "salaried", Decimal("4000"), date(2026, 1, 1), actor=None)
    dues_actions.generate_bills(orgs["village"], date(2026, 2, 1), actor=None)
    app = dues_actions.apply_hardship(zhang, actor=None, kind="exempt", first_month=date(2026, 2, 1),
                                      last_month=date(2026, 3, 1), reason="因病")  # fmt: skip
    app = dues_actions.decide_hardship(app, actor=None, agree=True, decision="支委会")
    dues_actions.approve_hardship(app, actor=None, approve=True, reference="县委〔2026〕2号")
    feb = Bill.objects.get(member=zhang, month=date(2026, 2, 1))
    assert published[-1] == (events.BILLS_SETTLED, {"bill_ids": [feb.pk]})


def test_volunteer_service_published_by_another_module_accrues(orgs, people, rule_set,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    zhang = people["zhang"]
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.VOLUNTEER_RECORDED, member_id=zhang.pk, source_id=31, occurred_on=date(2026, 6, 1),
                       hours=2)  # fmt: skip
    entry = PointEntry.objects.get(member=zhang, source_type="volunteer.record", source_id="31")
    assert entry.quantity == Decimal("2")

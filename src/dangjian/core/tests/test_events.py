"""core.events: a declared catalogue of domain events, delivered after commit, never on rollback, a failing
handler logged without hurting the others or the action."""

import pytest
from django.db import transaction

from dangjian.core import events


@pytest.fixture
def heard():
    got = []

    def handler(**payload):
        got.append(payload)

    events.subscribe(events.VOLUNTEER_RECORDED, handler)
    yield got
    events.unsubscribe(events.VOLUNTEER_RECORDED, handler)


def test_undeclared_names_are_refused():
    with pytest.raises(events.UnknownEvent):
        events.publish("meeting.attendance", meeting_ids=[1])  # an audit action name is not a domain event
    with pytest.raises(events.UnknownEvent):
        events.subscribe("dues.payment.record", lambda **kw: None)


@pytest.mark.django_db(transaction=True)
def test_delivered_after_commit_only(heard):
    with transaction.atomic():
        events.publish(events.VOLUNTEER_RECORDED, member_id=1, source_id=2, occurred_on=None, hours=3)
        assert heard == []  # not before the commit
    assert heard == [{"member_id": 1, "source_id": 2, "occurred_on": None, "hours": 3}]

    def rolled_back():
        with transaction.atomic():
            events.publish(events.VOLUNTEER_RECORDED, member_id=9, source_id=9, occurred_on=None)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        rolled_back()
    assert len(heard) == 1  # a rolled-back action announces nothing


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_is_logged_and_the_others_still_run(heard, caplog):
    def broken(**payload):
        raise ValueError("boom")

    events.subscribe(events.VOLUNTEER_RECORDED, broken)
    try:
        with transaction.atomic():
            events.publish(events.VOLUNTEER_RECORDED, member_id=1, source_id=1, occurred_on=None)
    finally:
        events.unsubscribe(events.VOLUNTEER_RECORDED, broken)
    assert len(heard) == 1
    assert "failed" in caplog.text

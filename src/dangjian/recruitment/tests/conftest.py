"""Fixtures of the recruitment tests: a fixed today (time-machine), a second full member in 柳树村 to serve
as introducer, and `drive(case, until)`, which takes a case through the real actions step by step."""

from datetime import date

import pytest
import time_machine

from dangjian.recruitment import actions, rules

TODAY = date(2029, 1, 15)
VOTE = {"due": 10, "present": 8, "written": 0, "in_favour": 7, "against": 1, "abstain": 0}
DOCS = list(rules.DOCUMENTS)


@pytest.fixture(autouse=True)
def fixed_today():
    with time_machine.travel(date(2029, 1, 15), tick=False):
        yield


@pytest.fixture
def helper(people, orgs):
    """A second full member of 柳树村 (mentor and introducer with 张三丰)."""
    from dangjian.members import actions as member_actions

    return member_actions.add_member(
        orgs["village"],
        actor=None,
        name="刘志强",
        sex="male",
        birth_date=date(1975, 4, 2),
        stage="full",
        joined_on=date(2000, 7, 1),
        full_on=date(2001, 7, 1),
    )


def plan(people, helper):
    full = [people["zhang"].pk, helper.pk]
    return [
        ("talk", "step", {"event": "talk", "on": date(2026, 6, 10)}),
        (
            "confirm_activist",
            "step",
            {"event": "confirm_activist", "on": date(2026, 7, 31), "recommended_by": "members"},
        ),
        ("file_activist", "step", {"event": "file_activist", "on": date(2026, 8, 1)}),
        ("filed", "decide", {"queue": "filing", "on": date(2026, 8, 5)}),
        ("assign_mentors", "step", {"event": "assign_mentors", "on": date(2026, 8, 6), "people": full[:1]}),
        ("propose_candidate", "step", {"event": "propose_candidate", "on": date(2027, 8, 5)}),
        ("consent", "decide", {"queue": "consent", "on": date(2027, 8, 10)}),
        (
            "publish_notice",
            "step",
            {"event": "publish_notice", "on": date(2027, 8, 16), "notice_end": date(2027, 8, 20)},
        ),
        ("confirm_candidate", "step", {"event": "confirm_candidate", "on": date(2027, 8, 23)}),
        ("assign_introducers", "step", {"event": "assign_introducers", "on": date(2027, 8, 24), "people": full}),
        ("political_review", "step", {"event": "political_review", "on": date(2027, 9, 20), "passed": True}),
        ("training", "step", {"event": "training", "on": date(2027, 9, 25), "days": 3}),
        ("committee_review", "step", {"event": "committee_review", "on": date(2027, 10, 8)}),
        ("request_prereview", "step", {"event": "request_prereview", "on": date(2027, 10, 9)}),
        ("prereview", "decide", {"queue": "prereview", "on": date(2027, 10, 20)}),
        ("fill_form", "step", {"event": "fill_form", "on": date(2027, 10, 25)}),
        ("assembly", "step", {"event": "assembly", "on": date(2027, 11, 10), "vote": VOTE}),
        ("upper_talk", "step", {"event": "upper_talk", "on": date(2027, 11, 20)}),
        ("approval", "decide", {"queue": "approval", "on": date(2028, 1, 5)}),
        ("oath", "step", {"event": "oath", "on": date(2028, 1, 20)}),
        ("conversion_application", "step", {"event": "conversion_application", "on": date(2028, 11, 1)}),
        (
            "conversion_meeting",
            "step",
            {"event": "conversion_meeting", "on": date(2028, 11, 15), "outcome": "convert", "vote": VOTE},
        ),
        ("full", "decide", {"queue": "conversion", "on": date(2028, 12, 1)}),
    ]


@pytest.fixture
def drive(people, helper, personas):
    """drive(case, until="full", actor=…, approver=…) → the case after the named step."""

    def run(case, until="full", actor=None, approver=None):
        actor = actor or personas["village_secretary"]
        approver = approver or personas["town_secretary"]
        for name, kind, args in plan(people, helper):
            args = dict(args)
            if kind == "step":
                event = args.pop("event")
                case = actions.record_step(case, event, actor=actor, documents=DOCS, **args)
            else:
                case = actions.decide(case, args.pop("queue"), actor=approver, approve=True, **args)
            if name == until:
                return case
        raise AssertionError(until)

    return run


@pytest.fixture
def applicant(orgs, personas):
    """A new applicant of 柳树村 whose case started on 2026-06-01."""
    return actions.start_new_applicant(
        orgs["village"],
        actor=personas["village_secretary"],
        on=date(2026, 6, 1),
        documents=["application_letter"],
        name="陈小军",
        sex="male",
        birth_date=date(2000, 5, 4),
    )

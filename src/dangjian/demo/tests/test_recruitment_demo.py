"""The demo recruitment pipeline (demo/recruitment.py) on the canonical test tree: about 2% of the members'
number as cases of applicants, activists and candidates at varied steps, some overdue, a planted rule
violation, probationary members' cases with some due for conversion within the next month."""

from datetime import date, timedelta

import pytest
import time_machine

from dangjian.demo import recruitment as demo
from dangjian.members import actions as member_actions
from dangjian.recruitment import rules
from dangjian.recruitment.models import RecruitmentCase

TODAY = date(2029, 1, 15)


@pytest.fixture(autouse=True)
def fixed_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def roster(orgs):
    n = 0
    for key in ("village", "village2"):
        for i in range(40):
            member_actions.add_member(orgs[key], actor=None, name=f"党员{key}{i}", sex="male",
                                      birth_date=date(1970, 1, 1), stage="full", joined_on=date(2000, 1, 1),
                                      full_on=date(2001, 1, 1))  # fmt: skip
            n += 1
        for i, stage in enumerate(["applicant", "activist", "candidate"] * 30):
            member_actions.add_member(orgs[key], actor=None, name=f"申请{key}{i}", sex="female",
                                      birth_date=date(1998, 1, 1), stage=stage)  # fmt: skip
        for i in range(8):
            joined = TODAY - timedelta(days=340 + 3 * i)  # probation ends 25 days ahead and later
            member_actions.add_member(orgs[key], actor=None, name=f"预备{key}{i}", sex="male",
                                      birth_date=date(1995, 1, 1), stage="probationary", joined_on=joined)  # fmt: skip
    return n


def test_demo_pipeline(orgs, monkeypatch):
    members = roster(orgs) + 16
    monkeypatch.setattr(demo, "SHARE", 0.5)  # enough cases on a small tree for every kind to show
    written = demo.generate_recruitment(TODAY, seed=11)
    cases = list(RecruitmentCase.objects.all())
    assert written == len(cases) > 40
    pipeline = [c for c in cases if c.state in ("applicant", "activist", "candidate", "accepted")]
    assert len(pipeline) <= round(members * 0.5)
    assert {"applicant", "activist", "candidate"} <= {c.state for c in pipeline}
    assert len({c.next_rule for c in pipeline}) >= 3  # stopped at varied steps
    assert any(c.is_open and c.next_due and c.next_due < TODAY for c in cases)  # some overdue
    assert any(c.has_violation for c in cases)  # planted violations of old records
    probation = [c for c in cases if c.state == "probationary"]
    assert any(TODAY <= rules.probation_end(c.as_rules_dict()) <= TODAY + timedelta(days=31) for c in probation)
    from dangjian.recruitment.models import LocalOption

    assert LocalOption.objects.filter(code="DEV-P8", org=orgs["county"], effective_from=date(2029, 1, 1)).exists()
    assert demo.generate_recruitment(TODAY) == 0  # idempotent


def test_demo_share_is_two_percent():
    assert demo.SHARE == 0.02

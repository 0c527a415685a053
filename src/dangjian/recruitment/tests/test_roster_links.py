"""Where recruitment meets the roster: introducers checked against the roster's recorded sanctions (DEV-09),
case transfers that keep the roster placement in step (REL-01/02), and local options DEV-P2/P5/P6 through the
real actions."""

from datetime import date

import pytest

from dangjian.core.errors import RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members import records
from dangjian.members import transfer_actions as transfers
from dangjian.members.models import Member, Placement
from dangjian.recruitment import actions
from dangjian.recruitment.models import CaseStep, RecruitmentCase, Vote
from dangjian.recruitment.tests.conftest import DOCS, VOTE


def snapshot():
    return (
        list(RecruitmentCase.objects.order_by("pk").values_list("pk", "state", "org_id", "version")),
        CaseStep.objects.count(),
        list(Member.objects.order_by("pk").values_list("pk", "org_id", "stage")),
        Placement.objects.count(),
    )


def test_introducer_with_a_recorded_warning_is_refused_DEV_09(applicant, drive, people, helper, personas):
    case = drive(applicant, "confirm_candidate")
    records.add_record(helper, "reward", actor=None, kind="punishment", title="党内警告", on=date(2027, 3, 1))
    before = snapshot()
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(
            case,
            "assign_introducers",
            actor=personas["village_secretary"],
            on=date(2027, 8, 24),
            people=[people["zhang"].pk, helper.pk],
        )
    assert caught.value.rule_id == "DEV-09"
    assert "名册记载" in caught.value.message
    assert "不宜担任入党介绍人" in caught.value.message
    assert snapshot() == before


def test_introducer_under_recorded_probation_is_refused_even_if_declared_clean(
    applicant, drive, people, helper, personas
):
    case = drive(applicant, "confirm_candidate")
    records.add_record(helper, "reward", actor=None, kind="punishment", title="留党察看二年", on=date(2026, 9, 1))
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(
            case,
            "assign_introducers",
            actor=personas["village_secretary"],
            on=date(2027, 8, 24),
            people=[people["zhang"].pk, helper.pk],
            sanctions={},
        )
    assert "留党察看" in caught.value.message


def test_a_sanction_past_its_period_and_a_reward_do_not_bar(applicant, drive, people, helper, personas):
    case = drive(applicant, "confirm_candidate")
    records.add_record(helper, "reward", actor=None, kind="punishment", title="党内警告", on=date(2026, 1, 1))
    records.add_record(helper, "reward", actor=None, kind="reward", title="优秀共产党员", on=date(2027, 7, 1))
    case = actions.record_step(
        case,
        "assign_introducers",
        actor=personas["village_secretary"],
        on=date(2027, 8, 24),
        people=[people["zhang"].pk, helper.pk],
    )
    assert case.introducer_count == 2


def test_sanction_periods_come_from_settings(applicant, drive, people, helper, personas, settings):
    settings.RECRUITMENT_SANCTION_MONTHS = {"warning": 3}
    case = drive(applicant, "confirm_candidate")
    records.add_record(helper, "reward", actor=None, kind="punishment", title="党内警告", on=date(2027, 3, 1))
    case = actions.record_step(
        case,
        "assign_introducers",
        actor=personas["village_secretary"],
        on=date(2027, 8, 24),
        people=[people["zhang"].pk, helper.pk],
    )
    assert case.introducer_count == 2


def test_transfer_of_an_activist_moves_the_roster_placement_too(applicant, drive, orgs, personas):
    case = drive(applicant, "assign_mentors")
    training = case.training_days
    moved = actions.transfer_case(case, orgs["village2"], actor=personas["town_secretary"], on=date(2026, 9, 1))
    member = Member.objects.get(pk=case.member_id)
    assert member.org_id == moved.org_id == orgs["village2"].pk
    assert Placement.objects.get(member=member, valid_to__isnull=True).valid_from == date(2026, 9, 1)
    assert moved.activist_date == date(2026, 7, 31)  # cultivation time carries on
    assert moved.training_days == training
    assert moved.steps.filter(event="transfer").count() == 1  # one step, not a second one from the roster hook
    assert AuditEvent.objects.filter(action="member.place").exists()


def test_transfer_of_a_probationary_member_is_refused_and_redirected_to_the_roster_transfer(
    applicant, drive, orgs, personas
):
    case = drive(applicant, "oath")
    before = snapshot()
    with pytest.raises(RuleViolation) as caught:
        actions.transfer_case(case, orgs["village2"], actor=personas["town_secretary"], on=date(2028, 2, 1))
    assert caught.value.rule_id == "REL-02"
    assert "组织关系转接" in caught.value.message
    assert snapshot() == before


def test_the_case_follows_an_accepted_roster_transfer_with_its_history(applicant, drive, orgs, personas):
    case = drive(applicant, "oath")
    steps = case.steps.count()
    member = Member.objects.get(pk=case.member_id)
    letter = transfers.start_transfer(
        member, actor=personas["town_secretary"], to_org=orgs["village2"], reason="工作调动", issued_on=date(2028, 2, 1)
    )
    transfers.accept_transfer(letter, actor=personas["town_secretary"], on=date(2028, 2, 5))
    case = RecruitmentCase.objects.get(pk=case.pk)
    assert case.org_id == orgs["village2"].pk
    assert case.state == "probationary"
    assert case.acceptance_date == date(2027, 11, 10)  # the probation runs on from the same date
    assert case.steps.count() == steps + 1
    assert case.steps.get(event="transfer").data["follow"] is True
    assert AuditEvent.objects.filter(action="recruitment.transfer.follow").exists()


def test_DEV_P5_through_the_actions(applicant, drive, orgs, personas):
    actions.set_local_option(
        orgs["county"], "DEV-P5", 3, actor=personas["county_admin"], effective_from=date(2026, 1, 1)
    )
    case = drive(applicant, "upper_talk")
    with pytest.raises(RuleViolation) as caught:
        actions.decide(case, "approval", actor=personas["town_secretary"], approve=True, on=date(2028, 3, 1))
    assert caught.value.rule_id == "DEV-P5"
    case = RecruitmentCase.objects.get(pk=case.pk)
    assert case.next_rule == "DEV-P5"
    case = actions.record_step(case, "revote", actor=personas["village_secretary"], on=date(2028, 2, 20), vote=VOTE)
    assert Vote.objects.filter(step__event="revote", passed=True).count() == 1
    case = actions.decide(case, "approval", actor=personas["town_secretary"], approve=True, on=date(2028, 3, 1))
    assert case.state == "probationary"


def test_DEV_P6_extra_notice_and_DEV_P2_reminder_through_the_actions(applicant, orgs, personas):
    actions.set_local_option(
        orgs["county"], "DEV-P6X", 5, actor=personas["county_admin"], effective_from=date(2026, 1, 1)
    )
    actions.set_local_option(
        orgs["county"], "DEV-P2", 3, actor=personas["county_admin"], effective_from=date(2026, 1, 1)
    )
    secretary = personas["village_secretary"]
    case = actions.record_step(applicant, "talk", actor=secretary, on=date(2026, 6, 10), documents=DOCS)
    from dangjian.recruitment import queries

    assert queries.next_actions(case, date(2026, 6, 11))[0][0] == "activist_notice"
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(case, "confirm_activist", actor=secretary, on=date(2026, 7, 1), recommended_by="members")
    assert caught.value.rule_id == "DEV-P6"
    case = actions.record_step(
        case, "activist_notice", actor=secretary, on=date(2026, 6, 15), notice_end=date(2026, 6, 19)
    )
    case = actions.record_step(case, "confirm_activist", actor=secretary, on=date(2026, 7, 1), recommended_by="members")
    assert case.state == "activist"
    assert (case.next_rule, case.next_due) == ("DEV-P2", date(2026, 10, 1))
    case = actions.record_step(case, "thought_report", actor=secretary, on=date(2026, 9, 30), documents=DOCS)
    assert case.next_due == date(2026, 12, 30)


@pytest.mark.parametrize(
    ("code", "value", "rule"),
    [("DEV-P6X", 3, "DEV-P6"), ("DEV-P5", 6, "DEV-P5"), ("DEV-P6", 4, "DEV-P6"), ("DEV-P2", 25, "DEV-P2")],
)
def test_local_option_bounds(orgs, personas, code, value, rule):
    from dangjian.recruitment.models import LocalOption

    with pytest.raises(RuleViolation) as caught:
        actions.set_local_option(orgs["county"], code, value, actor=personas["county_admin"],
                                 effective_from=date(2026, 1, 1))  # fmt: skip
    assert caught.value.rule_id == rule
    assert not LocalOption.objects.exists()


def test_a_transfer_out_of_the_system_closes_the_case_as_transferred_out(applicant, drive, personas):
    case = drive(applicant, "oath")
    member = Member.objects.get(pk=case.member_id)
    letter = transfers.start_transfer(
        member,
        actor=personas["town_secretary"],
        to_org_name="外省某党支部",
        reason="工作调动",
        issued_on=date(2028, 2, 1),
    )
    transfers.confirm_external_receipt(letter, actor=personas["town_secretary"], on=date(2028, 2, 20))
    case = RecruitmentCase.objects.get(pk=case.pk)
    assert case.state == "transferred_out"
    assert not case.is_open
    assert case.closed_date == date(2028, 2, 20)
    assert case.steps.filter(event="transfer_out").count() == 1

"""Recruitment actions: the whole way through the real actions, the roster changes, the refusals (rule id,
nothing written), scope and the audit trail."""

from datetime import date

import pytest

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.recruitment import actions
from dangjian.recruitment.models import CasePerson, CaseStep, Decision, RecruitmentCase, Vote
from dangjian.recruitment.tests.conftest import DOCS, VOTE


def state():
    return (
        list(RecruitmentCase.objects.order_by("pk").values_list("pk", "state", "awaiting", "version")),
        CaseStep.objects.count(),
        Vote.objects.count(),
        CasePerson.objects.count(),
        Decision.objects.count(),
        list(Member.objects.order_by("pk").values_list("pk", "stage", "joined_on", "full_on")),
        AuditEvent.objects.count(),
    )


def test_new_applicant_is_on_the_roster_as_applicant(applicant):
    assert applicant.state == "applicant"
    assert applicant.member.stage == "applicant"
    assert applicant.rule_version == "2026"
    assert applicant.next_rule == "TALK_LATE"
    assert applicant.next_due == date(2026, 7, 1)
    assert AuditEvent.objects.filter(action="recruitment.start").count() == 1


def test_admission_makes_a_probationary_member(applicant, drive):
    case = drive(applicant, "approval")
    member = Member.objects.get(pk=case.member_id)
    assert member.stage == "probationary"
    assert member.joined_on == date(2027, 11, 10)  # MEM-09: the assembly's date
    assert case.approving_org.name == "中共东山镇委员会"


def test_full_way_to_full_member(applicant, drive):
    case = drive(applicant, "full")
    member = Member.objects.get(pk=case.member_id)
    assert case.state == "full"
    assert case.conversion_date == date(2028, 11, 10)
    assert member.stage == "full"
    assert member.full_on == date(2028, 11, 10)  # MEM-10: the probation end, not the approval date
    assert not case.is_open
    assert case.violations == []
    assert Vote.objects.filter(case=case).count() == 2
    assert CasePerson.objects.filter(case=case, role="introducer").count() == 2
    assert AuditEvent.objects.filter(action__startswith="recruitment.").count() == case.steps.count()


def test_probationary_introducer_is_refused_and_nothing_changes(applicant, drive, people, personas):
    case = drive(applicant, "confirm_candidate")
    before = state()
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(
            case,
            "assign_introducers",
            actor=personas["village_secretary"],
            on=date(2027, 8, 24),
            people=[people["zhang"].pk, people["li"].pk],
        )
    assert caught.value.rule_id == "DEV-09"
    assert "不是正式党员" in caught.value.message
    assert state() == before


def test_introducer_under_sanction_is_refused(applicant, drive, people, helper, personas):
    case = drive(applicant, "confirm_candidate")
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(
            case,
            "assign_introducers",
            actor=personas["village_secretary"],
            on=date(2027, 8, 24),
            people=[people["zhang"].pk, helper.pk],
            sanctions={helper.pk: "probation"},
        )
    assert caught.value.rule_id == "DEV-09"


def test_vote_below_quorum_is_refused(applicant, drive, personas):
    case = drive(applicant, "fill_form")
    before = state()
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(
            case,
            "assembly",
            actor=personas["village_secretary"],
            on=date(2027, 11, 10),
            vote={**VOTE, "present": 5, "in_favour": 5, "against": 0},
        )
    assert caught.value.rule_id == "DEV-15"
    assert state() == before


def test_step_out_of_order_is_refused(applicant, personas):
    before = state()
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(applicant, "assembly", actor=personas["village_secretary"], on=date(2026, 7, 1), vote=VOTE)
    assert caught.value.rule_id == "DEV-15"
    assert state() == before


def test_missing_document_is_refused(applicant, personas):
    before = state()
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(applicant, "talk", actor=personas["village_secretary"], on=date(2026, 6, 10))
    assert caught.value.rule_id == "DEV-02"
    assert "谈话记录" in caught.value.message
    assert state() == before


def test_prereview_by_a_general_branch_is_refused_RUR_12(orgs, personas, drive, people, helper):
    from dangjian.members import actions as member_actions

    person = member_actions.add_member(
        orgs["general_1"], actor=None, name="孙丽", sex="female", birth_date=date(1999, 1, 1), stage="applicant"
    )
    case = actions.start_case(person, actor=personas["town_secretary"], on=date(2026, 6, 1), documents=DOCS)
    assert actions.approving_org(orgs["general_1"]) == orgs["town"]
    case = actions.record_step(case, "talk", actor=personas["town_secretary"], on=date(2026, 6, 10), documents=DOCS)
    case = actions.record_step(
        case, "confirm_activist", actor=personas["town_secretary"], on=date(2026, 7, 1), recommended_by="members"
    )
    case = actions.record_step(case, "file_activist", actor=personas["town_secretary"], on=date(2026, 7, 2))
    before = state()
    with pytest.raises(RuleViolation) as caught:
        actions.decide(
            case,
            "prereview",
            actor=personas["town_secretary"],
            approve=True,
            on=date(2026, 7, 3),
            by_org=orgs["general"],
        )
    assert caught.value.rule_id == "RUR-12"
    assert state() == before


def test_decision_by_an_org_not_above_the_case_and_who_may_approve(orgs, personas, applicant, drive):
    case = drive(applicant, "upper_talk")
    with pytest.raises(RuleViolation):
        actions.decide(
            case, "approval", actor=personas["county_admin"], approve=True, on=date(2027, 12, 1), by_org=orgs["general"]
        )
    assert not actions.org_may_approve(orgs["general"])
    assert not actions.org_may_approve(orgs["village"])
    assert actions.org_may_approve(orgs["town"])
    assert actions.org_may_approve(orgs["organs"])


def test_branch_secretary_cannot_decide(applicant, personas, drive):
    case = drive(applicant, "file_activist")
    with pytest.raises(OutOfScope):
        actions.decide(case, "filing", actor=personas["village_secretary"], approve=True, on=date(2026, 8, 5))


def test_out_of_scope_actor_is_refused(people, orgs, personas):
    from dangjian.members import actions as member_actions

    person = member_actions.add_member(
        orgs["village3"], actor=None, name="钱多", sex="male", birth_date=date(1999, 1, 1), stage="applicant"
    )
    before = state()
    with pytest.raises(OutOfScope):
        actions.start_case(person, actor=personas["town_secretary"], on=date(2026, 6, 1), documents=DOCS)
    assert state() == before


def test_a_member_cannot_apply_again(people, personas):
    with pytest.raises(RuleViolation) as caught:
        actions.start_case(people["zhang"], actor=personas["village_secretary"], on=date(2026, 6, 1), documents=DOCS)
    assert caught.value.rule_id == "DEV-01"


def test_return_with_reason_and_not_approved(applicant, drive, personas):
    case = drive(applicant, "upper_talk")
    case = actions.decide(
        case, "approval", actor=personas["town_secretary"], approve=False, on=date(2027, 12, 1), reason="政审材料不完整"
    )
    assert case.state == "not_approved"
    assert Decision.objects.get(case=case, queue="approval").reason == "政审材料不完整"
    assert Member.objects.get(pk=case.member_id).stage == "applicant"


def test_cancellation_takes_the_person_off_the_member_categories(applicant, drive, personas):
    case = drive(applicant, "oath")
    case = actions.record_step(
        case,
        "conversion_meeting",
        actor=personas["village_secretary"],
        on=date(2028, 3, 1),
        outcome="cancel",
        vote=VOTE,
    )
    case = actions.decide(case, "conversion", actor=personas["town_secretary"], approve=True, on=date(2028, 3, 10))
    assert case.state == "cancelled"
    assert Member.objects.get(pk=case.member_id).stage == "applicant"


def test_extension_then_conversion(applicant, drive, personas):
    case = drive(applicant, "conversion_application")
    case = actions.record_step(
        case,
        "conversion_meeting",
        actor=personas["village_secretary"],
        on=date(2028, 11, 15),
        outcome="extend",
        months=6,
        vote=VOTE,
    )
    case = actions.decide(case, "conversion", actor=personas["town_secretary"], approve=True, on=date(2028, 11, 20))
    assert case.state == "extended"
    assert case.probation_end == date(2029, 5, 10)
    assert Member.objects.get(pk=case.member_id).stage == "probationary"


def test_transfer_keeps_history_and_training(applicant, drive, orgs, personas):
    case = drive(applicant, "assign_mentors")
    steps = case.steps.count()
    moved = actions.transfer_case(case, orgs["village2"], actor=personas["town_secretary"], on=date(2026, 9, 1))
    assert moved.org == orgs["village2"]
    assert moved.activist_date == date(2026, 7, 31)
    assert moved.steps.count() == steps + 1


def test_local_option_applies_to_the_subtree_from_its_date(applicant, orgs, personas):
    actions.set_local_option(
        orgs["county"], "DEV-P1", 6, actor=personas["county_admin"], effective_from=date(2026, 1, 1)
    )
    actions.record_step(applicant, "talk", actor=personas["village_secretary"], on=date(2026, 6, 10), documents=DOCS)
    case = RecruitmentCase.objects.get(pk=applicant.pk)
    with pytest.raises(RuleViolation) as caught:
        actions.record_step(
            case, "confirm_activist", actor=personas["village_secretary"], on=date(2026, 8, 1), recommended_by="members"
        )
    assert caught.value.rule_id == "DEV-P1"
    with pytest.raises(OutOfScope):
        actions.set_local_option(
            orgs["village"], "DEV-P1", 3, actor=personas["village_secretary"], effective_from=date(2026, 1, 1)
        )


def test_stale_version_is_a_concurrent_edit(applicant, personas):
    from dangjian.core.errors import ConcurrentEdit

    with pytest.raises(ConcurrentEdit):
        actions.record_step(
            applicant,
            "talk",
            actor=personas["village_secretary"],
            on=date(2026, 6, 10),
            documents=DOCS,
            expected_version=99,
        )

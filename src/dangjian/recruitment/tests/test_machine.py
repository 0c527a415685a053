"""The recruitment state machine (rules.md §4.2–4.5) as pure rules: table-driven refusals with rule ids, the
happy path to full membership, local options, working days, approval authority (RUR-12), and a hypothesis
property test: no sequence of allowed events reaches an invalid case."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.recruitment import rules
from dangjian.recruitment.rules import Refused, advance

TODAY = date(2030, 1, 1)
FULL = {"name": "甲", "stage": "full", "status": "normal", "sanction": ""}
VOTE = {"due": 10, "present": 8, "written": 0, "in_favour": 7, "against": 1, "abstain": 0}
ALL_DOCS = list(rules.DOCUMENTS)


def step(case, event, on, **data):
    return advance(case, event, {"on": on, "documents": ALL_DOCS, **data}, today=TODAY)


def decide(case, queue, on, approve=True, **data):
    return advance(
        case, "decide", {"on": on, "queue": queue, "approve": approve, "approver_ok": True, **data}, today=TODAY
    )


def walk(until="full", start=date(2026, 6, 1)):
    """A clean 2026 case, step by step; stops after the event named `until`."""
    d = start
    case = {"birth_date": date(2000, 1, 1)}
    plan = [
        ("apply", lambda c: step(c, "apply", d)),
        ("talk", lambda c: step(c, "talk", d + timedelta(days=10))),
        ("confirm_activist", lambda c: step(c, "confirm_activist", d + timedelta(days=60), recommended_by="members")),
        ("file_activist", lambda c: step(c, "file_activist", d + timedelta(days=61))),
        ("filed", lambda c: decide(c, "filing", d + timedelta(days=65))),
        ("assign_mentors", lambda c: step(c, "assign_mentors", d + timedelta(days=66), people=[FULL])),
        ("assess", lambda c: step(c, "assess", d + timedelta(days=200))),
        ("propose_candidate", lambda c: step(c, "propose_candidate", d + timedelta(days=430))),
        ("consent", lambda c: decide(c, "consent", d + timedelta(days=435))),
        ("publish_notice", lambda c: step(c, "publish_notice", date(2027, 8, 16), notice_end=date(2027, 8, 20))),
        ("confirm_candidate", lambda c: step(c, "confirm_candidate", date(2027, 8, 23))),
        ("assign_introducers", lambda c: step(c, "assign_introducers", date(2027, 8, 24), people=[FULL, FULL])),
        ("political_review", lambda c: step(c, "political_review", date(2027, 9, 20), passed=True)),
        ("training", lambda c: step(c, "training", date(2027, 9, 25), days=3)),
        ("committee_review", lambda c: step(c, "committee_review", date(2027, 10, 8))),
        ("request_prereview", lambda c: step(c, "request_prereview", date(2027, 10, 9))),
        ("prereview", lambda c: decide(c, "prereview", date(2027, 10, 20))),
        ("fill_form", lambda c: step(c, "fill_form", date(2027, 10, 25))),
        ("assembly", lambda c: step(c, "assembly", date(2027, 11, 10), vote=VOTE)),
        ("upper_talk", lambda c: step(c, "upper_talk", date(2027, 11, 20))),
        ("approval", lambda c: decide(c, "approval", date(2028, 1, 5))),
        ("oath", lambda c: step(c, "oath", date(2028, 1, 20))),
        ("conversion_application", lambda c: step(c, "conversion_application", date(2028, 11, 1))),
        (
            "conversion_meeting",
            lambda c: step(c, "conversion_meeting", date(2028, 11, 15), outcome="convert", vote=VOTE),
        ),
        ("full", lambda c: decide(c, "conversion", date(2028, 12, 1))),
    ]
    for name, fn in plan:
        case = fn(case)
        if name == until:
            return case
    raise AssertionError(until)


def test_happy_path_reaches_full_with_conversion_date_the_probation_end():
    case = walk()
    assert case["state"] == "full"
    assert case["conversion_date"] == date(2028, 11, 10)  # MEM-10: probation end = acceptance + 1 year
    assert rules.case_violations(case) == set()
    assert rules.invariant_problems(case) == []
    assert case["rule_version"] == "2026"
    assert step(case, "archive", date(2028, 12, 5))["archived_date"] == date(2028, 12, 5)


@pytest.mark.parametrize(
    ("rule_id", "until", "event", "data"),
    [
        ("DEV-DATA future date", "apply", "talk", {"on": TODAY + timedelta(days=1)}),
        ("DEV-02 talk twice", "talk", "talk", {"on": date(2026, 7, 1)}),
        (
            "DEV-03 activist before talk",
            "apply",
            "confirm_activist",
            {"on": date(2026, 7, 1), "recommended_by": "members"},
        ),
        ("DEV-03 activist not recommended", "talk", "confirm_activist", {"on": date(2026, 8, 1)}),
        (
            "DEV-05 probationary mentor",
            "filed",
            "assign_mentors",
            {"on": date(2026, 8, 10), "people": [{**FULL, "stage": "probationary"}]},
        ),
        ("DEV-05 three mentors", "filed", "assign_mentors", {"on": date(2026, 8, 10), "people": [FULL, FULL, FULL]}),
        ("DEV-04 propose before filing", "confirm_activist", "propose_candidate", {"on": date(2027, 8, 3)}),
        ("CANDIDATE_TOO_EARLY", "assess", "propose_candidate", {"on": date(2027, 7, 30)}),
        (
            "DEV-07 notice 4 working days",
            "consent",
            "publish_notice",
            {"on": date(2027, 8, 16), "notice_end": date(2027, 8, 19)},
        ),
        ("DEV-07 candidate before notice ends", "publish_notice", "confirm_candidate", {"on": date(2027, 8, 20)}),
        (
            "DEV-09 one introducer",
            "confirm_candidate",
            "assign_introducers",
            {"on": date(2027, 8, 24), "people": [FULL]},
        ),
        (
            "DEV-09 introducer under 留党察看",
            "confirm_candidate",
            "assign_introducers",
            {"on": date(2027, 8, 24), "people": [FULL, {**FULL, "sanction": "probation"}]},
        ),
        (
            "DEV-09 introducer in a warning's influence period (2026)",
            "confirm_candidate",
            "assign_introducers",
            {"on": date(2027, 8, 24), "people": [FULL, {**FULL, "sanction": "warning"}]},
        ),
        (
            "DEV-09 probationary introducer",
            "confirm_candidate",
            "assign_introducers",
            {"on": date(2027, 8, 24), "people": [FULL, {**FULL, "stage": "probationary"}]},
        ),
        (
            "NO_POLITICAL_REVIEW committee review without it",
            "assign_introducers",
            "committee_review",
            {"on": date(2027, 10, 8)},
        ),
        ("TRAINING_INSUFFICIENT committee review", "political_review", "committee_review", {"on": date(2027, 10, 8)}),
        (
            "DEV-13 leaving within 3 months",
            "committee_review",
            "request_prereview",
            {"on": date(2027, 10, 9), "leaving_soon": True},
        ),
        ("DEV-13 form before prereview", "committee_review", "fill_form", {"on": date(2027, 10, 25)}),
        (
            "ASSEMBLY_LATE beyond a month of prereview",
            "fill_form",
            "assembly",
            {"on": date(2027, 11, 21), "vote": VOTE},
        ),
        (
            "DEV-15 below quorum",
            "fill_form",
            "assembly",
            {"on": date(2027, 11, 10), "vote": {**VOTE, "present": 5, "in_favour": 5, "against": 0}},
        ),
        (
            "DEV-15 votes exceed present",
            "fill_form",
            "assembly",
            {"on": date(2027, 11, 10), "vote": {**VOTE, "in_favour": 9}},
        ),
        (
            "DEV-16 approval without the upper talk",
            "assembly",
            "decide",
            {"on": date(2027, 12, 1), "queue": "approval", "approve": True, "approver_ok": True},
        ),
        (
            "RUR-12 approval by an org without the power",
            "upper_talk",
            "decide",
            {"on": date(2027, 12, 1), "queue": "approval", "approve": True, "approver_ok": False},
        ),
        (
            "APPROVAL_OVERDUE beyond 6 months",
            "upper_talk",
            "decide",
            {"on": date(2028, 5, 11), "queue": "approval", "approve": True, "approver_ok": True},
        ),
        (
            "DEV-22 conversion before probation end",
            "conversion_application",
            "conversion_meeting",
            {"on": date(2028, 11, 9), "outcome": "convert", "vote": VOTE},
        ),
        (
            "EXTENSION_OUT_OF_RANGE 5 months",
            "conversion_application",
            "conversion_meeting",
            {"on": date(2028, 11, 15), "outcome": "extend", "months": 5, "vote": VOTE},
        ),
        (
            "EXTENSION_OUT_OF_RANGE 13 months",
            "conversion_application",
            "conversion_meeting",
            {"on": date(2028, 11, 15), "outcome": "extend", "months": 13, "vote": VOTE},
        ),
        (
            "DEV-23 resolution not passed",
            "conversion_application",
            "conversion_meeting",
            {"on": date(2028, 11, 15), "outcome": "convert", "vote": {**VOTE, "in_favour": 5, "against": 3}},
        ),
        (
            "DEV-STATE step while awaiting the upper committee",
            "request_prereview",
            "committee_review",
            {"on": date(2027, 10, 12)},
        ),
        ("DEV-STATE nothing after full", "full", "oath", {"on": date(2028, 12, 5)}),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_refusals_carry_the_rule_id_and_change_nothing(rule_id, until, event, data):
    case = walk(until)
    frozen = dict(case)
    with pytest.raises(Refused) as caught:
        advance(case, event, {"documents": ALL_DOCS, **data}, today=TODAY)
    assert caught.value.rule_id == rule_id.split(" ")[0]
    assert caught.value.message
    assert case == frozen


@pytest.mark.parametrize(
    ("name", "event", "missing"),
    [("DEV-01 application letter", "apply", "入党申请书"), ("DEV-02 talk record", "talk", "谈话记录")],
)
def test_a_step_without_its_required_document_is_refused(name, event, missing):
    case = {"birth_date": date(2000, 1, 1)} if event == "apply" else walk("apply")
    with pytest.raises(Refused) as caught:
        advance(case, event, {"on": date(2026, 6, 5), "documents": []}, today=TODAY)
    assert caught.value.rule_id == name.split(" ")[0]
    assert missing in caught.value.message


def test_AGE_UNDER_18_refuses_the_application():
    with pytest.raises(Refused) as caught:
        step({"birth_date": date(2010, 1, 1)}, "apply", date(2026, 6, 1))
    assert caught.value.rule_id == "AGE_UNDER_18"


def test_warnings_do_not_refuse_TALK_LATE_APPROVAL_LATE():
    case = step(walk("apply"), "talk", date(2026, 7, 15))
    assert "TALK_LATE" in rules.case_violations(case)
    late = decide(walk("upper_talk"), "approval", date(2028, 3, 1))
    assert late["state"] == "probationary"
    assert rules.case_violations(late) == {"APPROVAL_LATE"}


def test_failed_vote_keeps_the_candidate_and_redoes_the_prereview():
    case = step(walk("fill_form"), "assembly", date(2027, 11, 10), vote={**VOTE, "in_favour": 5, "against": 3})
    assert case["state"] == "candidate"
    assert case["failed_vote_date"] == date(2027, 11, 10)
    assert case["prereview_date"] is None
    assert rules.next_events(case)[0] == "committee_review"


def test_extension_once_then_conversion_at_the_new_end():
    case = step(
        walk("conversion_application"), "conversion_meeting", date(2028, 11, 15), outcome="extend", months=6, vote=VOTE
    )
    case = decide(case, "conversion", date(2028, 11, 20))
    assert case["state"] == "extended"
    assert rules.probation_end(case) == date(2029, 5, 10)
    with pytest.raises(Refused) as caught:
        step(case, "conversion_meeting", date(2029, 5, 12), outcome="extend", months=6, vote=VOTE)
    assert caught.value.rule_id == "DEV-23"
    case = step(case, "conversion_application", date(2029, 5, 1))
    case = step(case, "conversion_meeting", date(2029, 5, 12), outcome="convert", vote=VOTE)
    case = decide(case, "conversion", date(2029, 5, 20))
    assert case["state"] == "full"
    assert case["conversion_date"] == date(2029, 5, 10)
    assert rules.invariant_problems(case) == []


def test_cancellation_during_probation():
    case = step(walk("oath"), "conversion_meeting", date(2028, 3, 1), outcome="cancel", vote=VOTE)
    assert decide(case, "conversion", date(2028, 3, 10))["state"] == "cancelled"


def test_not_approved_then_reopened_as_candidate():
    case = decide(walk("upper_talk"), "approval", date(2027, 12, 1), approve=False, reason="材料不全")
    assert case["state"] == "not_approved"
    assert step(case, "reopen", date(2027, 12, 5))["state"] == "candidate"


def test_return_needs_a_reason():
    with pytest.raises(Refused) as caught:
        decide(walk("request_prereview"), "prereview", date(2027, 10, 20), approve=False)
    assert caught.value.rule_id == "DEV-RETURN"


def test_2014_case_files_the_candidate_instead_of_consent_and_notice():
    start = date(2024, 1, 2)
    case = {"birth_date": date(2000, 1, 1)}
    case = step(case, "apply", start)
    case = step(case, "talk", date(2024, 1, 20))
    case = step(case, "confirm_activist", date(2024, 3, 1), recommended_by="league")
    case = step(case, "file_activist", date(2024, 3, 2))
    case = decide(case, "filing", date(2024, 3, 5))
    case = step(case, "assign_mentors", date(2024, 3, 6), people=[FULL, FULL])
    case = step(case, "propose_candidate", date(2025, 3, 3))
    assert case["awaiting"] == "filing"
    case = decide(case, "filing", date(2025, 3, 5))
    case = step(case, "confirm_candidate", date(2025, 3, 6))
    assert case["state"] == "candidate"
    assert case["rule_version"] == "2014"


def test_2014_introducer_in_a_warning_period_is_not_barred():
    assert rules.person_problems({**FULL, "sanction": "warning"}, "入党介绍人", "2014") is None
    assert rules.person_problems({**FULL, "sanction": "warning"}, "入党介绍人", "2026")


@pytest.mark.parametrize(
    ("name", "due", "present", "yes", "quorum", "passes"),
    [
        ("DEV-15 exactly half present is no quorum", 10, 5, 5, False, False),
        ("DEV-15 more than half present", 10, 6, 5, True, False),
        ("DEV-15 in favour more than half of those due", 10, 6, 6, True, True),
        ("DEV-15 odd number due", 7, 4, 4, True, True),
    ],
)
def test_quorum_and_majority_count_those_due(name, due, present, yes, quorum, passes):
    assert rules.quorum_met(due, present) is quorum
    assert rules.vote_passes(due, yes) is passes


@pytest.mark.parametrize(
    ("name", "start", "end", "holidays", "workdays", "expected"),
    [
        ("DEV-07 Monday to Friday", date(2027, 8, 16), date(2027, 8, 20), (), (), 5),
        ("DEV-07 over a weekend", date(2027, 8, 19), date(2027, 8, 25), (), (), 5),
        ("DEV-07 a holiday does not count", date(2027, 8, 16), date(2027, 8, 20), (date(2027, 8, 18),), (), 4),
        ("DEV-07 a 调休 Saturday counts", date(2027, 8, 16), date(2027, 8, 21), (), (date(2027, 8, 21),), 6),
    ],
)
def test_working_days(name, start, end, holidays, workdays, expected):
    assert rules.working_days(start, end, frozenset(holidays), frozenset(workdays)) == expected


def test_add_working_days():
    assert rules.add_working_days(date(2027, 8, 19), 5) == date(2027, 8, 25)


@pytest.mark.parametrize(
    ("name", "chain", "expected"),
    [
        ("RUR-12 village branch under a township committee", [("branch", False), ("committee", False)], 1),
        ("RUR-12 总支 only reviews", [("branch", False), ("general_branch", False), ("committee", False)], 2),
        (
            "RUR-12 village 党委 under a township committee only reviews",
            [("branch", False), ("committee", True), ("committee", False)],
            2,
        ),
        ("RUR-12 working committee approves", [("branch", False), ("working_committee", False)], 1),
        ("RUR-12 nothing entitled", [("branch", False), ("general_branch", False)], None),
    ],
)
def test_approval_authority(name, chain, expected):
    assert rules.approver_index(chain) == expected


def test_is_township_committee():
    assert rules.is_township_committee("committee", "rural", "local_committee")
    assert not rules.is_township_committee("committee", "rural", "committee")
    assert not rules.is_township_committee("working_committee", "government", "local_committee")


@pytest.mark.parametrize(
    ("name", "rows", "path", "on", "expected"),
    [
        ("DEV-P1 national default off", [], "0001", date(2027, 1, 1), 0),
        (
            "DEV-P1 county option applies below",
            [("0001", "DEV-P1", 6, date(2026, 1, 1))],
            "00010002",
            date(2027, 1, 1),
            6,
        ),
        ("DEV-P1 not yet effective", [("0001", "DEV-P1", 6, date(2027, 6, 1))], "00010002", date(2027, 1, 1), 0),
        ("DEV-P1 other subtree", [("0003", "DEV-P1", 6, date(2026, 1, 1))], "00010002", date(2027, 1, 1), 0),
        (
            "DEV-P1 deeper org wins",
            [("0001", "DEV-P1", 6, date(2026, 1, 1)), ("00010002", "DEV-P1", 3, date(2025, 1, 1))],
            "00010002",
            date(2027, 1, 1),
            3,
        ),
        (
            "DEV-P1 latest effective wins",
            [("0001", "DEV-P1", 6, date(2026, 1, 1)), ("0001", "DEV-P1", 4, date(2026, 6, 1))],
            "0001",
            date(2027, 1, 1),
            4,
        ),
    ],
)
def test_local_options_resolve_per_subtree_and_date(name, rows, path, on, expected):
    assert rules.resolve_options(rows, path, on)["DEV-P1"] == expected


def test_DEV_P1_local_six_months_between_application_and_activist():
    case = walk("talk")
    with pytest.raises(Refused) as caught:
        advance(
            case,
            "confirm_activist",
            {"on": date(2026, 8, 1), "recommended_by": "members"},
            today=TODAY,
            options={"DEV-P1": 6},
        )
    assert caught.value.rule_id == "DEV-P1"
    ok = advance(
        case,
        "confirm_activist",
        {"on": date(2026, 12, 1), "recommended_by": "members"},
        today=TODAY,
        options={"DEV-P1": 6},
    )
    assert ok["state"] == "activist"


def test_DEV_P6_seven_working_days_of_notice():
    case = walk("consent")
    with pytest.raises(Refused) as caught:
        advance(
            case,
            "publish_notice",
            {"on": date(2027, 8, 16), "notice_end": date(2027, 8, 20)},
            today=TODAY,
            options={"DEV-P6": 7},
        )
    assert caught.value.rule_id == "DEV-P6"


def test_DEV_P7_failed_vote_waits():
    case = step(walk("fill_form"), "assembly", date(2027, 11, 10), vote={**VOTE, "in_favour": 5, "against": 3})
    with pytest.raises(Refused) as caught:
        advance(case, "committee_review", {"on": date(2028, 1, 10)}, today=TODAY, options={"DEV-P7": 6})
    assert caught.value.rule_id == "DEV-P7"


@pytest.mark.parametrize(
    ("name", "until", "rule", "due"),
    [
        ("TALK_LATE deadline", "apply", "TALK_LATE", date(2026, 7, 1)),
        ("DEV-06 half-yearly assessment", "filed", "DEV-06", date(2027, 1, 31)),
        ("ASSEMBLY_LATE deadline", "prereview", "ASSEMBLY_LATE", date(2027, 11, 20)),
        ("APPROVAL_LATE deadline", "assembly", "APPROVAL_LATE", date(2028, 2, 10)),
        ("OATH_LATE deadline", "approval", "OATH_LATE", date(2028, 2, 5)),
        ("CONVERSION_APPROVAL_LATE deadline", "conversion_meeting", "CONVERSION_APPROVAL_LATE", date(2029, 2, 15)),
    ],
)
def test_deadlines(name, until, rule, due):
    assert rules.deadline(walk(until))[0::2] == (rule, due)


@pytest.mark.parametrize(
    ("name", "due", "expected"),
    [
        ("overdue", date(2026, 5, 31), "red"),
        ("within lead", date(2026, 6, 7), "amber"),
        ("later", date(2026, 6, 30), "green"),
        ("none", None, "green"),
    ],
)
def test_colour(name, due, expected):
    assert rules.colour(due, date(2026, 6, 1), 7) == expected


def test_next_events_follow_the_state():
    assert rules.next_events(walk("apply"))[0] == "talk"
    assert rules.next_events(walk("request_prereview")) == []
    assert rules.next_events(walk("assembly")) == ["upper_talk"]
    assert rules.next_events(walk("full")) == ["archive"]


# ---------------------------------------------------------------------------------------- DEV-P2, P5, P6


def local(case, event, on, options, **data):
    return advance(case, event, {"on": on, "documents": ALL_DOCS, **data}, today=TODAY, options=options)


def test_DEV_P2_quarterly_thought_report_is_a_deadline_and_a_step():
    case = walk("filed")
    assert rules.deadline(case, {"DEV-P2": 3})[0::2] == ("DEV-P2", date(2026, 10, 31))
    assert "thought_report" in rules.next_events(case, {"DEV-P2": 3})
    assert "thought_report" not in rules.next_events(case)
    case = local(case, "thought_report", date(2026, 10, 20), {"DEV-P2": 3})
    assert case["last_report_date"] == date(2026, 10, 20)
    assert rules.deadline(case, {"DEV-P2": 3})[0::2] == ("DEV-P2", date(2027, 1, 20))
    with pytest.raises(Refused) as caught:
        advance(case, "thought_report", {"on": date(2026, 11, 1), "documents": []}, today=TODAY)
    assert caught.value.rule_id == "DEV-06"  # the written report is the step's document


P5 = {"DEV-P5": 3}


def test_DEV_P5_unapproved_beyond_three_months_needs_a_revote():
    case = walk("upper_talk")
    assert rules.deadline(case, P5)[0::2] == ("DEV-P5", date(2028, 2, 10))
    with pytest.raises(Refused) as caught:
        local(case, "decide", date(2028, 3, 1), P5, queue="approval", approve=True, approver_ok=True)
    assert caught.value.rule_id == "DEV-P5"
    with pytest.raises(Refused) as caught:
        local(case, "revote", date(2028, 1, 5), P5, vote=VOTE)  # still within three months
    assert caught.value.rule_id == "DEV-P5"
    assert "revote" in rules.next_events(case, P5, date(2028, 2, 20))
    case = local(case, "revote", date(2028, 2, 20), P5, vote=VOTE)
    assert case["revote_date"] == date(2028, 2, 20)
    case = local(case, "decide", date(2028, 3, 1), P5, queue="approval", approve=True, approver_ok=True)
    assert case["state"] == "probationary"
    assert case["acceptance_date"] == date(2027, 11, 10)  # the probation still runs from the first resolution
    assert rules.invariant_problems(case) == []


def test_DEV_P5_failed_revote_returns_to_candidate():
    case = local(walk("upper_talk"), "revote", date(2028, 2, 20), P5, vote={**VOTE, "in_favour": 4, "against": 4})
    assert case["state"] == "candidate"
    assert case["acceptance_date"] is None
    assert case["awaiting"] == ""


def test_DEV_P5_beyond_six_months_redo_admission_and_probation_from_the_new_assembly():
    case = walk("upper_talk")
    with pytest.raises(Refused) as caught:
        local(case, "redo_admission", date(2028, 4, 1), P5)
    assert caught.value.rule_id == "APPROVAL_OVERDUE"
    with pytest.raises(Refused) as caught:
        local(case, "revote", date(2028, 5, 20), P5, vote=VOTE)
    assert caught.value.rule_id == "APPROVAL_OVERDUE"
    assert "redo_admission" in rules.next_events(case, P5, date(2028, 5, 20))
    case = local(case, "redo_admission", date(2028, 5, 20), P5)
    assert case["state"] == "candidate"
    assert case["acceptance_date"] is None
    case = step(case, "committee_review", date(2028, 5, 25))
    case = step(case, "request_prereview", date(2028, 5, 26))
    case = decide(case, "prereview", date(2028, 6, 1))
    case = step(case, "fill_form", date(2028, 6, 2))
    case = step(case, "assembly", date(2028, 6, 10), vote=VOTE)
    assert case["acceptance_date"] == date(2028, 6, 10)
    assert rules.probation_end(case) == date(2029, 6, 10)
    assert rules.invariant_problems(case) == []


X = {"DEV-P6X": 7}


def test_DEV_P6_extra_notice_before_activist_confirmation():
    case = walk("talk")
    assert rules.next_events(case, X) == ["activist_notice", "void", "transfer_out"]
    with pytest.raises(Refused) as caught:
        local(case, "confirm_activist", date(2026, 8, 1), X, recommended_by="members")
    assert caught.value.rule_id == "DEV-P6"
    with pytest.raises(Refused) as caught:  # 5 working days where the locality asks 7
        local(case, "activist_notice", date(2026, 7, 20), X, notice_end=date(2026, 7, 24))
    assert caught.value.rule_id == "DEV-P6"
    case = local(case, "activist_notice", date(2026, 7, 20), X, notice_end=date(2026, 7, 28))
    with pytest.raises(Refused):
        local(case, "confirm_activist", date(2026, 7, 28), X, recommended_by="members")  # notice not over
    case = local(case, "confirm_activist", date(2026, 7, 31), X, recommended_by="members")
    assert case["state"] == "activist"


def test_DEV_P6_extra_notice_before_acceptance_and_conversion():
    case = walk("fill_form")
    assert rules.next_events(case, X)[0] == "acceptance_notice"
    with pytest.raises(Refused) as caught:
        local(case, "assembly", date(2027, 11, 10), X, vote=VOTE)
    assert caught.value.rule_id == "DEV-P6"
    case = local(case, "acceptance_notice", date(2027, 10, 26), X, notice_end=date(2027, 11, 5))
    case = local(case, "assembly", date(2027, 11, 10), X, vote=VOTE)
    assert case["state"] == "accepted"
    case = walk("conversion_application")
    with pytest.raises(Refused) as caught:
        local(case, "conversion_meeting", date(2028, 11, 15), X, outcome="convert", vote=VOTE)
    assert caught.value.rule_id == "DEV-P6"
    case = local(case, "conversion_notice", date(2028, 11, 1), X, notice_end=date(2028, 11, 10))
    case = local(case, "conversion_meeting", date(2028, 11, 15), X, outcome="convert", vote=VOTE)
    assert case["awaiting"] == "conversion"


@pytest.mark.parametrize(
    ("name", "records", "on", "expected"),
    [
        ("DEV-09 no records", [], date(2027, 1, 1), None),
        ("DEV-09 a reward-like title is no sanction", [("优秀共产党员", date(2026, 7, 1))], date(2027, 1, 1), None),
        ("DEV-09 warning within a year", [("党内警告", date(2026, 3, 1))], date(2027, 2, 28), "warning"),
        ("DEV-09 warning after a year", [("党内警告", date(2026, 3, 1))], date(2027, 3, 1), None),
        (
            "DEV-09 serious warning 18 months",
            [("严重警告处分", date(2026, 3, 1))],
            date(2027, 8, 31),
            "serious_warning",
        ),
        (
            "DEV-09 removal from post 2 years",
            [("撤销党内职务", date(2025, 3, 1))],
            date(2027, 2, 1),
            "removal_from_post",
        ),
        ("DEV-09 留党察看一年 ends after a year", [("留党察看一年", date(2026, 1, 1))], date(2027, 1, 1), None),
        ("DEV-09 留党察看 two years", [("留党察看", date(2026, 1, 1))], date(2027, 6, 1), "probation"),
        ("DEV-09 decided later than the day", [("党内警告", date(2027, 3, 1))], date(2027, 1, 1), None),
        (
            "DEV-09 the most severe wins",
            [("党内警告", date(2026, 6, 1)), ("留党察看二年", date(2026, 1, 1))],
            date(2027, 1, 1),
            "probation",
        ),
    ],
)
def test_sanction_in_force_from_roster_records(name, records, on, expected):
    found = rules.sanction_in_force(records, on)
    assert (found[0] if found else None) == expected


def test_sanction_periods_are_configurable():
    assert rules.sanction_in_force([("党内警告", date(2026, 3, 1))], date(2026, 10, 1), {"warning": 6}) is None


# ---------------------------------------------------------------------------------------- property test

EVENT_NAMES = [e for e in rules.EVENTS if e != "apply"] + ["decide"] * 4
PEOPLE = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.just("某"),
            "stage": st.sampled_from(["full", "full", "probationary"]),
            "status": st.sampled_from(["normal", "normal", "suspended"]),
            "sanction": st.sampled_from(["", "", "", "warning", "probation"]),
        }
    ),
    max_size=3,
)
VOTES = st.fixed_dictionaries(
    {
        "due": st.integers(0, 12),
        "present": st.integers(0, 12),
        "written": st.integers(0, 2),
        "in_favour": st.integers(0, 12),
        "against": st.integers(0, 3),
        "abstain": st.integers(0, 2),
    }
)
DATA = st.fixed_dictionaries(
    {},
    optional={
        "recommended_by": st.sampled_from(["members", "league", "x"]),
        "people": PEOPLE,
        "passed": st.booleans(),
        "days": st.integers(0, 4),
        "hours": st.integers(0, 30),
        "leaving_soon": st.booleans(),
        "vote": VOTES,
        "outcome": st.sampled_from(["convert", "extend", "cancel"]),
        "months": st.integers(3, 14),
        "queue": st.sampled_from(list(rules.QUEUES)),
        "approve": st.booleans(),
        "approver_ok": st.booleans(),
        "reason": st.sampled_from(["", "理由"]),
        "notice_blocked": st.booleans(),
        "notice_days": st.integers(0, 12),
    },
)
STEPS = st.lists(st.tuples(st.sampled_from(EVENT_NAMES), st.integers(0, 200), DATA), min_size=5, max_size=80)


LOCAL = {"DEV-P1": 6, "DEV-P2": 3, "DEV-P4": 12, "DEV-P5": 3, "DEV-P6": 7, "DEV-P6X": 5, "DEV-P7": 6}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.dates(date(2013, 1, 1), date(2028, 1, 1)), steps=STEPS, options=st.sampled_from([{}, LOCAL]))
def test_no_sequence_of_allowed_events_reaches_an_invalid_case(start, steps, options):
    case = step({"birth_date": date(1990, 1, 1)}, "apply", start)
    day = start
    for event, gap, data in steps:
        day = min(day + timedelta(days=gap), TODAY)
        payload = {"on": day, "documents": ALL_DOCS, **data}
        payload["notice_end"] = day + timedelta(days=data.get("notice_days", 7))
        before = dict(case)
        try:
            case = advance(case, event, payload, today=TODAY, options=options)
        except Refused as refused:
            problem = refused
        else:
            problem = None
        if problem is not None:
            assert problem.rule_id
            assert case == before
            continue
        assert rules.invariant_problems(case) == [], (event, payload, case)

"""Demo recruitment pipeline (发展党员): cases for about 2% of the members' number among the roster's applicants,
activists and candidates, stopped at varied steps, some overdue, a few with rule violations (as if imported
from old records), and cases for the probationary members (some due for conversion within the next month).

Every case is built by replaying the pure state machine (`recruitment.rules.advance`), so its dates obey the
rules exactly unless a violation is planted on purpose; rows are then written in bulk (no per-case query).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from dangjian.core import audit
from dangjian.members.models import Member
from dangjian.recruitment import rules
from dangjian.recruitment.models import CASE_FIELDS, CasePerson, CaseStep, RecruitmentCase, Vote

SHARE = 0.02  # cases for applicants/activists/candidates per member
DOCS = list(rules.DOCUMENTS)

# Where a case stops, per roster stage (the name of the last event replayed).
STOPS = {
    "applicant": ["apply", "apply", "talk"],
    "activist": ["confirm_activist", "filed", "assign_mentors", "assess", "propose_candidate"],
    "candidate": [
        "confirm_candidate",
        "assign_introducers",
        "political_review",
        "training",
        "committee_review",
        "request_prereview",
        "prereview",
        "fill_form",
    ],
    "probationary": ["oath"],
}


def _plan(rng: random.Random, mentors: list[int]):
    """The events of a clean case in order: (name, event, data, days after the previous event)."""
    vote = {"due": 9, "present": 8, "written": 0, "in_favour": 8, "against": 0, "abstain": 0}
    person = {"name": "", "stage": "full", "status": "normal", "sanction": ""}
    return [
        ("apply", "apply", {}, 0),
        ("talk", "talk", {}, rng.randint(5, 25)),
        (
            "confirm_activist",
            "confirm_activist",
            {"recommended_by": rng.choice(["members", "league"])},
            rng.randint(60, 200),
        ),
        ("file_activist", "file_activist", {}, rng.randint(1, 5)),
        ("filed", "decide", {"queue": "filing"}, rng.randint(2, 10)),
        ("assign_mentors", "assign_mentors", {"people": [person] * min(2, len(mentors))}, rng.randint(1, 5)),
        ("assess", "assess", {}, rng.randint(170, 185)),
        ("propose_candidate", "propose_candidate", {}, rng.randint(190, 260)),
        ("consent_or_filing", "decide", {}, rng.randint(3, 10)),
        ("publish_notice", "publish_notice", {}, rng.randint(1, 5)),
        ("confirm_candidate", "confirm_candidate", {}, 10 + rng.randint(1, 5)),
        ("assign_introducers", "assign_introducers", {"people": [person, person]}, rng.randint(1, 5)),
        ("political_review", "political_review", {"passed": True}, rng.randint(15, 40)),
        ("training", "training", {"days": 3, "hours": 24}, rng.randint(5, 20)),
        ("committee_review", "committee_review", {}, rng.randint(5, 15)),
        ("request_prereview", "request_prereview", {}, rng.randint(1, 3)),
        ("prereview", "decide", {"queue": "prereview"}, rng.randint(5, 20)),
        ("fill_form", "fill_form", {}, rng.randint(2, 7)),
        ("assembly", "assembly", {"vote": vote}, rng.randint(5, 20)),
        ("upper_talk", "upper_talk", {}, rng.randint(5, 15)),
        ("approval", "decide", {"queue": "approval"}, rng.randint(20, 60)),
        ("oath", "oath", {}, rng.randint(5, 20)),
    ]


def replay(start: date, stop: str, birth: date, seed: int, today: date, mentors: list[int]):
    """Replay the plan from `start` up to the event named `stop` (or the last event not after `today`).
    Returns (case dict, [(event, step number, on, data)]) or None when the rules refuse the plan."""
    rng = random.Random(seed)
    case: dict = {"birth_date": birth}
    steps = []
    on = start
    for name, event, data, gap in _plan(rng, mentors):
        on = on + timedelta(days=gap)
        if name == "propose_candidate":
            on = max(on, rules.add_years(case["activist_date"], 1) + timedelta(days=gap % 60))
        if name == "consent_or_filing":
            data = {"queue": case["awaiting"]}
        if name == "publish_notice":
            if case.get("consent_date") is None:
                continue
            data = {"notice_end": on + timedelta(days=9)}
        if on > today:
            break
        payload = {"on": on, "documents": DOCS, "approve": True, "approver_ok": True, **data}
        try:
            case = rules.advance(case, event, payload, today=today)
        except rules.Refused:
            return None
        number = rules.DECISIONS[data["queue"]][0] if event == "decide" else rules.EVENTS[event][0]
        steps.append((event, number, on, data))
        if name == stop:
            break
    return case, steps


def _derive(case: dict) -> dict:
    due = rules.deadline(case)
    violations = sorted(rules.case_violations(case))
    return {
        "probation_end": rules.probation_end(case),
        "next_rule": due[0] if due else "",
        "next_label": due[1] if due else "",
        "next_due": due[2] if due else None,
        "violations": violations,
        "has_violation": bool(violations),
        "is_open": case["state"] not in rules.TERMINAL,
    }


def generate_recruitment(today: date, seed: int = 20260511) -> int:
    """Write the demo cases; returns how many. Idempotent: does nothing when cases exist."""
    if RecruitmentCase.objects.exists():
        return 0
    rng = random.Random(seed)
    members = Member.objects.filter(stage__in=["probationary", "full"]).exclude(status="exited").count()
    quota = max(1, round(members * SHARE))
    people = list(
        Member.objects.filter(stage__in=["applicant", "activist", "candidate"], status="normal")
        .order_by("pk")
        .values_list("pk", "org_id", "stage", "birth_date")
    )
    rng.shuffle(people)
    chosen = [(pk, org, stage, birth, None) for pk, org, stage, birth in people[:quota]]
    chosen += [
        (pk, org, "probationary", birth, joined)
        for pk, org, birth, joined in Member.objects.filter(
            stage="probationary", status="normal", joined_on__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "org_id", "birth_date", "joined_on")[: max(1, quota // 2)]
    ]
    org_ids = {c[1] for c in chosen}
    full_by_org: dict[int, list[int]] = {}
    for pk, org in (
        Member.objects.filter(org_id__in=org_ids, stage="full", status="normal")
        .order_by("pk")
        .values_list("pk", "org_id")
    ):
        full_by_org.setdefault(org, []).append(pk)

    built = []
    for i, (pk, org, stage, birth, joined) in enumerate(chosen):
        mentors = full_by_org.get(org, [])[:2]
        if len(mentors) < 2:
            continue
        stop = rng.choice(STOPS[stage])
        seed_i = seed + pk
        overdue = rng.random() < 0.15
        # Aim the stop at a day in the past; shift the start until the replay lands there.
        start = today - timedelta(days=40 if stage == "applicant" and overdue else 20)
        target = joined or today - timedelta(days=45 if overdue else rng.randint(0, 60))
        result = None
        for _ in range(4):
            result = replay(start, stop, birth, seed_i, date.max, mentors)
            if result is None:
                break
            case, steps = result
            anchor = case.get("acceptance_date") if joined else steps[-1][2]
            shift = (anchor - target).days if anchor else 0
            if shift == 0:
                break
            start -= timedelta(days=shift)
        if result is None:
            continue
        result = replay(start, stop, birth, seed_i, today, mentors)
        if result is None or result[0].get("application_date") is None:
            continue
        case, steps = result
        if i % 97 == 5 and case.get("candidate_date") and case.get("activist_date"):
            case["candidate_date"] = case["activist_date"] + timedelta(days=300)  # planted: imported old record
        built.append((pk, org, case, steps, mentors))

    with transaction.atomic():
        rows = []
        for pk, org, case, _steps, _mentors in built:
            fields = {f: case.get(f) for f in CASE_FIELDS if f in case}
            fields["awaiting"] = case.get("awaiting") or ""
            fields["pending_outcome"] = case.get("pending_outcome") or ""
            fields["political_review_failed"] = bool(case.get("political_review_failed"))
            fields["mentor_count"] = case.get("mentor_count") or 0
            fields["introducer_count"] = case.get("introducer_count") or 0
            rows.append(RecruitmentCase(member_id=pk, org_id=org, **fields, **_derive(case)))
        cases = RecruitmentCase.objects.bulk_create(rows, batch_size=2000)
        step_rows, votes, persons = [], [], []
        for obj, (_pk, org, _case, steps, mentors) in zip(cases, built, strict=True):
            for event, number, on, data in steps:
                record = {k: v for k, v in data.items() if k in ("queue", "recommended_by", "passed", "days", "hours")}
                if event == "decide":
                    record["approve"] = True
                step_rows.append(
                    CaseStep(
                        case=obj,
                        event=event,
                        step_no=number,
                        on=on,
                        data=record,
                        documents=list(rules.REQUIRED_DOCUMENTS.get(event, ())),
                        org_id=org,
                        note="演示数据",
                    )
                )
                if event in ("assign_mentors", "assign_introducers"):
                    role = "mentor" if event == "assign_mentors" else "introducer"
                    persons += [CasePerson(case=obj, role=role, member_id=m, assigned_on=on) for m in mentors]
        CaseStep.objects.bulk_create(step_rows, batch_size=5000)
        for s in step_rows:
            if s.event == "assembly":
                votes.append(
                    Vote(
                        case=s.case,
                        step=s,
                        held_on=s.on,
                        due=9,
                        present=8,
                        written=0,
                        in_favour=8,
                        against=0,
                        abstain=0,
                        quorum_met=True,
                        passed=True,
                    )
                )
        Vote.objects.bulk_create(votes, batch_size=5000)
        CasePerson.objects.bulk_create(persons, batch_size=5000)
        _quotas(today)
        audit.record(
            "recruitment.bulk_create",
            object_type="recruitment.recruitmentcase",
            object_repr=f"演示数据：{len(cases)} 份发展党员档案",
        )
    return len(cases)


def _quotas(today: date) -> None:
    """DEV-P8 demo quotas for this year: the top org and each org right under it, set a little above or below
    the intake so that the overview shows both states."""
    from dangjian.orgs.models import Org
    from dangjian.recruitment.models import LocalOption

    top = list(Org.objects.filter(parent__isnull=True))
    orgs = top + list(Org.objects.filter(parent__in=top).exclude(kind__in=["branch", "joint_branch"]))
    approved = RecruitmentCase.objects.filter(approval_date__year=today.year)
    rows = []
    for i, org in enumerate(orgs):
        intake = approved.filter(org__path__in_subtree=org.path).count()
        value = max(1, round(intake * (1.2 if i % 2 == 0 else 0.8)))
        rows.append(
            LocalOption(org=org, code="DEV-P8", value=value, effective_from=date(today.year, 1, 1), note="演示数据")
        )
    LocalOption.objects.bulk_create(rows)

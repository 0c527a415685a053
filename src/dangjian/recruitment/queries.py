"""Read side of recruitment: scoped case lists, the branch board, the 25-step timeline, upper-committee queues,
the county overview (counts per stage per org, overdue, rule broken). Set-based: one query per list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Q

from dangjian.core.scope import restrict
from dangjian.recruitment import rules
from dangjian.recruitment.models import CaseState, CaseStep, LocalOption, RecruitmentCase

VIEW = "recruitment.view_recruitmentcase"
CHANGE = "recruitment.change_recruitmentcase"
APPROVE = "recruitment.approve_recruitmentcase"
LEAD_DAYS = 7  # §4.4 warning lead time (settings.RECRUITMENT_LEAD_DAYS)
BOARD_LIMIT = 200
MEMBER_SECRETS = ("member__id_number_cipher", "member__phone_cipher", "member__address_cipher")

# Board columns: the four stages, then the side states still open.
COLUMNS = [
    ("applicant", "入党申请人", (rules.APPLICANT,)),
    ("activist", "入党积极分子", (rules.ACTIVIST,)),
    ("candidate", "发展对象", (rules.CANDIDATE,)),
    ("probationary", "预备党员", (rules.ACCEPTED, rules.PROBATIONARY, rules.EXTENDED)),
    ("other", "其他", (rules.NOT_APPROVED,)),
]


def lead_days() -> int:
    return getattr(settings, "RECRUITMENT_LEAD_DAYS", LEAD_DAYS)


def visible(user, action: str = "view"):
    return restrict(RecruitmentCase.objects.select_related("member", "org"), user, action)


def event_label(event: str) -> str:
    return rules.EVENTS.get(event, (0, event))[1]


@dataclass
class Card:
    case: RecruitmentCase
    next_step: str
    colour: str
    queue_label: str = ""


def options_of(case: RecruitmentCase, today: date, memo: dict | None = None) -> dict[str, int]:
    """§4.5: the local options in force for the case's org today (memoised per org for a list of cases)."""
    from dangjian.recruitment.actions import options_for

    memo = {} if memo is None else memo
    if case.org_id not in memo:
        memo[case.org_id] = options_for(case.org, today)
    return memo[case.org_id]


def card(case: RecruitmentCase, today: date, memo: dict | None = None) -> Card:
    facts = case.as_rules_dict()
    events = [
        e for e in rules.next_events(facts, options_of(case, today, memo), today) if e not in ("void", "transfer_out")
    ]
    next_step = event_label(events[0]) if events else ""
    queue_label = case.get_awaiting_display() if case.awaiting else ""
    return Card(case, next_step, rules.colour(case.next_due, today, lead_days()), queue_label)


def board(user, today: date, org=None) -> list[dict]:
    """The open cases in scope, by stage column, most urgent first (capped per column)."""
    qs = visible(user).filter(is_open=True)
    if org is not None:
        qs = qs.filter(org__path__in_subtree=org.path)
    out, memo = [], {}
    for key, label, states in COLUMNS:
        rows = list(qs.filter(state__in=states).order_by("next_due", "pk")[:BOARD_LIMIT])
        out.append({"key": key, "label": label, "cards": [card(c, today, memo) for c in rows], "count": len(rows)})
    return out


@dataclass
class TimelineRow:
    number: int
    title: str
    stage: str
    steps: list = field(default_factory=list)


def timeline(case: RecruitmentCase) -> list[TimelineRow]:
    """The 25 steps with what was recorded at each (step 0 rows: transfers, voiding, reopening)."""
    rows = {n: TimelineRow(n, rules.STEP_TITLES[n], rules.STAGE_OF_STEP[n]) for n in range(1, 26)}
    other = TimelineRow(0, "其他事项", "")
    steps = CaseStep.objects.filter(case=case).select_related("actor", "org", "vote", "decision").order_by("on", "pk")
    for s in steps:
        s.document_labels = [rules.DOCUMENTS.get(d, d) for d in s.documents]
        (rows.get(s.step_no) or other).steps.append(s)
        if s.event == "decide" and s.data.get("queue") == rules.APPROVAL and s.data.get("approve"):
            rows[18].steps.append(s)  # 再上一级党委组织部门备案 goes with the approval (第二十五条)
    out = list(rows.values())
    if other.steps:
        out.append(other)
    return out


def next_actions(case: RecruitmentCase, today: date | None = None) -> list[tuple[str, str, int]]:
    """(event, label, step number) of the branch events allowed next, with the local options in force."""
    from django.utils import timezone

    today = today or timezone.localdate()
    events = rules.next_events(case.as_rules_dict(), options_of(case, today), today)
    return [(e, event_label(e), rules.EVENTS[e][0]) for e in events]


def queues(user) -> list[dict]:
    """The upper committee's work: the cases in scope awaiting each kind of decision, oldest first."""
    qs = visible(user, "approve").exclude(awaiting="").order_by("updated_at", "pk")
    grouped: dict[str, list] = {q: [] for q in rules.QUEUES}
    for case in qs[:1000]:
        grouped[case.awaiting].append(case)
    return [
        {"key": q, "label": rules.DECISIONS[q][1], "step": rules.DECISIONS[q][0], "cases": grouped[q]}
        for q in rules.QUEUES
    ]


def filtered(user, params, today: date):
    """The county list: cases in scope filtered by stage, overdue, rule broken and org subtree."""
    qs = visible(user)
    state = params.get("state") or ""
    if state in CaseState.values:
        qs = qs.filter(state=state)
    if params.get("overdue"):
        qs = qs.filter(is_open=True, next_due__lt=today)
    if params.get("broken"):
        qs = qs.filter(has_violation=True)
    rule = params.get("rule") or ""
    if rule in rules.CODE_MESSAGES:
        qs = qs.filter(has_violation=True, violations__icontains=f'"{rule}"')
    if params.get("open"):
        qs = qs.filter(is_open=True)
    approved = str(params.get("approved") or "")
    if approved.isascii() and approved.isdigit() and 1921 <= int(approved) <= 9999:  # admitted in that year
        qs = qs.filter(approval_date__year=int(approved))
    org = params.get("org_obj")
    if org is not None:
        qs = qs.filter(org__path__in_subtree=org.path)
    # A list never reads the person's ciphertexts (ID number, phone, address): leave them in the table.
    return qs.defer(*MEMBER_SECRETS).order_by("next_due", "pk")


def counts_per_org(user, org=None) -> list[dict]:
    """Counts per stage per org (the org holding the case), one grouped query over the subtree."""
    qs = restrict(RecruitmentCase.objects.all(), user, "view")
    if org is not None:
        qs = qs.filter(org__path__in_subtree=org.path)
    rows = qs.values("org_id", "org__name", "org__path", "state").annotate(n=Count("id")).order_by("org__path")
    table: dict[int, dict] = {}
    for r in rows:
        entry = table.setdefault(r["org_id"], {"org_id": r["org_id"], "name": r["org__name"], "counts": {}, "total": 0})
        entry["counts"][r["state"]] = r["n"]
        entry["total"] += r["n"]
    states = [s for s, _label in CaseState.choices]
    for entry in table.values():
        entry["cells"] = [entry["counts"].get(s, 0) for s in states]
    return list(table.values())


def totals(user, today: date, org=None) -> dict:
    qs = restrict(RecruitmentCase.objects.all(), user, "view")
    if org is not None:
        qs = qs.filter(org__path__in_subtree=org.path)
    return qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(is_open=True)),
        overdue=Count("id", filter=Q(is_open=True, next_due__lt=today)),
        broken=Count("id", filter=Q(has_violation=True)),
        intake=Count("id", filter=Q(approval_date__year=today.year)),
    )


OVERDUE_FIELDS = ("state", "awaiting", "next_due", "next_rule", "next_label", "has_violation", "org_id", "member_id",
                  "member__name", "org__name", "org__short_name")  # fmt: skip


def overdue(user, today: date, limit: int = 500):
    """The open cases past their deadline, most overdue first: only the columns a list shows (a member row
    carries its ciphertexts, which an overdue list never reads)."""
    qs = visible(user).filter(is_open=True, next_due__lt=today).only(*OVERDUE_FIELDS)
    return list(qs.order_by("next_due", "pk")[:limit])


def cases_of_member(member) -> list[RecruitmentCase]:
    return list(RecruitmentCase.objects.filter(member=member).select_related("org").order_by("-pk"))


def violation_labels(case: RecruitmentCase) -> list[tuple[str, str]]:
    return [(code, rules.CODE_MESSAGES.get(code, code)) for code in case.violations]


def quotas(user, year: int, org=None) -> list[dict]:
    """DEV-P8: the quotas set in the user's scope for `year` (within `org`'s subtree when given), each with the
    intake of its subtree that year (预备党员 approved) and its over/under state. One count per quota org."""
    qs = restrict(LocalOption.objects.select_related("org"), user, VIEW).filter(
        code=rules.QUOTA_CODE, effective_from__year=year
    )
    if org is not None:
        qs = qs.filter(org__path__in_subtree=org.path)
    latest: dict[int, LocalOption] = {}
    for option in qs.order_by("org__path", "-effective_from")[:500]:
        latest.setdefault(option.org_id, option)
    cases = restrict(RecruitmentCase.objects.all(), user, VIEW).filter(approval_date__year=year)
    out = []
    for option in latest.values():
        intake = cases.filter(org__path__in_subtree=option.org.path).count()
        state = rules.quota_state(intake, option.value)
        out.append({
            "id": option.pk, "org": option.org, "org_id": option.org_id, "org_name": option.org.name, "year": year,
            "quota": option.value, "intake": intake, "state": state, "state_label": rules.QUOTA_STATES[state],
            "gap": max(option.value - intake, 0), "excess": max(intake - option.value, 0),
            "version": option.version, "note": option.note,
        })  # fmt: skip
    return out


def archive_documents(case: RecruitmentCase, user) -> list | None:
    """The scans in the person's 党员档案 (members' uploaded documents) that belong to a recruitment dossier
    (入党申请书, 谈话记录, 登记表, 政审材料, 培训证明, 入党志愿书, 转正申请书…), or None when the user may not see
    the person's record. Downloads go through the roster's scoped, audited document view."""
    from dangjian.members.models import Member, MemberDocument

    if not restrict(Member.objects.filter(pk=case.member_id), user, "view").exists():
        return None
    kinds = [*rules.DOCUMENTS.values(), "培养考察登记表"]
    return list(MemberDocument.objects.filter(member_id=case.member_id, kind__in=kinds).order_by("uploaded_at", "pk"))

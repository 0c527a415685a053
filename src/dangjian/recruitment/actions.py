"""Every change to a recruitment case: start it (from a roster person or a new applicant), record a step,
decide on an upper-committee queue item (approve or return with a reason), transfer it, and the local options.

Each action checks the actor's scope (`recruitment.change_recruitmentcase` over the case's org; decisions
`recruitment.approve_recruitmentcase` over the deciding committee), asks `rules.advance` whether the step is
allowed (a refusal becomes RuleViolation with the rule id and nothing is written), writes the case, the step
record, its vote / people / decision rows and the roster change in one transaction, re-checks scope after the
write and records an audit event. The roster changes go through `members.actions` (admission → 预备党员 with
加入党组织日期 = the assembly's date; conversion → 正式党员 with 转正日期 = the probation end, MEM-09/MEM-10).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.core.tree import ancestor_paths
from dangjian.members import actions as member_actions
from dangjian.members.choices import MemberStatus, Stage
from dangjian.members.models import Member, Placement, RecordKind, RewardPunishment
from dangjian.orgs.models import Org
from dangjian.recruitment import rules
from dangjian.recruitment.models import (
    CASE_FIELDS,
    CasePerson,
    CaseStep,
    Decision,
    LocalOption,
    PersonRole,
    RecruitmentCase,
    Vote,
)
from dangjian.stats import events as stats_events

VIEW = "recruitment.view_recruitmentcase"
CHANGE = "recruitment.change_recruitmentcase"
APPROVE = "recruitment.approve_recruitmentcase"
OPTIONS = "recruitment.change_localoption"
LATER_STAGES = (Stage.PROBATIONARY, Stage.FULL)


def _today() -> date:
    return timezone.localdate()


def _require(actor, perm: str, org: Org, message: str | None = None) -> None:
    if actor is not None and not user_may_act_on_path(actor, perm, org.path):
        raise OutOfScope(message) if message else OutOfScope()


def _verify(actor, case_id: int, perm: str = CHANGE) -> None:
    if actor is not None and not restrict(RecruitmentCase.objects.all(), actor, perm).filter(pk=case_id).exists():
        raise OutOfScope()


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _violation(refused: rules.Refused) -> RuleViolation:
    return RuleViolation(refused.rule_id, refused.message, field=refused.field)


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def calendar_days() -> tuple[frozenset[date], frozenset[date]]:
    """The configured holiday and 调休 calendars (settings.RECRUITMENT_HOLIDAYS / RECRUITMENT_WORKDAYS, ISO
    dates). Without them weekends alone are skipped and a notice window is marked provisional (§0)."""
    holidays = frozenset(date.fromisoformat(d) for d in getattr(settings, "RECRUITMENT_HOLIDAYS", ()))
    workdays = frozenset(date.fromisoformat(d) for d in getattr(settings, "RECRUITMENT_WORKDAYS", ()))
    return holidays, workdays


def options_for(org: Org, on: date) -> dict[str, int]:
    """§4.5: the local options in force for `org` on `on` (deepest ancestor's setting wins)."""
    rows = LocalOption.objects.filter(org__path__in=[*ancestor_paths(org.path), org.path]).values_list(
        "org__path", "code", "value", "effective_from"
    )
    return rules.resolve_options(list(rows), org.path, on)


def quota_for(org: Org, year: int) -> int | None:
    """DEV-P8 (P): the year's development quota set on exactly this org (the latest setting of that year)."""
    option = (
        LocalOption.objects.filter(org=org, code="DEV-P8", effective_from__year=year)
        .order_by("-effective_from")
        .first()
    )
    return option.value if option else None


def approving_org(org: Org) -> Org | None:
    """RUR-12: the nearest ancestor (or the org itself) entitled to approve 预备党员 for `org`."""
    chain = sorted(Org.objects.filter(path__in=[*ancestor_paths(org.path), org.path]), key=lambda o: -len(o.path))
    by_id = {o.pk: o for o in chain}
    entries = []
    for o in chain:
        parent = by_id.get(o.parent_id)
        township = parent is not None and rules.is_township_committee(
            parent.kind, parent.sector, by_id[parent.parent_id].kind if parent.parent_id in by_id else None
        )
        entries.append((o.kind, township))
    i = rules.approver_index(entries)
    return chain[i] if i is not None else None


def org_may_approve(org: Org) -> bool:
    approver = approving_org(org)
    return approver is not None and approver.pk == org.pk


def refresh(case: RecruitmentCase, data: Mapping[str, object] | None = None) -> None:
    """Write the state machine's dict back and recompute the derived columns (deadline, violations)."""
    if data is not None:
        for key in CASE_FIELDS:
            if key in data:
                setattr(case, key, data[key])
    facts = case.as_rules_dict()
    case.probation_end = rules.probation_end(facts)
    due = rules.deadline(facts, options_for(case.org, _today()))
    case.next_rule, case.next_label, case.next_due = due if due else ("", "", None)
    case.violations = sorted(rules.case_violations(facts))
    case.has_violation = bool(case.violations)
    case.is_open = case.state not in rules.TERMINAL


def snapshot(case: RecruitmentCase) -> dict:
    return {"state": case.state, "awaiting": case.awaiting, "org_id": case.org_id, "rule_version": case.rule_version}


def _advance(case: RecruitmentCase, event: str, payload: Mapping[str, object]) -> dict:
    holidays, workdays = calendar_days()
    on = payload.get("on")
    options = options_for(case.org, on if isinstance(on, date) else _today())
    try:
        return rules.advance(
            case.as_rules_dict(), event, payload, today=_today(), options=options, holidays=holidays, workdays=workdays
        )
    except rules.Refused as refused:
        raise _violation(refused) from None


# ------------------------------------------------------------------------------------------------ start


def start_case(member: Member, *, actor, on: date, documents: Iterable[str] = (), note: str = "") -> RecruitmentCase:
    """Step 1: a person on the roster (not yet a Party member) hands in an application (入党申请书)."""
    _require(actor, CHANGE, member.org)
    if member.stage in LATER_STAGES:
        raise RuleViolation(
            "DEV-01", f"{member.name}已是{member.get_stage_display()}，不能再登记入党申请", field="member"
        )
    if member.status != MemberStatus.NORMAL:
        raise RuleViolation("DEV-01", "该人员状态不正常，不能登记入党申请", field="member")
    if member.org.is_dissolved:
        raise RuleViolation("DEV-01", f"党组织「{member.org.name}」已撤销", field="org")
    if RecruitmentCase.objects.filter(member=member, is_open=True).exists():
        raise RuleViolation("DEV-01", f"{member.name}已有进行中的发展党员档案", field="member")
    case = RecruitmentCase(member=member, org=member.org, state="", created_by=_user(actor))
    payload = {"on": on, "documents": list(documents)}
    try:
        data = rules.advance(
            {"birth_date": member.birth_date}, "apply", payload, today=_today(), options=options_for(member.org, on)
        )
    except rules.Refused as refused:
        raise _violation(refused) from None
    with transaction.atomic():
        refresh(case, data)
        case.save(force_insert=True)
        stats_events.orgs_changed([case.org_id])  # the statistics rollups' pipeline figures, after commit
        CaseStep.objects.create(
            case=case,
            event="apply",
            step_no=1,
            on=on,
            documents=list(documents),
            note=note.strip(),
            org=case.org,
            actor=_user(actor),
        )
        if member.stage != Stage.APPLICANT:
            member_actions.update_member(member, actor=actor, stage=Stage.APPLICANT)
        _verify(actor, case.pk)
        audit.record("recruitment.start", actor=actor, obj=case, org_path=case.org.path, after=snapshot(case))
    return case


def start_new_applicant(
    org: Org, *, actor, on: date, documents: Iterable[str] = (), note: str = "", **person
) -> RecruitmentCase:
    """Step 1 for someone not yet on the roster: put them on it as 申请入党人 (members.add_member), then start."""
    _require(actor, CHANGE, org)
    with transaction.atomic():
        member = member_actions.add_member(org, actor=actor, placed_on=on, stage=Stage.APPLICANT, **person)
        return start_case(member, actor=actor, on=on, documents=documents, note=note)


# ------------------------------------------------------------------------------------------------ steps


def sanction_months() -> dict:
    """DEV-09 (U): how long each sanction bars an introducer; settings.RECRUITMENT_SANCTION_MONTHS overrides
    the defaults of rules.SANCTION_MONTHS_DEFAULT (a kind → months, None for good)."""
    return {**rules.SANCTION_MONTHS_DEFAULT, **getattr(settings, "RECRUITMENT_SANCTION_MONTHS", {})}


def roster_sanctions(members: Iterable[Member], on: date) -> dict[int, tuple[str, str, date]]:
    """DEV-09: per member id, the sanction recorded on the roster (奖惩情况, kind 处分) that bars an introducer
    on `on`, as rules.sanction_in_force returns it."""
    ids = [m.pk for m in members]
    records: dict[int, list] = {i: [] for i in ids}
    rows = RewardPunishment.objects.filter(member_id__in=ids, kind=RecordKind.PUNISHMENT).values_list(
        "member_id", "title", "on"
    )
    for member_id, title, decided in rows:
        records[member_id].append((title, decided))
    table = sanction_months()
    out = {}
    for member_id, recs in records.items():
        found = rules.sanction_in_force(recs, on, table)
        if found is not None:
            out[member_id] = found
    return out


def _person_facts(members: list[Member], declared: Mapping, on: date, *, check_roster: bool) -> list[dict]:
    """The plain facts `rules.person_problems` judges: stage, status and the more severe of the sanction the
    form declares and the one the roster records (DEV-09)."""
    recorded = roster_sanctions(members, on) if check_roster else {}
    out = []
    for m in members:
        sanction, source = declared.get(str(m.pk), "") or "", ""
        if m.pk in recorded:
            kind, title, decided = recorded[m.pk]
            rank = rules.SANCTION_SEVERITY.index
            if not sanction or sanction not in rules.SANCTION_SEVERITY or rank(kind) >= rank(sanction):
                sanction, source = kind, f"名册记载：{decided:%Y年%m月%d日}「{title}」"
        out.append({"name": m.name, "stage": m.stage, "status": m.status, "sanction": sanction,
                    "sanction_source": source})  # fmt: skip
    return out


def _people(case: RecruitmentCase, actor, ids: Iterable, sanctions: Mapping) -> list[Member]:
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise RuleViolation("DEV-DATA", "党员编号不正确", field="people") from None
    if len(set(wanted)) != len(wanted):
        raise RuleViolation("DEV-DATA", "同一名党员不能重复选择", field="people")
    if case.member_id in wanted:
        raise RuleViolation("DEV-DATA", "本人不能担任自己的培养联系人或入党介绍人", field="people")
    visible = Member.objects.all() if actor is None else restrict(Member.objects.all(), actor, "view")
    found = {m.pk: m for m in visible.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise RuleViolation("DEV-DATA", "所选党员不存在或不在您的管辖范围内", field="people")
    return [found[i] for i in wanted]


def record_step(
    case: RecruitmentCase,
    event: str,
    *,
    actor,
    on: date,
    documents: Iterable[str] = (),
    note: str = "",
    expected_version: int | None = None,
    **data,
) -> RecruitmentCase:
    """Record one branch-side step (`rules.EVENTS`). People steps take `people` (member ids) and optional
    `sanctions` {member id: "warning" | "serious_warning" | "removal_from_post" | "probation"}; vote steps
    take `vote` {due, present, written, in_favour, against, abstain}."""
    if event not in rules.EVENTS or event == "apply":
        raise RuleViolation("DEV-STATE", f"未知的步骤：{event}")
    _require(actor, CHANGE, case.org)
    payload = {**data, "on": on, "documents": list(documents)}
    members: list[Member] = []
    if event in ("assign_mentors", "assign_introducers"):
        sanctions = {str(k): v for k, v in (data.get("sanctions") or {}).items()}
        members = _people(case, actor, data.get("people") or [], sanctions)
        payload["people"] = _person_facts(members, sanctions, on, check_roster=event == "assign_introducers")
    version = expected_version if expected_version is not None else case.version
    with transaction.atomic():
        locked = RecruitmentCase.objects.select_for_update().select_related("member", "org").get(pk=case.pk)
        if locked.version != version:
            raise ConcurrentEdit()
        before = snapshot(locked)
        new = _advance(locked, event, payload)
        refresh(locked, new)
        locked.version = version + 1
        locked.save()
        stats_events.orgs_changed([locked.org_id])
        record = {k: v for k, v in data.items() if k not in ("people", "sanctions")}
        if members:
            record["people"] = [m.pk for m in members]
            record["sanctions"] = data.get("sanctions") or {}
        step = CaseStep.objects.create(
            case=locked,
            event=event,
            step_no=rules.EVENTS[event][0],
            on=on,
            data=_jsonable(record),
            documents=list(documents),
            note=note.strip(),
            org=locked.org,
            actor=_user(actor),
        )
        if members:
            role = PersonRole.MENTOR if event == "assign_mentors" else PersonRole.INTRODUCER
            CasePerson.objects.filter(case=locked, role=role, ended_on__isnull=True).update(ended_on=on)
            CasePerson.objects.bulk_create(
                [CasePerson(case=locked, role=role, member=m, assigned_on=on) for m in members]
            )
        if event in ("assembly", "conversion_meeting", "revote"):
            v = {
                k: int(payload["vote"].get(k) or 0)
                for k in ("due", "present", "written", "in_favour", "against", "abstain")
            }  # type: ignore[union-attr]
            Vote.objects.create(
                case=locked,
                step=step,
                held_on=on,
                quorum_met=rules.quorum_met(v["due"], v["present"]),
                passed=rules.vote_passes(v["due"], v["in_favour"]),
                **v,
            )
        if event == "void" and locked.member.stage in LATER_STAGES:
            _back_to_applicant(locked.member, actor)
        _verify(actor, locked.pk)
        audit.record(
            f"recruitment.{event}",
            actor=actor,
            obj=locked,
            org_path=locked.org.path,
            before=before,
            after={**snapshot(locked), "on": on, "step": rules.EVENTS[event][0]},
        )
    return locked


def _back_to_applicant(member: Member, actor) -> None:
    """Cancellation or voiding of a probationary member: the roster record leaves the member categories."""
    member_actions.update_member(member, actor=actor, stage=Stage.APPLICANT, joined_on=None, full_on=None)


def decide(
    case: RecruitmentCase,
    queue: str,
    *,
    actor,
    approve: bool,
    on: date,
    reason: str = "",
    by_org: Org | None = None,
    expected_version: int | None = None,
) -> RecruitmentCase:
    """The upper committee files, consents, pre-reviews, approves or approves a conversion — or returns the
    item with a reason. `by_org` (default: the committee entitled under RUR-12) must be above the case's org;
    only an entitled committee may pre-review, approve or approve a conversion (RUR-12)."""
    approver = approving_org(case.org)
    by_org = by_org or approver
    if by_org is None:
        raise RuleViolation("RUR-12", "该党组织上级没有具有审批权限的党委，请联系县委组织部", field="by_org")
    if not case.org.path.startswith(by_org.path) or by_org.pk == case.org_id:
        raise RuleViolation("DEV-STATE", "应由该党组织的上级党委办理", field="by_org")
    _require(actor, APPROVE, by_org, "您不是该事项的上级党委办理人员，超出您的权限，操作未执行。")
    entitled = (approver is not None and by_org.pk == approver.pk) or org_may_approve(by_org)
    if queue == rules.PREREVIEW and approve and not entitled:
        raise RuleViolation("RUR-12", "预审应由具有审批权限的基层党委进行（细则第十八条、第二十二条）", field="by_org")
    payload = {"on": on, "queue": queue, "approve": approve, "reason": reason, "approver_ok": entitled}
    version = expected_version if expected_version is not None else case.version
    with transaction.atomic():
        locked = RecruitmentCase.objects.select_for_update().select_related("member", "org").get(pk=case.pk)
        if locked.version != version:
            raise ConcurrentEdit()
        before = snapshot(locked)
        outcome = locked.pending_outcome
        new = _advance(locked, "decide", payload)
        refresh(locked, new)
        if approve and queue in (rules.APPROVAL, rules.CONVERSION):
            locked.approving_org = by_org
        locked.version = version + 1
        locked.save()
        stats_events.orgs_changed([locked.org_id])
        step = CaseStep.objects.create(
            case=locked,
            event="decide",
            step_no=rules.DECISIONS[queue][0],
            on=on,
            data={"queue": queue, "approve": approve, "outcome": outcome if queue == rules.CONVERSION else ""},
            note=reason.strip(),
            org=by_org,
            actor=_user(actor),
        )
        Decision.objects.create(
            case=locked,
            step=step,
            queue=queue,
            org=by_org,
            approved=approve,
            on=on,
            reason=reason.strip(),
            decided_by=_user(actor),
        )
        member = locked.member
        if approve and queue == rules.APPROVAL:
            # MEM-09: a Party member from the assembly's date, once the committee has approved.
            member_actions.update_member(
                member, actor=actor, stage=Stage.PROBATIONARY, joined_on=locked.acceptance_date, full_on=None
            )
        elif approve and queue == rules.CONVERSION and outcome == rules.CONVERT:
            # MEM-10: Party standing counts from the probation end, whatever the approval date.
            member_actions.update_member(member, actor=actor, stage=Stage.FULL, full_on=locked.conversion_date)
        elif approve and queue == rules.CONVERSION and outcome == rules.CANCEL:
            _back_to_applicant(member, actor)
        _verify(actor, locked.pk, VIEW)
        audit.record(
            f"recruitment.decide.{queue}",
            actor=actor,
            obj=locked,
            org_path=locked.org.path,
            before=before,
            after={**snapshot(locked), "approve": approve, "on": on, "reason": reason.strip(), "by_org": by_org.pk},
        )
    return locked


def transfer_case(case: RecruitmentCase, to_org: Org, *, actor, on: date, note: str = "") -> RecruitmentCase:
    """§4.1 TRANSFERRED_OUT inside the system: the case moves with its whole history; training time and the
    activist date carry on (细则第十二条、第三十四条). Needs change rights on both orgs.

    The roster never disagrees with the case (REL-01): for a person who is not yet a Party member (applicant,
    activist, candidate) the roster placement moves with the case through `members.actions.place` (needs
    members.change_member on both orgs). A probationary member's relationship moves only by 组织关系转接
    (介绍信, rules.md §7, REL-02…04): the case is then refused here and follows by itself when the receiving
    org accepts the letter (`follow_roster`); moving it to the org the roster already holds is allowed."""
    _require(actor, CHANGE, case.org)
    _require(actor, CHANGE, to_org)
    if to_org.is_dissolved or to_org.kind not in ("branch", "joint_branch", "general_branch"):
        raise RuleViolation("DEV-XFER", "只能转入正常的党支部（总支）", field="to_org")
    if not case.is_open or case.awaiting:
        raise RuleViolation("DEV-XFER", "已办结或待上级党委办理的档案不能转接", field="to_org")
    if to_org.pk == case.org_id:
        raise RuleViolation("DEV-XFER", "转入党组织与现党组织相同", field="to_org")
    if on > _today():
        raise RuleViolation("DEV-DATA", "日期不能晚于今天", field="on")
    member = Member.objects.select_related("org").get(pk=case.member_id)
    move_roster = member.org_id != to_org.pk
    if move_roster and member.is_member:
        raise RuleViolation(
            "REL-02",
            f"{member.name}已是{member.get_stage_display()}，组织关系须通过“组织关系转接”开具党员组织关系介绍信办理；"
            "接收党组织接收后，发展档案自动随转，培养考察时间连续计算",
            field="to_org",
        )
    if move_roster:
        for org in (member.org, to_org):
            _require(actor, "members.change_member", org, "您没有调整该人员所在党组织的权限，操作未执行。")
        placed = Placement.objects.filter(member=member, valid_to__isnull=True).values_list("valid_from", flat=True)
        since = placed.first()
        if since is not None and on < since:
            raise RuleViolation("DATES_OUT_OF_ORDER", f"转接日期不能早于编入现党组织的日期（{since:%Y年%m月%d日}）",
                                field="on")  # fmt: skip
    with transaction.atomic():
        locked = RecruitmentCase.objects.select_for_update().select_related("org", "member").get(pk=case.pk)
        if locked.org_id != case.org_id:
            raise ConcurrentEdit()
        _move(locked, to_org, actor=actor, on=on, note=note, action="recruitment.transfer")
        if move_roster:
            member_actions.place(
                member, to_org, actor=actor, on=on, reason="发展档案转接（入党申请人/积极分子/发展对象）"
            )
        _verify(actor, locked.pk)
    return locked


def _move(locked: RecruitmentCase, to_org: Org, *, actor, on: date, note: str, action: str, follow: bool = False):
    before = snapshot(locked)
    from_org = locked.org
    locked.org = to_org
    locked.version += 1
    refresh(locked)
    locked.save()
    stats_events.orgs_changed([from_org.pk, to_org.pk])
    CaseStep.objects.create(
        case=locked,
        event="transfer",
        on=on,
        data={"from": from_org.pk, "from_name": from_org.name, "follow": follow},
        note=note.strip(),
        org=to_org,
        actor=_user(actor),
    )
    audit.record(action, actor=actor, obj=locked, org_path=to_org.path, before=before, after=snapshot(locked))


def follow_roster(member_id: int, org_id: int, on: date) -> RecruitmentCase | None:
    """REL-01: the person's roster placement moved (an accepted 组织关系转接, or any other placement): the open
    case moves to the same org with its history (a "transfer" step noting that it followed the roster).
    Called from the post_save of members.Placement, inside the transaction that moved the person."""
    case = (
        RecruitmentCase.objects.select_for_update()
        .select_related("org", "member")
        .filter(member_id=member_id, is_open=True)
        .exclude(org_id=org_id)
        .first()
    )
    if case is None:
        return None
    to_org = Org.objects.get(pk=org_id)
    _move(case, to_org, actor=None, on=on, note="随组织关系转接转入", action="recruitment.transfer.follow", follow=True)
    return case


def follow_roster_exit(member_id: int, on: date) -> RecruitmentCase | None:
    """§4.1 TRANSFERRED_OUT: the person's 组织关系 went to an org outside the system (the letter's receipt was
    recorded, the roster record left the roster): the open case is closed as transferred out with the dossier,
    through the state machine's own ``transfer_out`` step. Called from the post_save of members.StatusChange."""
    case = (
        RecruitmentCase.objects.select_for_update()
        .select_related("org", "member")
        .filter(member_id=member_id, is_open=True)
        .first()
    )
    if case is None:
        return None
    reason = "组织关系转出系统外（介绍信回执已登记）"
    try:
        new = rules.advance(case.as_rules_dict(), "transfer_out", {"on": on, "reason": reason}, today=max(on, _today()))
    except rules.Refused:
        return None
    before = snapshot(case)
    refresh(case, new)
    case.version += 1
    case.save()
    stats_events.orgs_changed([case.org_id])
    CaseStep.objects.create(
        case=case, event="transfer_out", on=on, data={"reason": reason, "follow": True}, note=reason, org=case.org
    )
    audit.record("recruitment.transfer_out.follow", obj=case, org_path=case.org.path, before=before,
                 after=snapshot(case))  # fmt: skip
    return case


def set_local_option(
    org: Org,
    code: str,
    value: int,
    *,
    actor,
    effective_from: date,
    note: str = "",
    expected_version: int | None = None,
) -> LocalOption:
    """§4.5: switch on a local practice for `org`'s subtree from a date. Changing a setting of the same org,
    rule and date checks the version the editor read (`expected_version`) and raises it by one."""
    _require(actor, OPTIONS, org)
    if code not in rules.LOCAL_OPTION_LABELS:
        raise RuleViolation("DEV-P", f"未知的本地规定：{code}", field="code")
    limit = rules.LOCAL_OPTION_MAX.get(code, rules.LOCAL_OPTION_MAX_DEFAULT)
    if not 0 <= int(value) <= limit:
        raise RuleViolation(code, f"取值应在0至{limit}之间", field="value")
    if code == "DEV-P6" and int(value) < rules.NOTICE_MIN_WORKING_DAYS:
        raise RuleViolation("DEV-P6", "公示期不得少于5个工作日（细则2026第十三条）", field="value")
    if code == "DEV-P6X" and 0 < int(value) < rules.NOTICE_MIN_WORKING_DAYS:
        raise RuleViolation("DEV-P6", "公示期不得少于5个工作日；0表示不要求此项公示", field="value")
    if code == "DEV-P5" and int(value) >= rules.APPROVAL_MAX_MONTHS:
        raise RuleViolation("DEV-P5", "复议期限应少于六个月（超过六个月须重新履行接收手续）", field="value")
    with transaction.atomic():
        option = (
            LocalOption.objects.select_for_update().filter(org=org, code=code, effective_from=effective_from).first()
        )
        before = None
        if option is None:
            option = LocalOption(org=org, code=code, effective_from=effective_from, value=int(value))
        else:
            if expected_version is not None and option.version != expected_version:
                raise ConcurrentEdit()
            before = {"value": option.value, "version": option.version}
            option.version += 1
        option.value, option.note, option.created_by = int(value), note.strip(), _user(actor)
        option.save()
        audit.record(
            "recruitment.quota" if code == rules.QUOTA_CODE else "recruitment.option",
            actor=actor,
            obj=option,
            org_path=org.path,
            before=before,
            after={"code": code, "value": int(value), "effective_from": effective_from, "version": option.version},
        )
    return option


def set_quota(
    org: Org, year: int, quota: int, *, actor, note: str = "", expected_version: int | None = None
) -> LocalOption:
    """DEV-P8 (P): the year's development quota for `org`'s subtree (年度发展党员计划指标), kept as the DEV-P8
    local option effective 1 January of `year`; a second setting of the same year is a versioned change."""
    if not 2000 <= int(year) <= 2100:
        raise RuleViolation("DEV-P8", "年度应在2000至2100之间", field="year")
    existing = (
        LocalOption.objects.filter(org=org, code=rules.QUOTA_CODE, effective_from__year=year)
        .order_by("-effective_from")
        .first()
    )
    effective = existing.effective_from if existing else date(int(year), 1, 1)
    return set_local_option(
        org, rules.QUOTA_CODE, quota, actor=actor, effective_from=effective, note=note,
        expected_version=expected_version if existing else None,
    )  # fmt: skip

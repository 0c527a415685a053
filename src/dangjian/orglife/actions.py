"""Every change to organizational life: schedule a meeting, record it, record attendance, grant an exemption.

Each action checks the actor's scope (`orglife.change_meeting` over the org's path; an exemption over the
upper org's path), writes in one transaction with an optimistic version check where a record is edited,
re-checks scope after the write and records an audit event. Attendance is always recorded as it happened;
quorum (LIFE-01 general assembly, LIFE-02 committee meeting) is what refuses submission and approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core import audit, events
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.members import rules as member_rules
from dangjian.members.models import Member
from dangjian.orglife import richtext, rules
from dangjian.orglife.models import (
    Amendment,
    Attendance,
    AttendanceStatus,
    CadenceRule,
    Exemption,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from dangjian.orgs.models import Org
from dangjian.stats import events as stats_events

PERM = "orglife.change_meeting"
REVIEW_PERM = "orglife.review_meeting"
DETAIL_FIELDS = ("topic", "held_on", "starts_at", "ends_at", "place", "host", "recorder", "lecturer")
RECORD_FIELDS = (*DETAIL_FIELDS, "minutes", "resolutions")


def _today() -> date:
    return timezone.localdate()


def _require(actor, org: Org) -> None:
    if actor is not None and not user_may_act_on_path(actor, PERM, org.path):
        raise OutOfScope()


def _verify(actor, meeting_id: int) -> None:
    if actor is not None and not restrict(Meeting.objects.all(), actor, PERM).filter(pk=meeting_id).exists():
        raise OutOfScope()


def snapshot(meeting: Meeting) -> dict:
    data = {f: getattr(meeting, f) for f in DETAIL_FIELDS}
    data.update(org_id=meeting.org_id, kind=meeting.kind, status=meeting.status, minutes_chars=len(meeting.minutes))
    return data


def _clean_details(data: Mapping) -> dict:
    out = {f: data[f] for f in RECORD_FIELDS if f in data}
    for f in ("topic", "place", "host", "recorder", "lecturer"):
        if f in out:
            out[f] = (out[f] or "").strip()
    if "topic" in out and not out["topic"]:
        raise RuleViolation("LIFE-DATA", "请填写会议主题", field="topic")
    if "minutes" in out:
        if len(out["minutes"] or "") > richtext.MAX_CHARS:
            raise RuleViolation("LIFE-DATA", "会议记录过长（最多20万字符），请精简或作为附件上传", field="minutes")
        out["minutes"] = richtext.clean_minutes(out["minutes"])
    if "held_on" in out and not isinstance(out["held_on"], date):
        raise RuleViolation("LIFE-DATA", "请填写会议日期", field="held_on")
    for f, label in (("starts_at", "开始时间"), ("ends_at", "结束时间")):
        if out.get(f) is not None and not isinstance(out[f], time):
            raise RuleViolation("LIFE-DATA", f"{label}格式不正确", field=f)
    if out.get("starts_at") and out.get("ends_at") and out["ends_at"] <= out["starts_at"]:
        raise RuleViolation("LIFE-DATA", "结束时间应晚于开始时间", field="ends_at")
    return out


def _refuse_locked(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.SUBMITTED:
        raise RuleViolation("LIFE-REVIEW", "会议记录已报送上级审核，审核或退回前不能修改", field=None)
    if meeting.status == MeetingStatus.APPROVED:
        raise RuleViolation("LIFE-REVIEW", "会议记录已审核通过，只能通过“审核后修改”并填写理由进行修改", field=None)


def schedule_meeting(
    org: Org,
    *,
    actor,
    kind: str,
    topic: str,
    held_on: date,
    starts_at: time | None = None,
    place: str = "",
    host: str = "",
    recorder: str = "",
    lecturer: str = "",
    ends_at: time | None = None,
    invitees=None,
    party_group=None,
) -> Meeting:
    """Plan a meeting of `org` (status 计划召开). `invitees` (members) default to the org's current members, or
    for a 党小组会 to its party group's members; a member of another org may be invited (e.g. a county leader
    taking part in a branch's life, LIFE-11). A 党小组会 of a branch that has party groups names its group
    (LIFE-03 is counted per group)."""
    _require(actor, org)
    if org.is_dissolved:
        raise RuleViolation("LIFE-DATA", f"党组织「{org.name}」已撤销，不能安排组织生活", field="org")
    if kind not in MeetingKind.values:
        raise RuleViolation("LIFE-DATA", f"未知的组织生活类别：{kind}", field="kind")
    _check_party_group(org, kind, party_group, held_on)
    clean = _clean_details(
        {"topic": topic, "held_on": held_on, "starts_at": starts_at, "place": place, "host": host,
         "recorder": recorder, "lecturer": lecturer, "ends_at": ends_at}
    )  # fmt: skip
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    meeting = Meeting(org=org, kind=kind, party_group=party_group, created_by=actor if authenticated else None, **clean)
    with transaction.atomic():
        meeting.save(force_insert=True)
        if invitees is None:
            invitees = list(default_invitees(org, party_group))
        meeting.invitees.set(invitees)
        _verify(actor, meeting.pk)
        after = snapshot(meeting)
        after["invitees"] = len(invitees)
        if party_group is not None:
            after["party_group_id"] = party_group.pk
        audit.record("meeting.schedule", actor=actor, obj=meeting, org_path=org.path, after=after)
    return meeting


def default_invitees(org: Org, party_group=None):
    """Who is invited when nobody is named: the party group's current members for a group meeting, else the
    org's current Party members (probationary and full)."""
    qs = Member.objects.current().members().filter(org_id=org.pk)
    if party_group is not None:
        qs = qs.filter(party_group_membership__group=party_group)
    return qs.order_by("name_initials", "pk")


def _check_party_group(org: Org, kind: str, party_group, held_on) -> None:
    from dangjian.orglife.models import PartyGroup

    if party_group is None:
        if kind == MeetingKind.GROUP_MEETING and PartyGroup.objects.filter(org=org, dissolved_on__isnull=True).exists():
            raise RuleViolation("LIFE-03", "党小组会须选择党小组（按党小组统计开展情况）", field="party_group")
        return
    if kind != MeetingKind.GROUP_MEETING:
        raise RuleViolation("LIFE-03", "只有党小组会需要选择党小组", field="party_group")
    if party_group.org_id != org.pk:
        raise RuleViolation("LIFE-03", f"党小组「{party_group.name}」不属于{org.name}", field="party_group")
    if party_group.dissolved_on is not None and isinstance(held_on, date) and held_on > party_group.dissolved_on:
        raise RuleViolation(
            "LIFE-03", f"党小组「{party_group.name}」已于{party_group.dissolved_on}撤销", field="party_group"
        )


def save_party_group(
    org: Org, *, actor, name: str, established_on: date, members=(), leader=None, dissolved_on: date | None = None,
    group=None, expected_version: int | None = None,
):  # fmt: skip
    """Set up (or edit) a 党小组 of a branch: its name, date set up, members (current Party members of the
    branch; a member moves from any other group) and leader (one of them). Audited."""
    from dangjian.orglife.models import PartyGroup, PartyGroupMember
    from dangjian.orgs.models import BRANCH_KINDS

    _require(actor, org)
    if org.kind not in BRANCH_KINDS:
        raise RuleViolation("LIFE-03", "党小组设在党支部内", field="org")
    name = (name or "").strip()[:64]
    if not name:
        raise RuleViolation("LIFE-03", "请填写党小组名称", field="name")
    if not isinstance(established_on, date):
        raise RuleViolation("LIFE-03", "请填写成立日期", field="established_on")
    if dissolved_on is not None and dissolved_on < established_on:
        raise RuleViolation("LIFE-03", "撤销日期不能早于成立日期", field="dissolved_on")
    wanted = {m.pk for m in members}
    allowed = set(Member.objects.current().members().filter(org=org, pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise RuleViolation("LIFE-03", "党小组成员须为本支部在册党员", field="members")
    if leader is not None and leader.pk not in wanted:
        raise RuleViolation("LIFE-03", "党小组组长须为本小组成员", field="leader")
    with transaction.atomic():
        if group is None:
            group = PartyGroup(org=org)
        else:
            group = PartyGroup.objects.select_for_update().get(pk=group.pk, org=org)
            if expected_version is not None and group.version != expected_version:
                raise ConcurrentEdit()
            group.version += 1
        if PartyGroup.objects.filter(org=org, name=name).exclude(pk=group.pk).exists():
            raise RuleViolation("LIFE-03", f"本支部已有名为「{name}」的党小组", field="name")
        group.name, group.established_on, group.dissolved_on, group.leader = name, established_on, dissolved_on, leader
        group.save()
        PartyGroupMember.objects.filter(group=group).exclude(member_id__in=wanted).delete()
        PartyGroupMember.objects.filter(member_id__in=wanted).exclude(group=group).delete()
        have = set(PartyGroupMember.objects.filter(group=group).values_list("member_id", flat=True))
        PartyGroupMember.objects.bulk_create(PartyGroupMember(group=group, member_id=i) for i in sorted(wanted - have))
        audit.record(
            "party_group.save", actor=actor, obj=group, org_path=org.path,
            after={"name": name, "established_on": established_on.isoformat(), "members": sorted(wanted),
                   "leader": leader.pk if leader else None,
                   "dissolved_on": dissolved_on.isoformat() if dissolved_on else None},
        )  # fmt: skip
    return group


def record_meeting(meeting: Meeting, *, actor, expected_version: int | None = None, **details) -> Meeting:
    """Record what happened (topic, date, minutes…) and mark the meeting 已召开. A meeting cannot be recorded
    as held on a day still to come."""
    unknown = set(details) - set(RECORD_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    _require(actor, meeting.org)
    clean = _clean_details(details)
    held_on = clean.get("held_on", meeting.held_on)
    if held_on > _today():
        raise RuleViolation("LIFE-DATA", "会议日期晚于今天，尚未召开的会议不能登记为已召开", field="held_on")
    before = snapshot(meeting)
    version = expected_version if expected_version is not None else meeting.version
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
        if locked.version != version:
            raise ConcurrentEdit()
        _refuse_locked(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        locked.status = MeetingStatus.HELD
        locked.version = version + 1
        locked.save()
        _verify(actor, locked.pk)
        after = snapshot(locked)
        audit.record(
            "meeting.record", actor=actor, obj=locked, org_path=locked.org.path,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )  # fmt: skip
        stats_events.orgs_changed([locked.org_id])
        events.publish(events.MEETING_RECORDED, meeting_ids=[locked.pk])
    return locked


def attendee_members(meeting: Meeting):
    """Who may attend: the org's current Party members (probationary and full), for a group meeting its party
    group's, and the invited members."""
    from django.db.models import Q

    invited = Meeting.invitees.through.objects.filter(meeting_id=meeting.pk).values("member_id")
    own = Q(org_id=meeting.org_id, stage__in=["probationary", "full"])
    if meeting.party_group_id:
        own &= Q(party_group_membership__group_id=meeting.party_group_id)
    return Member.objects.current().filter(own | Q(pk__in=invited))


def record_attendance(
    meeting: Meeting,
    entries: Mapping[int, Mapping[str, str] | str] | None = None,
    *,
    actor,
    expected_version: int | None = None,
) -> Meeting:
    """Record who attended: `entries` maps member id → status (出席/缺席/请假) or {"status", "reason"}.

    The attendee list is the org's current members plus anyone already recorded; a member of another org
    is refused. Every current member gets a row, so the quorum's "due" is complete: one not yet recorded
    and not named in `entries` is recorded absent; `entries=None` records everyone present. A missing quorum
    does not refuse the attendance (it is what happened); it refuses the submission (LIFE-01/02)."""
    _require(actor, meeting.org)
    version = expected_version if expected_version is not None else meeting.version
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
        if locked.version != version:
            raise ConcurrentEdit()
        _refuse_locked(locked)
        changes = _write_attendance(locked, entries)
        locked.version = version + 1
        locked.save(update_fields=["version", "updated_at"])
        _verify(actor, locked.pk)
        audit.record(
            "meeting.attendance", actor=actor, obj=locked, org_path=locked.org.path,
            after={"changed": {str(k): new[0] for k, (_old, new) in sorted(changes.items())}},
        )  # fmt: skip
        events.publish(events.ATTENDANCE_RECORDED, meeting_ids=[locked.pk])
    return locked


def _write_attendance(
    locked: Meeting, entries, *, only_named: bool = False
) -> dict[int, tuple[tuple[str, str] | None, tuple[str, str]]]:
    """Write the attendance rows of a (locked) meeting from `entries` (see record_attendance); with
    `only_named` the members not named are left alone. Returns member id → (old (status, reason) or None,
    new (status, reason)) for every row it created or changed."""
    entries = dict(entries or {}) if entries is not None else None
    existing = {a.member_id: a for a in Attendance.objects.filter(meeting=locked).select_related("member")}
    roster = {m.pk: m for m in attendee_members(locked)}
    for member_id in set(existing) - set(roster):
        roster[member_id] = existing[member_id].member
    parsed: dict[int, tuple[str, str]] = {}
    for raw_id, value in (entries or {}).items():
        try:
            member_id = int(raw_id)
        except (TypeError, ValueError):
            raise RuleViolation("LIFE-DATA", f"党员编号不正确：{raw_id}", field="attendance") from None
        if member_id not in roster:
            raise RuleViolation("LIFE-DATA", "只能登记本组织党员或受邀人员的出勤情况", field="attendance")
        status, reason = (value, "") if isinstance(value, str) else (value.get("status"), value.get("reason", ""))
        if status not in AttendanceStatus.values:
            raise RuleViolation("LIFE-DATA", f"出勤情况不正确：{status}", field="attendance")
        parsed[member_id] = (status, (reason or "").strip()[:200])
    default = AttendanceStatus.PRESENT if entries is None else AttendanceStatus.ABSENT
    to_create, to_update, changes = [], [], {}
    for member_id, member in roster.items():
        row = existing.get(member_id)
        if member_id in parsed:
            status, reason = parsed[member_id]
        elif row is None and not only_named:
            status, reason = default, ""
        else:
            continue
        voting = member.org_id == locked.org_id and member_rules.is_voting_member(member.stage, member.status)
        if row is None:
            to_create.append(
                Attendance(meeting=locked, member_id=member_id, status=status, reason=reason, voting=voting)
            )
            changes[member_id] = (None, (status, reason))
        elif (row.status, row.reason) != (status, reason):
            changes[member_id] = ((row.status, row.reason), (status, reason))
            row.status, row.reason, row.voting = status, reason, voting
            to_update.append(row)
    Attendance.objects.bulk_create(to_create)
    Attendance.objects.bulk_update(to_update, ["status", "reason", "voting"])
    return changes


def amend_attendance(
    meeting: Meeting, entries: Mapping[int, Mapping[str, str] | str], *, actor, reason: str,
    expected_version: int | None = None,
) -> Meeting:  # fmt: skip
    """Correct the attendance of an approved record (审核后修改): only with a reason; the record stays approved,
    the changed rows are kept in an Amendment and audited. A general assembly or committee meeting must still
    have its quorum afterwards (LIFE-01/02), else nothing is changed."""
    _require(actor, meeting.org)
    reason = (reason or "").strip()[:255]
    if not reason:
        raise RuleViolation("LIFE-REVIEW", "审核后修改须填写修改理由", field="reason")
    with transaction.atomic():
        locked = _lock(meeting, expected_version)
        if locked.status != MeetingStatus.APPROVED:
            raise RuleViolation("LIFE-REVIEW", "只有审核通过的记录需要“审核后修改”，其他记录请直接修改出勤", field=None)
        changes = _write_attendance(locked, entries or {}, only_named=True)
        if not changes:
            raise RuleViolation("LIFE-REVIEW", "没有修改任何出勤情况", field=None)
        _quorum_check(locked)
        labels = dict(AttendanceStatus.choices)
        names = dict(Member.objects.filter(pk__in=list(changes)).values_list("pk", "name"))

        def show(value):
            return "" if value is None else labels[value[0]] + (f"（{value[1]}）" if value[1] else "")

        record = {f"{names.get(k, k)}（{k}）": [show(old), show(new)] for k, (old, new) in sorted(changes.items())}
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        Amendment.objects.create(
            meeting=locked, reason=reason, changes={"attendance": record}, amended_by=actor if authenticated else None
        )
        _verify(actor, locked.pk)
        audit.record(
            "meeting.amend_attendance", actor=actor, obj=locked, org_path=locked.org.path,
            before={str(k): old[0] if old else None for k, (old, _new) in changes.items()},
            after={**{str(k): new[0] for k, (_old, new) in changes.items()}, "reason": reason},
        )  # fmt: skip
        events.publish(events.ATTENDANCE_RECORDED, meeting_ids=[locked.pk])
    return locked


def grant_exemption(org: Org, *, actor, kind: str, period: str, reason: str) -> Exemption:
    """The upper level excuses `org` from holding `kind` in `period` (LIFE-12 and the like). Needs
    `orglife.change_meeting` over the org's parent: a branch does not excuse itself."""
    upper = org.parent if org.parent_id else org
    if actor is not None and not user_may_act_on_path(actor, PERM, upper.path):
        raise OutOfScope("免于开展须由上级党组织登记，超出您的权限，操作未执行。")
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("LIFE-12", "请填写免于开展的理由", field="reason")
    if not rules.period_fits_kind(period, kind):
        raise RuleViolation(
            "LIFE-12", f"期间「{period}」与「{MeetingKind(kind).label if kind in MeetingKind.values else kind}」"
            "的开展频次不符（按月：2026-03；按季：2026-Q1；按年：2026）", field="period",
        )  # fmt: skip
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    try:
        with transaction.atomic():
            exemption = Exemption.objects.create(
                org=org, kind=kind, period=period, reason=reason, granted_by=actor if authenticated else None
            )
            audit.record(
                "exemption.grant", actor=actor, obj=exemption, org_path=org.path,
                after={"org_id": org.pk, "kind": kind, "period": period, "reason": reason},
            )  # fmt: skip
            stats_events.orgs_changed([org.pk])
    except IntegrityError:
        raise RuleViolation("LIFE-12", "该期间的这项组织生活已登记免于开展", field="period") from None
    return exemption


# ------------------------------------------------------------------------------------------- review chain


def _require_reviewer(actor, org: Org) -> None:
    """The upper committee reviews: `orglife.review_meeting` over the org's parent (a branch does not
    approve its own records)."""
    upper = org.parent if org.parent_id else org
    if actor is not None and not user_may_act_on_path(actor, REVIEW_PERM, upper.path):
        raise OutOfScope("会议记录须由上级党组织审核，超出您的权限，操作未执行。")


def _quorum_check(meeting: Meeting) -> None:
    """LIFE-01/02: a general assembly or committee meeting without quorum is not a valid meeting: it cannot
    be submitted, approved or amended into that state."""
    from dangjian.orglife import queries

    quorum = queries.recorded_quorum(meeting)
    if quorum is None:
        return
    refusal = rules.quorum_refusal(meeting.kind, quorum.present, quorum.due)
    if refusal:
        raise RuleViolation(quorum.rule, refusal, field="attendance")


def _lock(meeting: Meeting, version: int | None) -> Meeting:
    locked = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    if version is not None and locked.version != version:
        raise ConcurrentEdit()
    return locked


def submit_meeting(meeting: Meeting, *, actor, expected_version: int | None = None) -> Meeting:
    """The branch submits a held (or returned and corrected) record to the upper committee. A general
    assembly without quorum (LIFE-01) cannot be submitted."""
    _require(actor, meeting.org)
    with transaction.atomic():
        locked = _lock(meeting, expected_version)
        if locked.status not in (MeetingStatus.HELD, MeetingStatus.RETURNED):
            raise RuleViolation(
                "LIFE-REVIEW", f"状态为“{locked.get_status_display()}”的记录不能报送（须先登记会议记录）", field=None
            )
        _quorum_check(locked)
        locked.status = MeetingStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.version += 1
        locked.save()
        _verify(actor, locked.pk)
        audit.record("meeting.submit", actor=actor, obj=locked, org_path=locked.org.path, after={"status": "submitted"})
    return locked


def review_meeting(
    meeting: Meeting, *, actor, approve: bool, reason: str = "", expected_version: int | None = None
) -> Meeting:
    """The upper committee approves a submitted record, or returns it with a reason. Approval locks it."""
    _require_reviewer(actor, meeting.org)
    reason = (reason or "").strip()[:255]
    if not approve and not reason:
        raise RuleViolation("LIFE-REVIEW", "退回须填写理由", field="reason")
    with transaction.atomic():
        locked = _lock(meeting, expected_version)
        if locked.status != MeetingStatus.SUBMITTED:
            raise RuleViolation("LIFE-REVIEW", "只能审核已报送、待审核的记录", field=None)
        if approve:
            _quorum_check(locked)
        locked.status = MeetingStatus.APPROVED if approve else MeetingStatus.RETURNED
        locked.review_note = reason
        locked.reviewed_at = timezone.now()
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        locked.reviewed_by = actor if authenticated else None
        locked.version += 1
        locked.save()
        audit.record(
            "meeting.approve" if approve else "meeting.return", actor=actor, obj=locked, org_path=locked.org.path,
            after={"status": locked.status, "reason": reason},
        )  # fmt: skip
        stats_events.orgs_changed([locked.org_id])
    return locked


def amend_meeting(meeting: Meeting, *, actor, reason: str, expected_version: int | None = None, **details) -> Meeting:
    """Change an approved record: only with a reason; the changed fields are kept (Amendment) and audited.
    The record stays approved."""
    unknown = set(details) - set(RECORD_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    _require(actor, meeting.org)
    reason = (reason or "").strip()[:255]
    if not reason:
        raise RuleViolation("LIFE-REVIEW", "审核后修改须填写修改理由", field="reason")
    clean = _clean_details(details)
    if clean.get("held_on", meeting.held_on) > _today():
        raise RuleViolation("LIFE-DATA", "会议日期晚于今天，尚未召开的会议不能登记为已召开", field="held_on")
    with transaction.atomic():
        locked = _lock(meeting, expected_version)
        if locked.status != MeetingStatus.APPROVED:
            raise RuleViolation("LIFE-REVIEW", "只有审核通过的记录需要“审核后修改”，其他记录请直接修改", field=None)
        before = {**snapshot(locked), "minutes": locked.minutes, "resolutions": locked.resolutions}
        for key, value in clean.items():
            setattr(locked, key, value)
        after = {**snapshot(locked), "minutes": locked.minutes, "resolutions": locked.resolutions}
        changes = {k: [str(before[k]), str(after[k])] for k in RECORD_FIELDS if before[k] != after[k]}
        if not changes:
            raise RuleViolation("LIFE-REVIEW", "没有修改任何内容", field=None)
        locked.version += 1
        locked.save()
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        Amendment.objects.create(
            meeting=locked, reason=reason, changes=changes, amended_by=actor if authenticated else None
        )
        _verify(actor, locked.pk)
        audit.record(
            "meeting.amend", actor=actor, obj=locked, org_path=locked.org.path,
            before={k: v[0] for k, v in changes.items()},
            after={**{k: v[1] for k, v in changes.items()}, "reason": reason},
        )  # fmt: skip
        stats_events.orgs_changed([locked.org_id])
    return locked


def set_cadence(org: Org, *, actor, kind: str, cadence: str, effective_from: date, note: str = "") -> CadenceRule:
    """A jurisdiction sets how often `kind` must be held in its subtree from `effective_from` (LIFE-05: the
    branch Party lecture is local practice). Replaces a rule of the same org, kind and date."""
    _require(actor, org)
    if kind not in MeetingKind.values:
        raise RuleViolation("LIFE-05", f"未知的组织生活类别：{kind}", field="kind")
    if cadence not in (rules.MONTHLY, rules.QUARTERLY, rules.YEARLY, rules.NONE):
        raise RuleViolation("LIFE-05", f"未知的频次：{cadence}", field="cadence")
    if not isinstance(effective_from, date):
        raise RuleViolation("LIFE-05", "请填写生效日期", field="effective_from")
    with transaction.atomic():
        rule, _created = CadenceRule.objects.update_or_create(
            org=org, kind=kind, effective_from=effective_from,
            defaults={"cadence": cadence, "note": (note or "").strip()[:255]},
        )  # fmt: skip
        audit.record(
            "cadence.set", actor=actor, obj=rule, org_path=org.path,
            after={"kind": kind, "cadence": cadence, "effective_from": effective_from.isoformat(), "note": rule.note},
        )  # fmt: skip
    return rule


def link_member_account(user, member: Member, *, actor):
    """Link a login account to the roster member it belongs to (self-service, QR sign-in). Needs
    `members.change_member` over the member's org."""
    from dangjian.orglife.models import MemberAccount

    if actor is not None and not user_may_act_on_path(actor, "members.change_member", member.org.path):
        raise OutOfScope()
    with transaction.atomic():
        MemberAccount.objects.filter(member=member).exclude(user=user).delete()  # one account per member
        link, _ = MemberAccount.objects.update_or_create(user=user, defaults={"member": member})
        audit.record(
            "member_account.link", actor=actor, obj=link, org_path=member.org.path,
            after={"user": user.get_username(), "member_id": member.pk},
        )  # fmt: skip
    return link


# -------------------------------------------------------------------------------------------- QR sign-in

SIGN_IN_LEAD_MINUTES = 30  # settings.ORGLIFE_SIGN_IN_LEAD_MINUTES


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def sign_in_window(meeting: Meeting):
    """The meeting's sign-in window as aware datetimes (rules.sign_in_window in the local time zone)."""
    from django.conf import settings

    lead = getattr(settings, "ORGLIFE_SIGN_IN_LEAD_MINUTES", SIGN_IN_LEAD_MINUTES)
    start, end = rules.sign_in_window(meeting.held_on, meeting.starts_at, meeting.ends_at, lead_minutes=lead)
    return timezone.make_aware(start), timezone.make_aware(end)


def issue_sign_in_token(meeting: Meeting, *, actor, now=None) -> str:
    """A new one-time sign-in token for the meeting, valid in its time window; returns the token (only its
    hash is stored). Shown as a QR code at the meeting; the page asks for a fresh one after each use."""
    import secrets

    from dangjian.orglife.models import SignInToken

    _require(actor, meeting.org)
    now = now or timezone.now()
    if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.HELD):
        raise RuleViolation("LIFE-SIGNIN", "会议记录已报送或审核，不能再扫码签到", field=None)
    valid_from, valid_to = sign_in_window(meeting)
    if now > valid_to:
        raise RuleViolation("LIFE-SIGNIN", "会议签到时间已过，不能再生成签到码", field=None)
    token = secrets.token_urlsafe(24)
    SignInToken.objects.create(meeting=meeting, token_hash=_token_hash(token), valid_from=valid_from, valid_to=valid_to)
    return token


def sign_in(token: str, *, user, now=None) -> Attendance:
    """A logged-in member signs in with a token scanned at the meeting: marked present. Refused with a clear
    message when the token is unknown, already used, outside the meeting's time window, when the account
    is not linked to a member, or when the member is neither of the org nor invited."""
    from dangjian.orglife.models import MemberAccount, SignInToken

    now = now or timezone.now()
    link = MemberAccount.objects.select_related("member").filter(user=user).first()
    if link is None:
        raise RuleViolation("LIFE-SIGNIN", "您的账号尚未关联党员信息，不能扫码签到，请联系支部书记", field=None)
    member = link.member
    with transaction.atomic():
        row = SignInToken.objects.select_for_update().filter(token_hash=_token_hash(token or "")).first()
        if row is None:
            raise RuleViolation("LIFE-SIGNIN", "签到码无效，请扫描会场屏幕上的二维码", field=None)
        if row.used_at is not None:
            raise RuleViolation("LIFE-SIGNIN", "该签到码已被使用，请扫描会场屏幕上刷新后的二维码", field=None)
        if now < row.valid_from:
            raise RuleViolation("LIFE-SIGNIN", "会议签到尚未开始", field=None)
        if now > row.valid_to:
            raise RuleViolation("LIFE-SIGNIN", "签到码已过期，会议签到时间已过", field=None)
        meeting = Meeting.objects.select_for_update().select_related("org").get(pk=row.meeting_id)
        if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.HELD):
            raise RuleViolation("LIFE-SIGNIN", "会议记录已报送或审核，不能再签到", field=None)
        if not attendee_members(meeting).filter(pk=member.pk).exists():
            raise RuleViolation("LIFE-SIGNIN", "您不是本次会议的参加人员，不能签到", field=None)
        attendance = Attendance.objects.filter(meeting=meeting, member=member).first()
        if attendance is not None and attendance.status == AttendanceStatus.PRESENT:
            raise RuleViolation("LIFE-SIGNIN", "您已签到，无需重复签到", field=None)
        voting = member.org_id == meeting.org_id and member_rules.is_voting_member(member.stage, member.status)
        if attendance is None:
            attendance = Attendance.objects.create(meeting=meeting, member=member, status="present", voting=voting)
        else:
            attendance.status, attendance.reason = AttendanceStatus.PRESENT, ""
            attendance.save(update_fields=["status", "reason"])
        row.used_at, row.used_by = now, member
        row.save(update_fields=["used_at", "used_by"])
        meeting.version += 1
        meeting.save(update_fields=["version", "updated_at"])
        audit.record(
            "meeting.sign_in", actor=user, obj=meeting, org_path=meeting.org.path,
            after={"member_id": member.pk, "status": "present"},
        )  # fmt: skip
        events.publish(events.ATTENDANCE_RECORDED, meeting_ids=[meeting.pk])
    return attendance


# ------------------------------------------------------------------- democratic appraisal, checklist, talks

GRADE_FIELDS = ("self_assessment", "peer_assessment", "votes_excellent", "votes_qualified", "votes_basic",
                "votes_unqualified", "grade")  # fmt: skip


def _grade_probationary() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "ORGLIFE_GRADE_PROBATIONARY", False))


def open_appraisal(org: Org, *, actor, year: int, meeting: Meeting | None = None):
    """Start the year's 民主评议党员 of an org (LIFE-08): one entry per current member; probationary members
    take part without a grade unless settings.ORGLIFE_GRADE_PROBATIONARY (LIFE-09, P)."""
    from dangjian.orglife.models import Appraisal, AppraisalEntry

    _require(actor, org)
    if meeting is not None and meeting.org_id != org.pk:
        raise RuleViolation("LIFE-08", "评议会议须为本组织的会议", field="meeting")
    if Appraisal.objects.filter(org=org, year=year).exists():
        raise RuleViolation("LIFE-08", f"{org.name}{year}年的民主评议党员已经开始", field="year")
    grade_prob = _grade_probationary()
    with transaction.atomic():
        appraisal = Appraisal.objects.create(org=org, year=year, meeting=meeting)
        AppraisalEntry.objects.bulk_create(
            AppraisalEntry(appraisal=appraisal, member=m, graded=m.stage == "full" or grade_prob)
            for m in Member.objects.current().members().filter(org=org)
        )
        audit.record(
            "appraisal.open", actor=actor, obj=appraisal, org_path=org.path,
            after={"year": year, "entries": appraisal.entries.count()},
        )  # fmt: skip
    return appraisal


def record_appraisal(appraisal, entries: Mapping[int, Mapping], *, actor, expected_version: int | None = None):
    """Record self-assessment, peer assessment, vote counts and grades per member (entry id → fields). A
    closed appraisal is not changed; an ungraded member gets no grade."""
    from dangjian.orglife.models import Appraisal, AppraisalEntry, AppraisalGrade

    _require(actor, appraisal.org)
    with transaction.atomic():
        locked = Appraisal.objects.select_for_update().select_related("org").get(pk=appraisal.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConcurrentEdit()
        if locked.closed:
            raise RuleViolation("LIFE-09", "评议等次已确定，不能再修改", field=None)
        rows = {e.pk: e for e in AppraisalEntry.objects.filter(appraisal=locked).select_related("member")}
        changed = []
        for raw_id, values in entries.items():
            entry = rows.get(int(raw_id))
            if entry is None:
                raise RuleViolation("LIFE-08", f"评议名单中没有编号为{raw_id}的党员", field="entries")
            for key, value in values.items():
                if key not in GRADE_FIELDS:
                    raise TypeError(f"unknown appraisal field: {key}")
                if key.startswith("votes_"):
                    try:
                        value = int(value or 0)
                    except (TypeError, ValueError):
                        raise RuleViolation(
                            "LIFE-08", f"{entry.member.name}的测评票数不正确", field="entries"
                        ) from None
                    if value < 0:
                        raise RuleViolation("LIFE-08", f"{entry.member.name}的测评票数不能为负数", field="entries")
                elif key == "grade":
                    value = value or ""
                    if value and value not in AppraisalGrade.values:
                        raise RuleViolation("LIFE-09", f"等次不正确：{value}", field="entries")
                    if value and not entry.graded:
                        raise RuleViolation(
                            "LIFE-09", f"{entry.member.name}为{entry.member.get_stage_display()}，参加评议但不评定等次",
                            field="entries",
                        )  # fmt: skip
                else:
                    value = (value or "").strip()
                setattr(entry, key, value)
            changed.append(entry)
        AppraisalEntry.objects.bulk_update(changed, list(GRADE_FIELDS))
        locked.version += 1
        locked.save(update_fields=["version"])
        audit.record(
            "appraisal.record", actor=actor, obj=locked, org_path=locked.org.path,
            after={"grades": {str(e.member_id): e.grade for e in changed}},
        )  # fmt: skip
    return locked


def close_appraisal(appraisal, *, actor, expected_version: int | None = None):
    """Fix the grades (支委会/党员大会 opinion): every graded member has a grade and 优秀 ≤ 1/3 (LIFE-09)."""
    from dangjian.orglife.models import Appraisal

    _require(actor, appraisal.org)
    with transaction.atomic():
        locked = Appraisal.objects.select_for_update().select_related("org").get(pk=appraisal.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConcurrentEdit()
        if locked.closed:
            raise RuleViolation("LIFE-09", "评议等次已确定", field=None)
        problems = rules.appraisal_problems(locked.entries.values_list("graded", "grade"))
        if problems:
            raise RuleViolation("LIFE-09", "；".join(problems), field=None)
        locked.closed, locked.closed_at = True, timezone.now()
        locked.version += 1
        locked.save(update_fields=["closed", "closed_at", "version"])
        counts = {}
        for grade in locked.entries.exclude(grade="").values_list("grade", flat=True):
            counts[grade] = counts.get(grade, 0) + 1
        audit.record("appraisal.close", actor=actor, obj=locked, org_path=locked.org.path, after=counts)
    return locked


CHECKLIST_FIELDS = ("study", "talks", "opinions", "criticism", "rectification")


def save_checklist(meeting: Meeting, *, actor, **fields):
    """The preparation checklist of a 组织生活会 (LIFE-07)."""
    from dangjian.orglife.models import LifeMeetingChecklist

    unknown = set(fields) - set(CHECKLIST_FIELDS)
    if unknown:
        raise TypeError(f"unknown checklist fields: {sorted(unknown)}")
    _require(actor, meeting.org)
    if meeting.kind != MeetingKind.LIFE_MEETING:
        raise RuleViolation("LIFE-07", "只有组织生活会有会前准备清单", field=None)
    if meeting.status == MeetingStatus.APPROVED:
        raise RuleViolation("LIFE-REVIEW", "会议记录已审核通过，准备清单不能再修改", field=None)
    with transaction.atomic():
        checklist, _ = LifeMeetingChecklist.objects.get_or_create(meeting=meeting)
        for key, value in fields.items():
            setattr(checklist, key, (value or "").strip() if key == "rectification" else bool(value))
        checklist.version += 1
        checklist.save()
        audit.record(
            "checklist.save", actor=actor, obj=meeting, org_path=meeting.org.path,
            after={k: getattr(checklist, k) if k != "rectification" else len(checklist.rectification)
                   for k in CHECKLIST_FIELDS},
        )  # fmt: skip
    return checklist


def record_talk(org: Org, *, actor, held_on: date, first: Member, second: Member, topic: str):
    """Log one 谈心谈话 (LIFE-10): two different current members of the org, a date not in the future."""
    from dangjian.orglife.models import Talk

    _require(actor, org)
    topic = (topic or "").strip()
    if not topic:
        raise RuleViolation("LIFE-10", "请填写谈话主题", field="topic")
    if not isinstance(held_on, date) or held_on > _today():
        raise RuleViolation("LIFE-10", "谈话日期不能晚于今天", field="held_on")
    if first.pk == second.pk:
        raise RuleViolation("LIFE-10", "谈话双方不能是同一人", field="second")
    allowed = set(Member.objects.current().members().filter(org=org).values_list("pk", flat=True))
    if first.pk not in allowed or second.pk not in allowed:
        raise RuleViolation("LIFE-10", "谈话双方须为本组织在册党员", field="second")
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        talk = Talk.objects.create(
            org=org, held_on=held_on, first=first, second=second, topic=topic[:200],
            recorded_by=actor if authenticated else None,
        )  # fmt: skip
        audit.record(
            "talk.record", actor=actor, obj=talk, org_path=org.path,
            after={"held_on": held_on.isoformat(), "first": first.pk, "second": second.pk},
        )  # fmt: skip
    return talk


# ------------------------------------------------------------------------------------- photos and files

FILE_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
FILE_MAGIC = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}
FILE_MAX_BYTES = 20 * 1024 * 1024


def attach_file(meeting: Meeting, upload, *, actor, title: str = ""):
    """Store a photo or file of the meeting (PDF, JPEG or PNG, at most 20 MB, checked by content) outside the
    web root. Not on a record waiting for review or approved."""
    import uuid
    from pathlib import Path

    from django.conf import settings

    from dangjian.core import crypto
    from dangjian.orglife.models import MeetingFile

    _require(actor, meeting.org)
    _refuse_locked(meeting)
    if upload is None:
        raise RuleViolation("LIFE-DATA", "请选择文件", field="file")
    if upload.size > FILE_MAX_BYTES:
        raise RuleViolation("LIFE-DATA", "文件超过20MB", field="file")
    head = upload.read(8)
    upload.seek(0)
    content_type = next((t for magic, t in FILE_MAGIC.items() if head.startswith(magic)), None)
    if content_type is None:
        raise RuleViolation("LIFE-DATA", "只能上传 PDF、JPG 或 PNG 文件", field="file")
    directory = Path(settings.MEDIA_ROOT) / "orglife" / str(meeting.pk)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{uuid.uuid4().hex}{FILE_TYPES[content_type]}"
    data = b"".join(upload.chunks())
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    name = getattr(upload, "name", target.name)[:255]
    with transaction.atomic():
        row = MeetingFile.objects.create(
            meeting=meeting, title=(title or "").strip()[:128] or name, stored_file=str(target.relative_to(
                settings.MEDIA_ROOT)), original_name=name, content_type=content_type, size=len(data),
            digest=crypto.sm3(data).hex(), uploaded_by=actor if authenticated else None,
        )  # fmt: skip
        _verify(actor, meeting.pk)
        audit.record("meeting.file.add", actor=actor, obj=meeting, org_path=meeting.org.path,
                     after={"title": row.title, "digest": row.digest})  # fmt: skip
    return row


def record_file_download(row, *, actor) -> None:
    with transaction.atomic():
        audit.record("meeting.file.download", actor=actor, obj=row.meeting, org_path=row.meeting.org.path,
                     after={"file_id": row.pk, "digest": row.digest})  # fmt: skip

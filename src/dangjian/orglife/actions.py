"""Every change to organizational life: schedule a meeting, record it, record attendance, grant an exemption.

Each action checks the actor's scope (`orglife.change_meeting` over the org's path; an exemption over the
upper org's path), writes in one transaction with an optimistic version check where a record is edited,
re-checks scope after the write and records an audit event. Quorum (LIFE-01/02) is computed and reported
by the queries, never used to refuse a record: the minutes record what happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.members import rules as member_rules
from dangjian.members.models import Member
from dangjian.orglife import rules
from dangjian.orglife.models import Attendance, AttendanceStatus, Exemption, Meeting, MeetingKind, MeetingStatus
from dangjian.orgs.models import Org

PERM = "orglife.change_meeting"
DETAIL_FIELDS = ("topic", "held_on", "starts_at", "place", "host", "recorder", "lecturer")
RECORD_FIELDS = (*DETAIL_FIELDS, "minutes")


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
    if "held_on" in out and not isinstance(out["held_on"], date):
        raise RuleViolation("LIFE-DATA", "请填写会议日期", field="held_on")
    if out.get("starts_at") is not None and not isinstance(out["starts_at"], time):
        raise RuleViolation("LIFE-DATA", "开始时间格式不正确", field="starts_at")
    return out


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
) -> Meeting:
    """Plan a meeting of `org` (status 计划召开)."""
    _require(actor, org)
    if org.is_dissolved:
        raise RuleViolation("LIFE-DATA", f"党组织「{org.name}」已撤销，不能安排组织生活", field="org")
    if kind not in MeetingKind.values:
        raise RuleViolation("LIFE-DATA", f"未知的组织生活类别：{kind}", field="kind")
    clean = _clean_details(
        {"topic": topic, "held_on": held_on, "starts_at": starts_at, "place": place, "host": host,
         "recorder": recorder, "lecturer": lecturer}
    )  # fmt: skip
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    meeting = Meeting(org=org, kind=kind, created_by=actor if authenticated else None, **clean)
    with transaction.atomic():
        meeting.save(force_insert=True)
        _verify(actor, meeting.pk)
        audit.record("meeting.schedule", actor=actor, obj=meeting, org_path=org.path, after=snapshot(meeting))
    return meeting


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
    return locked


def attendee_members(meeting: Meeting):
    """Who is due at the meeting: the org's current Party members (probationary and full)."""
    return Member.objects.current().members().filter(org_id=meeting.org_id)


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
    and not named in `entries` is recorded absent; `entries=None` records everyone present. The quorum
    itself is only reported (LIFE-01/02), never a reason to refuse."""
    _require(actor, meeting.org)
    entries = dict(entries or {}) if entries is not None else None
    version = expected_version if expected_version is not None else meeting.version
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
        if locked.version != version:
            raise ConcurrentEdit()
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
                raise RuleViolation("LIFE-DATA", "只能登记本组织党员的出勤情况", field="attendance")
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
            elif row is None:
                status, reason = default, ""
            else:
                continue
            voting = member_rules.is_voting_member(member.stage, member.status)
            if row is None:
                to_create.append(
                    Attendance(meeting=locked, member_id=member_id, status=status, reason=reason, voting=voting)
                )
                changes[member_id] = status
            elif (row.status, row.reason) != (status, reason):
                row.status, row.reason, row.voting = status, reason, voting
                to_update.append(row)
                changes[member_id] = status
        Attendance.objects.bulk_create(to_create)
        Attendance.objects.bulk_update(to_update, ["status", "reason", "voting"])
        locked.version = version + 1
        locked.save(update_fields=["version", "updated_at"])
        _verify(actor, locked.pk)
        audit.record(
            "meeting.attendance", actor=actor, obj=locked, org_path=locked.org.path,
            after={"changed": {str(k): v for k, v in sorted(changes.items())}},
        )  # fmt: skip
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
    except IntegrityError:
        raise RuleViolation("LIFE-12", "该期间的这项组织生活已登记免于开展", field="period") from None
    return exemption

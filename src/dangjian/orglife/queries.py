"""Read side of organizational life: scoped meeting lists, attendance and quorum, the compliance table.

The compliance table is set-based: for one page of branches it reads the branches, their latest committee
terms, every held meeting of the year and the exemptions in one query each, and groups them in Python;
the gaps themselves come from `rules.meeting_gaps`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from dangjian.core.scope import restrict
from dangjian.orglife import rules
from dangjian.orglife.models import (
    COUNTED_STATUSES,
    Attendance,
    AttendanceStatus,
    CadenceRule,
    Exemption,
    Meeting,
    MeetingKind,
    MemberAccount,
)
from dangjian.orgs.models import BRANCH_KINDS, CommitteeTerm, Org, OrgOfficer
from dangjian.orgs.rules import COMMITTEE_THRESHOLD_FULL_MEMBERS

VIEW = "orglife.view_meeting"
CHANGE = "orglife.change_meeting"


def visible_meetings(user, action: str = VIEW):
    return restrict(Meeting.objects.select_related("org"), user, action)


def branches(user, action: str = VIEW):
    """The active branches (党支部、联合党支部) in the user's scope, in tree order."""
    qs = Org.objects.active().filter(kind__in=BRANCH_KINDS)
    return restrict(qs, user, action).order_by("path")


def orgs_for_meetings(user, action: str = CHANGE):
    """Orgs where the user may hold meetings: every active org in scope but local committees."""
    return restrict(Org.objects.active().exclude(kind="local_committee"), user, action).order_by("path")


def orgs_for_cadence(user):
    """Orgs where the user may set a cadence for the subtree: every active org in scope."""
    return restrict(Org.objects.active(), user, CHANGE).order_by("path")


# --------------------------------------------------------------------------------------------- quorum


@dataclass
class Quorum:
    rule: str
    label: str
    present: int
    due: int
    needed: int
    met: bool


@dataclass
class AttendanceSheet:
    rows: list[dict]
    counts: dict[str, int]
    recorded: bool
    quorum: Quorum | None = None


def attendance_sheet(meeting: Meeting) -> AttendanceSheet:
    """One row per member due (the org's current members, plus anyone already recorded), with the status
    recorded or the default shown on the form (出席), the counts and the quorum where a rule sets one."""
    from dangjian.members import rules as member_rules
    from dangjian.orglife.actions import attendee_members

    recorded = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting).select_related("member")}
    members = {m.pk: m for m in attendee_members(meeting)}
    for member_id, row in recorded.items():
        members.setdefault(member_id, row.member)
    rows = []
    for member in sorted(members.values(), key=lambda m: (m.name_initials, m.pk)):
        row = recorded.get(member.pk)
        rows.append(
            {
                "member": member,
                "status": row.status if row else AttendanceStatus.PRESENT,
                "reason": row.reason if row else "",
                "recorded": row is not None,
                "voting": row.voting
                if row
                else member.org_id == meeting.org_id and member_rules.is_voting_member(member.stage, member.status),
                "invited": member.org_id != meeting.org_id,
            }
        )
    counts = {s: sum(1 for r in rows if r["recorded"] and r["status"] == s) for s in AttendanceStatus.values}
    sheet = AttendanceSheet(rows, counts, bool(recorded))
    if meeting.kind == MeetingKind.GENERAL_ASSEMBLY:
        due = sum(1 for r in rows if r["voting"])
        present = sum(1 for r in rows if r["voting"] and r["recorded"] and r["status"] == AttendanceStatus.PRESENT)
        sheet.quorum = Quorum(
            "LIFE-01", "有表决权的党员", present, due, rules.majority_needed(due),
            rules.general_assembly_quorum(present, due),
        )  # fmt: skip
    elif meeting.kind == MeetingKind.COMMITTEE_MEETING:
        present_ids = {r["member"].pk for r in rows if r["recorded"] and r["status"] == AttendanceStatus.PRESENT}
        sheet.quorum = committee_quorum(meeting, present_ids)
    return sheet


def committee_quorum(meeting: Meeting, present_ids: set[int]) -> Quorum:
    """LIFE-02 for a 支部委员会会议: the org's current committee members and how many of them are among the
    members present. Officers are kept by name (no roster link yet): a present member counts when a current
    officer of the org has the same name."""
    from dangjian.members.models import Member

    names = set(OrgOfficer.objects.filter(org_id=meeting.org_id, ends_on__isnull=True).values_list("name", flat=True))
    present_names = set(Member.objects.filter(pk__in=present_ids, name__in=names).values_list("name", flat=True))
    present, due = len(present_names), len(names)
    return Quorum("LIFE-02", "支部委员", present, due, rules.majority_needed(due), rules.committee_quorum(present, due))


def recorded_quorum(meeting: Meeting) -> Quorum | None:
    """The quorum of a meeting from its recorded attendance only (what submission and approval check):
    LIFE-01 for a general assembly (voting members as recorded), LIFE-02 for a committee meeting."""
    if meeting.kind == MeetingKind.GENERAL_ASSEMBLY:
        rows = list(Attendance.objects.filter(meeting=meeting).values_list("voting", "status"))
        due = sum(1 for voting, _s in rows if voting)
        present = sum(1 for voting, st in rows if voting and st == AttendanceStatus.PRESENT)
        return Quorum(
            "LIFE-01", "有表决权的党员", present, due, rules.majority_needed(due),
            rules.general_assembly_quorum(present, due),
        )  # fmt: skip
    if meeting.kind == MeetingKind.COMMITTEE_MEETING:
        present_ids = set(
            Attendance.objects.filter(meeting=meeting, status=AttendanceStatus.PRESENT).values_list(
                "member_id", flat=True
            )
        )
        return committee_quorum(meeting, present_ids)
    return None


# ------------------------------------------------------------------------------------------ compliance


@dataclass
class ComplianceRow:
    org: Org
    has_committee: bool
    required: int
    gaps: list[tuple[str, str]]
    exempted: int
    rate: Decimal
    colour: str
    gaps_by_kind: dict[str, list[str]] = field(default_factory=dict)
    group_gaps: list[tuple[str, str]] = field(default_factory=list)  # (party group name, period), LIFE-03

    @property
    def gap_count(self) -> int:
        return len(self.gaps) + len(self.group_gaps)


def has_committee_map(org_list: list[Org], *, subtree: str | None = None) -> dict[int, bool]:
    """Org id → whether it has a committee: its latest term says so; without a recorded term, ORG-05
    (≥7 full members must elect a committee) decides. One query (by the subtree's path range when all the
    orgs lie under `subtree`, else by their ids)."""
    out = {o.pk: o.full_member_count >= COMMITTEE_THRESHOLD_FULL_MEMBERS for o in org_list}
    seen: set[int] = set()
    terms = (
        CommitteeTerm.objects.filter(org__path__in_subtree=subtree)
        if subtree
        else CommitteeTerm.objects.filter(org_id__in=list(out))
    )
    for org_id, flag in terms.order_by("org_id", "-elected_on", "-pk").values_list("org_id", "has_committee"):
        if org_id not in out:
            continue
        if org_id not in seen:
            seen.add(org_id)
            out[org_id] = flag
    return out


def _cadence_overrides(org_list: list[Org]) -> dict[str, list[tuple[int, str, str, date]]]:
    from dangjian.core.tree import ancestor_paths, depth_of

    by_path: dict[str, list[tuple[int, str, str, date]]] = {}
    if not org_list or not CadenceRule.objects.exists():
        return by_path
    paths = {p for o in org_list for p in (*ancestor_paths(o.path), o.path)}
    for path, kind, cadence, since in CadenceRule.objects.filter(org__path__in=paths).values_list(
        "org__path", "kind", "cadence", "effective_from"
    ):
        by_path.setdefault(path, []).append((depth_of(path), kind, cadence, since))
    return by_path


def cadence_map(org_list: list[Org], on: date) -> dict[int, dict[str, str]]:
    """Org id → the cadence per kind in force on `on` (LIFE-05 and the like): the defaults of the spec,
    overridden by the jurisdiction rules set on the org or any ancestor (one query, none without rules).
    The party-group meeting is not in it: it is required per group (group_cadence_map)."""
    return _cadences(org_list, on, _cadence_overrides(org_list))[0]


def group_cadence_map(org_list: list[Org], on: date) -> dict[int, str | None]:
    """Org id → how often each of its party groups must meet (LIFE-03: monthly unless a jurisdiction rule for
    党小组会 says otherwise; None when a rule drops the requirement)."""
    return _cadences(org_list, on, _cadence_overrides(org_list))[1]


def _cadences(org_list, on, by_path):
    from dangjian.core.tree import ancestor_paths

    out, groups = {}, {}
    cache: dict[tuple, tuple[dict[str, str], str | None]] = {}  # orgs under the same rules share one mapping
    group_default = {rules.GROUP_KIND: rules.DEFAULT_GROUP_CADENCE}
    for o in org_list:
        rows = tuple(r for p in (*ancestor_paths(o.path), o.path) for r in by_path.get(p, ())) if by_path else ()
        if rows not in cache:
            branch_rows = [r for r in rows if r[1] != rules.GROUP_KIND]
            group_rows = [r for r in rows if r[1] == rules.GROUP_KIND]
            cache[rows] = (
                rules.effective_cadence(branch_rows, on),
                rules.effective_cadence(group_rows, on, group_default).get(rules.GROUP_KIND),
            )
        out[o.pk], groups[o.pk] = cache[rows]
    return out, groups


@dataclass
class GroupFacts:
    """The party groups of some branches and the days their counted group meetings were held in a year."""

    groups: dict[int, list[tuple[int, str, date, date | None]]]  # org id → (group id, name, set up, dissolved)
    held: dict[int, list[date]]  # group id → days

    def gaps(self, org_id: int, year: int, start: date, through: date, cadence: str | None):
        """(required count, sorted [(group name, period)]) of one branch's groups in the window (LIFE-03)."""
        mine = self.groups.get(org_id, [])
        if not mine:
            return 0, []
        names = {g[0]: g[1] for g in mine}
        held = [(gid, d) for gid in names for d in self.held.get(gid, ())]
        required, gaps = rules.group_meeting_gaps(
            held, [(g[0], g[2], g[3]) for g in mine], year=year, through=through, start=start, cadence=cadence
        )
        return required, sorted((names[gid], label) for gid, label in gaps)


def group_facts(org_ids: list[int], year: int) -> GroupFacts:
    from dangjian.orglife.models import PartyGroup

    groups: dict[int, list] = {}
    rows = PartyGroup.objects.filter(org_id__in=org_ids, established_on__lte=date(year, 12, 31)).exclude(
        dissolved_on__lt=date(year, 1, 1)
    )
    for gid, org_id, name, est, dis in rows.values_list("id", "org_id", "name", "established_on", "dissolved_on"):
        groups.setdefault(org_id, []).append((gid, name, est, dis))
    held: dict[int, list[date]] = {}
    ids = [g[0] for gs in groups.values() for g in gs]
    if ids:
        for gid, day in Meeting.objects.filter(
            party_group_id__in=ids, kind=rules.GROUP_KIND, status__in=COUNTED_STATUSES,
            held_on__gte=date(year, 1, 1), held_on__lte=date(year, 12, 31),
        ).values_list("party_group_id", "held_on"):  # fmt: skip
            held.setdefault(gid, []).append(day)
    return GroupFacts(groups, held)


def compliance_rows(org_list: list[Org], year: int, through: date) -> list[ComplianceRow]:
    """The compliance of the given orgs for `year` through `through` (a fixed number of queries, whatever their
    number): the branch's own gaps (rules.meeting_gaps, exemptions removed) and its party groups' (LIFE-03)."""
    if not org_list:
        return []
    ids = [o.pk for o in org_list]
    committee = has_committee_map(org_list)
    overrides = _cadence_overrides(org_list)
    cadences, group_cadences = _cadences(org_list, date(year, 12, 31), overrides)
    facts = group_facts(ids, year)
    held: dict[int, list[tuple[str, date]]] = {i: [] for i in ids}
    meetings = Meeting.objects.filter(
        org_id__in=ids, status__in=COUNTED_STATUSES, held_on__gte=date(year, 1, 1), held_on__lte=date(year, 12, 31)
    ).values_list("org_id", "kind", "held_on")
    for org_id, kind, day in meetings:
        held[org_id].append((kind, day))
    exempt: dict[int, set[tuple[str, str]]] = {i: set() for i in ids}
    for org_id, kind, period in Exemption.objects.filter(
        Q(period=str(year)) | Q(period__startswith=f"{year}-"), org_id__in=ids
    ).values_list("org_id", "kind", "period"):
        exempt[org_id].add((kind, period))
    out = []
    for org in org_list:
        has = committee[org.pk]
        cad = cadences[org.pk]
        required = rules.required_periods(year=year, through=through, has_committee=has, cadence=cad)
        gaps = rules.meeting_gaps(held[org.pk], year=year, through=through, has_committee=has, cadence=cad)
        excused = exempt[org.pk] & required
        group_required, group_gaps = facts.gaps(org.pk, year, date(year, 1, 1), through, group_cadences[org.pk])
        required_n = len(required - excused) + group_required
        remaining = sorted(gaps - excused, key=lambda g: (list(MeetingKind.values).index(g[0]), g[1]))
        by_kind: dict[str, list[str]] = {}
        for kind, period in remaining:
            by_kind.setdefault(kind, []).append(period)
        if group_gaps:
            by_kind[rules.GROUP_KIND] = [f"{period} {name}" for name, period in group_gaps]
        missing = len(remaining) + len(group_gaps)
        out.append(
            ComplianceRow(
                org, has, required_n, remaining, len(excused),
                rules.completion_rate(required_n, missing), rules.traffic_light(missing), by_kind, group_gaps,
            )
        )  # fmt: skip
    return out


def compliance(user, year: int, through: date, *, limit: int | None = None, offset: int = 0) -> list[ComplianceRow]:
    """For each branch in the user's scope (tree order, optionally one slice of them): the gaps of `year`
    through `through` (exemptions removed), the completion rate and the colour."""
    qs = branches(user)
    if limit is not None:
        qs = qs[offset : offset + limit]
    return compliance_rows(list(qs), year, through)


# Kinds shown as columns of the compliance table: the required ones (the party-group meeting per group), in
# glossary order.
REQUIRED_KINDS = [k for k in MeetingKind.values if k in rules.DEFAULT_CADENCE or k == rules.GROUP_KIND]


# -------------------------------------------------------------------------------------------- calendar


@dataclass
class Slot:
    """One required meeting of the year (kind × period) and what fills it."""

    kind: str
    period: str
    first: date
    last: date
    held: list[Meeting]
    planned: list[Meeting]
    exempted: bool
    group: object = None  # the party group of a group-meeting slot (LIFE-03)

    @property
    def label(self) -> str:
        kind = MeetingKind(self.kind).label
        return f"{self.group.name}{kind}" if self.group is not None else kind

    def state(self, today: date) -> str:
        if self.held:
            return "done"
        if self.exempted:
            return "exempted"
        if self.planned:
            return "planned"
        return "missed" if self.last < today else "open"


def calendar_slots(org: Org, year: int) -> tuple[list[Slot], list[Meeting]]:
    """The year's required meetings of a branch as slots (from its cadence), each with the meetings of
    its kind held or planned in its period; and every meeting of the year (for the month view)."""
    has = has_committee_map([org])[org.pk]
    cadence = cadence_map([org], date(year, 12, 31))[org.pk]
    meetings = list(Meeting.objects.filter(org=org, held_on__year=year).order_by("held_on", "starts_at", "pk"))
    exempt = set(
        Exemption.objects.filter(Q(period=str(year)) | Q(period__startswith=f"{year}-"), org=org).values_list(
            "kind", "period"
        )
    )
    slots = []
    for kind, label, first, last in rules.year_slots(year, cadence, has_committee=has):
        inside = [m for m in meetings if m.kind == kind and first <= m.held_on <= last]
        slots.append(
            Slot(
                kind, label, first, last,
                [m for m in inside if m.status in COUNTED_STATUSES], [m for m in inside if m.status == "planned"],
                (kind, label) in exempt,
            )
        )  # fmt: skip
    # One slot per party group and period of its cadence, within the group's life (LIFE-03).
    every = group_cadence_map([org], date(year, 12, 31))[org.pk]
    from dangjian.orglife.models import PartyGroup

    for group in PartyGroup.objects.filter(org=org).order_by("name"):
        for label, first, last in rules.group_periods(
            year, date(year, 1, 1), date(year, 12, 31), every, group.established_on, group.dissolved_on
        ):
            inside = [m for m in meetings if m.party_group_id == group.pk and first <= m.held_on <= last]
            slots.append(
                Slot(
                    rules.GROUP_KIND, label, first, last,
                    [m for m in inside if m.status in COUNTED_STATUSES], [m for m in inside if m.status == "planned"],
                    False, group,
                )
            )  # fmt: skip
    slots.sort(key=lambda s: (s.first, s.last, s.kind))
    return slots, meetings


def party_groups(user, org: Org, *, active: bool = False):
    """The party groups of a branch, in the user's scope (active: not dissolved)."""
    from dangjian.orglife.models import PartyGroup

    qs = restrict(PartyGroup.objects.filter(org=org), user, VIEW)
    if active:
        qs = qs.filter(dissolved_on__isnull=True)
    return qs.order_by("name")


def party_group_members(group_ids: list[int]) -> list[tuple[int, str]]:
    from dangjian.orglife.models import PartyGroupMember

    return list(
        PartyGroupMember.objects.filter(group_id__in=group_ids)
        .order_by("member__name_initials", "member_id")
        .values_list("group_id", "member__name")
    )


def invitable_members(org: Org):
    """The org's current Party members (probationary and full): who a schedule form or a group lists."""
    from dangjian.members.models import Member

    return Member.objects.current().members().filter(org=org).order_by("name_initials", "pk")


def member_of(user):
    """The roster member a login account is linked to, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    link = MemberAccount.objects.select_related("member__org").filter(user=user).first()
    return link.member if link else None


def my_meetings(member, today: date):
    """A member's meetings: upcoming (invited, or of the member's org when nobody was invited) and the
    recent ones with the member's attendance."""
    invited = Meeting.invitees.through.objects.filter(member_id=member.pk).values("meeting_id")
    mine = Meeting.objects.select_related("org").filter(Q(pk__in=invited) | Q(org_id=member.org_id, invitees=None))
    upcoming = list(mine.filter(held_on__gte=today, status="planned").order_by("held_on", "starts_at")[:20])
    attendance = {a.meeting_id: a for a in Attendance.objects.filter(member=member).order_by("-meeting__held_on")[:50]}
    recent = list(mine.filter(held_on__lt=today).exclude(status="planned").order_by("-held_on")[:20])
    for m in recent:
        m.my_attendance = attendance.get(m.pk)
    return upcoming, recent


# ----------------------------------------------------------------------- appraisal, talks, member record


def committee_member_ids(org: Org) -> set[int]:
    """The org's current committee members on the roster (officers are kept by name)."""
    from dangjian.members.models import Member

    names = set(OrgOfficer.objects.filter(org=org, ends_on__isnull=True).values_list("name", flat=True))
    return set(Member.objects.current().members().filter(org=org, name__in=names).values_list("pk", flat=True))


def talk_coverage(org: Org, year: int):
    """LIFE-10 coverage of an org in a year: (covered pairs, required pairs, missing pairs as member pairs)."""
    from dangjian.members.models import Member
    from dangjian.orglife.models import Talk

    members = {m.pk: m for m in Member.objects.current().members().filter(org=org)}
    pairs = Talk.objects.filter(org=org, held_on__year=year).values_list("first_id", "second_id")
    covered, required, missing = rules.talk_coverage(committee_member_ids(org), members, pairs)
    named = sorted((members[a].name, members[b].name) for a, b in missing if a in members and b in members)
    return covered, required, named


def member_record(member):
    """A member's organizational-life record: attendance counts per year and the appraisal results."""
    from dangjian.orglife.models import AppraisalEntry

    entries = list(
        AppraisalEntry.objects.filter(member=member).select_related("appraisal__org").order_by("-appraisal__year")
    )
    attendance = list(
        Attendance.objects.filter(member=member).select_related("meeting").order_by("-meeting__held_on")[:100]
    )
    return entries, attendance


def account_of(member):
    """The login account linked to a roster member (the reverse of `member_of`), or None."""
    link = MemberAccount.objects.select_related("user").filter(member=member).first()
    return link.user if link else None

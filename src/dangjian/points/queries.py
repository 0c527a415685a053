"""Read side of 党员积分: scores, star bands and rankings over a branch or a subtree, a member's trail.

A score is computed from the approved entries in one grouped query (member × item × year), then the pure
`rules.score` per member with the caps and vetoes of the items; nothing queries per member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import ExtractYear

from dangjian.core.scope import restrict
from dangjian.members.choices import MEMBER_STAGES, MemberStatus
from dangjian.members.models import Member
from dangjian.orglife.models import Attendance
from dangjian.points import rules
from dangjian.points.actions import VIEW
from dangjian.points.catalogue import Catalogue
from dangjian.points.models import EntryStatus, PointEntry, PointExclusion, PointItem


@dataclass
class Score:
    member_id: int
    name: str
    org_id: int
    org_name: str
    score: Decimal | None  # None: excluded, or no rule set applies
    stars: int
    excluded: str = ""  # the exclusion's label
    vetoed: bool = False
    rank: int | None = None

    @property
    def star_text(self) -> str:
        return "★" * self.stars


def period_end(year: int, today: date) -> date:
    return min(date(year, 12, 31), today)


def scores(members: list[Member], year: int, today: date) -> list[Score]:
    """Scores of these members for `year` (as of `today` for the current year), best first, ranked."""
    end = period_end(year, today)
    cat = Catalogue()
    ids = [m.pk for m in members]
    totals: dict[int, dict[int, list[tuple[int, Decimal]]]] = {}
    rows = (
        PointEntry.objects.filter(member_id__in=ids, status=EntryStatus.APPROVED, occurred_on__lte=end)
        .annotate(y=ExtractYear("occurred_on"))
        .values("member_id", "item_id", "y")
        .annotate(total=Sum("points"))
        .order_by()
    )
    item_ids = set()
    for r in rows:
        totals.setdefault(r["member_id"], {}).setdefault(r["item_id"], []).append((r["y"], r["total"]))
        item_ids.add(r["item_id"])
    items = PointItem.objects.in_bulk(list(item_ids))
    excluded = dict(PointExclusion.objects.filter(member_id__in=ids, year=year).values_list("member_id", "reason"))
    labels = dict(PointExclusion._meta.get_field("reason").choices)
    out = []
    for m in members:
        rule_set = cat.rule_set(m.org.path, end)
        row = Score(m.pk, m.name, m.org_id, m.org.name, None, 0)
        if m.pk in excluded:
            row.excluded = labels.get(excluded[m.pk], excluded[m.pk])
        elif rule_set is not None:
            per_item = []
            for item_id, by_year in totals.get(m.pk, {}).items():
                item = items[item_id]
                if rule_set.yearly_reset:
                    total = sum((t for y, t in by_year if y == year), Decimal(0))
                else:  # no reset: each year's capped total carries over
                    per_item.extend((t, item.cap) for y, t in by_year if y < year)
                    total = sum((t for y, t in by_year if y == year), Decimal(0))
                if item.is_veto and total is not None and any(y == year for y, _ in by_year):
                    row.vetoed = True
                per_item.append((total, item.cap))
            row.score = rules.score(
                rule_set.base_score, per_item, vetoed=row.vetoed, floor=rule_set.floor, ceiling=rule_set.ceiling
            )
            row.stars = rules.star_for(row.score, [(Decimal(str(lo)), s) for lo, s in rule_set.star_bands])
        out.append(row)
    ranked = sorted((r for r in out if r.score is not None), key=lambda r: (-r.score, r.name))
    previous, rank = None, 0
    for i, r in enumerate(ranked, start=1):
        if r.score != previous:
            rank, previous = i, r.score
        r.rank = rank
    return ranked + [r for r in out if r.score is None]


def members_in(org, user, *, branch_only: bool = False):
    """The current Party members of `org` (or its whole subtree) that the user may see points of."""
    qs = restrict(Member.objects.all(), user, VIEW).filter(stage__in=MEMBER_STAGES, status=MemberStatus.NORMAL)
    qs = qs.filter(org=org) if branch_only else qs.filter(org__path__in_subtree=org.path)
    return list(qs.select_related("org").order_by("org__path", "name_initials", "pk"))


def member_score(member: Member, year: int, today: date) -> Score:
    return scores([member], year, today)[0]


@dataclass
class TrailRow:
    entry: PointEntry
    source: str


def trail(member: Member, year: int) -> list[TrailRow]:
    """A member's entries of the year with what each came from (meeting, dues month, evidence)."""
    entries = list(
        PointEntry.objects.filter(member=member, occurred_on__year=year)
        .select_related("item", "approved_by", "created_by")
        .order_by("-occurred_on", "-pk")
    )
    attendance_ids = [int(e.source_id) for e in entries if e.source_type == "orglife.attendance"]
    meetings = {
        str(a["pk"]): f"{a['meeting__held_on']:%Y-%m-%d} {a['meeting__topic']}"
        for a in Attendance.objects.filter(pk__in=attendance_ids).values("pk", "meeting__held_on", "meeting__topic")
    }
    out = []
    for e in entries:
        if e.source_type == "orglife.attendance":
            source = "组织生活：" + meetings.get(e.source_id, "（记录已删除）")
        elif e.source_type == "dues.bill":
            source = e.evidence
        else:
            source = e.evidence or e.source_type
        out.append(TrailRow(e, source))
    return out


def pending(org, user):
    """Entries waiting for the branch's approval in `org`'s subtree."""
    return (
        restrict(PointEntry.objects.select_related("member", "item", "org", "created_by"), user, VIEW)
        .filter(org__path__in_subtree=org.path, status=EntryStatus.PENDING)
        .order_by("occurred_on", "pk")
    )

"""Roster deadlines as to-dos: MEM-06 (lost contact → suspension → removal), REL-02 (mobile ≥ 6 months)."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from dangjian.core.dates import add_months, add_years
from dangjian.core.todos import Todo
from dangjian.members import rules
from dangjian.members.choices import MEMBER_STAGES, MemberStatus
from dangjian.members.queries import visible

LIMIT = 200


def _todo(member, rule, title, detail, due, today) -> Todo:
    return Todo(rule, title, detail, due, due is not None and due <= today,
                reverse("members:detail", args=[member.pk]), member.org.name)  # fmt: skip


def lost_contact(user, today: date, lead: int) -> list[Todo]:
    """MEM-06: lost contact for 6 months and still unreachable → 停止党籍 is due."""
    horizon = add_months(today + timedelta(days=lead), -rules.LOST_CONTACT_SUSPENSION_MONTHS)
    rows = (
        visible(user)
        .filter(is_lost_contact=True, status=MemberStatus.NORMAL, stage__in=MEMBER_STAGES, lost_contact_on__lte=horizon)
        .order_by("lost_contact_on")[:LIMIT]
    )
    out = []
    for m in rows:
        due = rules.lost_contact_suspension_due(m.lost_contact_on)
        detail = f"{m.lost_contact_on:%Y年%m月%d日}失去联系；满6个月（{due:%Y年%m月%d日}）仍无法取得联系的，应停止党籍"
        out.append(_todo(m, "MEM-06", f"{m.name}：失联党员停止党籍", detail, due, today))
    return out


def long_suspended(user, today: date, lead: int) -> list[Todo]:
    """MEM-06: suspended for 2 years and still unreachable → removal as 自行脱党 is due."""
    horizon = add_years(today + timedelta(days=lead), -rules.SUSPENSION_REMOVAL_YEARS)
    rows = (
        visible(user)
        .filter(status=MemberStatus.SUSPENDED, status_since__lte=horizon, is_lost_contact=True)
        .order_by("status_since")[:LIMIT]
    )
    out = []
    for m in rows:
        due = rules.suspension_removal_due(m.status_since)
        detail = (
            f"{m.status_since:%Y年%m月%d日}停止党籍；满2年（{due:%Y年%m月%d日}）仍无法取得联系的，按自行脱党予以除名"
        )
        out.append(_todo(m, "MEM-06", f"{m.name}：停止党籍满2年", detail, due, today))
    return out


def mobile_should_transfer(user, today: date, lead: int) -> list[Todo]:
    """REL-02: away 6 months or more at a relatively fixed place → the relationship should be transferred."""
    horizon = add_months(today + timedelta(days=lead), -rules.TRANSFER_AWAY_MONTHS)
    rows = (
        visible(user)
        .filter(is_mobile=True, mobile_since__lte=horizon)
        .exclude(status=MemberStatus.EXITED)
        .order_by("mobile_since")[:LIMIT]
    )
    out = []
    for m in rows:
        due = add_months(m.mobile_since, rules.TRANSFER_AWAY_MONTHS)
        place = m.mobile_destination or "外地"
        detail = f"{m.mobile_since:%Y年%m月}起在{place}；外出满6个月且地点相对固定的，应转移组织关系"
        out.append(_todo(m, "REL-02", f"{m.name}：流动党员应转移组织关系", detail, due, today))
    return out


def roster_todos(user, today: date, lead: int) -> list[Todo]:
    return (
        lost_contact(user, today, lead) + long_suspended(user, today, lead) + mobile_should_transfer(user, today, lead)
    )

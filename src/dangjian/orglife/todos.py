"""Organizational-life deadlines as to-dos: this month's 主题党日 not yet held (LIFE-06, from a set day of the
month), and the required meetings of ended periods that were not held (LIFE-01/02/05/06/07/08)."""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from django.urls import reverse

from dangjian.core.scope import has_permission
from dangjian.core.todos import Todo
from dangjian.orglife import queries, rules
from dangjian.orglife.models import COUNTED_STATUSES, Meeting, MeetingKind

LIMIT = 200
REMINDER_DAY = 20  # settings.ORGLIFE_THEME_DAY_REMINDER_DAY


def reminder_day() -> int:
    return getattr(settings, "ORGLIFE_THEME_DAY_REMINDER_DAY", REMINDER_DAY)


def _list_url(org) -> str:
    return f"{reverse('orglife:meeting_list')}?org={org.pk}"


def theme_day_pending(user, today: date, lead: int) -> list[Todo]:
    """LIFE-06: from the reminder day on, every branch in scope that has held no 主题党日 this month."""
    if today.day < reminder_day():
        return []
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    held = Meeting.objects.filter(
        kind=MeetingKind.THEME_DAY, status__in=COUNTED_STATUSES, held_on__gte=first, held_on__lte=last
    ).values("org_id")
    pending = queries.branches(user, queries.CHANGE).exclude(pk__in=held)[:LIMIT]
    detail = f"每月应相对固定1天开展主题党日（LIFE-06），本月截至{last:%m月%d日}"
    return [
        Todo("LIFE-06", f"{o.name}：本月主题党日尚未开展", detail, last, False, _list_url(o), o.name) for o in pending
    ]


def overdue_gaps(user, today: date, lead: int) -> list[Todo]:
    """Required meetings of periods of this year that have ended without one (exemptions removed)."""
    out: list[Todo] = []
    rows = queries.compliance_rows(list(queries.branches(user, queries.CHANGE)[:LIMIT]), today.year, today)
    for row in rows:
        group_gaps = [(rules.GROUP_KIND, period, name) for name, period in row.group_gaps]
        for kind, period, group in [(k, p, "") for k, p in row.gaps] + group_gaps:
            _first, last = rules.period_bounds(period)
            label = (group + MeetingKind(kind).label) if group else MeetingKind(kind).label
            out.append(
                Todo(
                    "LIFE-GAP", f"{row.org.name}：{period} 未开展{label}", f"{period} 已结束，未登记召开{label}",
                    last, True, _list_url(row.org), row.org.name,
                )
            )  # fmt: skip
            if len(out) >= LIMIT:
                return out
    return out


def unqualified_members(user, today: date, lead: int) -> list[Todo]:
    """MEM-03/04: a member graded 不合格 in a closed appraisal of this or last year starts the handling
    (education, 限期改正 up to one year): one to-do per member until the roster records the outcome."""
    from dangjian.core.scope import restrict
    from dangjian.orglife.models import AppraisalEntry

    qs = restrict(
        AppraisalEntry.objects.filter(
            grade="unqualified", appraisal__closed=True, appraisal__year__gte=today.year - 1
        ).select_related("member", "appraisal__org"),
        user,
        queries.CHANGE,
    )[:LIMIT]
    return [
        Todo(
            "MEM-03",
            f"{e.member.name}：民主评议为不合格，须限期改正",
            f"{e.appraisal.year}年民主评议党员评定为不合格：进行教育，限期改正（不超过一年，MEM-04）",
            date(e.appraisal.year + 1, 12, 31),
            False,
            reverse("orglife:member_record", args=[e.member_id]),
            e.appraisal.org.name,
        )
        for e in qs
    ]


def orglife_todos(user, today: date, lead: int) -> list[Todo]:
    if not has_permission(user, queries.CHANGE):
        return []
    return (
        theme_day_pending(user, today, lead) + overdue_gaps(user, today, lead) + unqualified_members(user, today, lead)
    )

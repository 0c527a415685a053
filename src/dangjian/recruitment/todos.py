"""Recruitment deadlines as to-dos (§4.4): every open case in the user's change scope whose next deadline falls
within the lead time (settings.RECRUITMENT_LEAD_DAYS, default 7 days) or has passed, and for an upper
committee the items waiting in its queues. Computed from the dates on every request; nothing is stored."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from dangjian.core.scope import has_permission, restrict
from dangjian.core.todos import Todo
from dangjian.recruitment import queries, rules
from dangjian.recruitment.models import RecruitmentCase

LIMIT = 200


def deadline_todos(user, today: date) -> list[Todo]:
    horizon = today + timedelta(days=queries.lead_days())
    qs = restrict(RecruitmentCase.objects.select_related("member", "org"), user, queries.CHANGE)
    rows = qs.filter(is_open=True, next_due__isnull=False, next_due__lte=horizon).order_by("next_due", "pk")[:LIMIT]
    return [
        Todo(
            c.next_rule,
            f"{c.member.name}：{c.next_label}",
            f"{c.get_state_display()}，期限{c.next_due:%Y年%m月%d日}"
            + (f"（{rules.CODE_MESSAGES[c.next_rule]}）" if c.next_rule in rules.CODE_MESSAGES else ""),
            c.next_due,
            c.next_due < today,
            reverse("recruitment:case", args=[c.pk]),
            c.org.name,
        )
        for c in rows
    ]


def queue_todos(user, today: date) -> list[Todo]:
    qs = restrict(RecruitmentCase.objects.select_related("member", "org"), user, "approve").exclude(awaiting="")
    out = []
    for c in qs.order_by("next_due", "pk")[:LIMIT]:
        label = rules.DECISIONS[c.awaiting][1]
        overdue = c.next_due is not None and c.next_due < today
        out.append(
            Todo(
                "DEV-UPPER",
                f"{c.member.name}：待{label}",
                f"{c.org.name}已报上级党委",
                c.next_due,
                overdue,
                reverse("recruitment:decide", args=[c.pk]),
                c.org.name,
            )
        )
    return out


def recruitment_todos(user, today: date, lead: int) -> list[Todo]:
    out: list[Todo] = []
    if has_permission(user, queries.CHANGE):
        out += deadline_todos(user, today)
    if has_permission(user, queries.APPROVE):
        out += queue_todos(user, today)
    return out

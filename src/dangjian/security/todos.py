"""Unresolved security alerts appear as to-dos of the security and audit administrators."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from dangjian.core.todos import Todo


def open_alerts(user, today: date, lead_days: int) -> list[Todo]:
    from dangjian.core.scope import has_permission
    from dangjian.security.models import SecurityAlert

    if not has_permission(user, "security.view_alert"):
        return []
    return [
        Todo(
            rule="AU-03",
            title=alert.get_kind_display(),
            detail=alert.message,
            due=alert.raised_at.date(),
            overdue=True,
            url=reverse("security:alerts"),
        )
        for alert in SecurityAlert.objects.filter(resolved_at__isnull=True)[:20]
    ]


def export_approvals(user, today: date, lead_days: int) -> list[Todo]:
    """PRV-04: full exports waiting for this account's approval."""
    from dangjian.security import export_actions

    if not export_actions.may_approve_any(user):
        return []
    return [
        Todo(
            rule="PRV-04",
            title="完整个人信息导出待审批",
            detail=f"{r.requester.get_username()} 申请导出 {r.org_name} {r.rows} 人，用途：{r.purpose}",
            due=r.created_at.date(),
            overdue=False,
            url=reverse("security:export_request", args=[r.pk]),
            org=r.org_name,
        )
        for r in export_actions.pending_for(user)[:20]
    ]

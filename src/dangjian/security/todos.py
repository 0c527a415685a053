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


def open_corrections(user, today: date, lead_days: int) -> list[Todo]:
    """PRV-06: members' requests (correction, deletion, restriction) the branch has to answer within 30 days."""
    from dangjian.core.scope import has_permission, restrict
    from dangjian.security.models import DataSubjectRequest
    from dangjian.security.privacy_actions import ANSWER_PERM

    if not has_permission(user, ANSWER_PERM):
        return []
    qs = restrict(DataSubjectRequest.objects.filter(status="open"), user, ANSWER_PERM).select_related("member__org")
    return [
        Todo(
            rule="PRV-06",
            title=f"个人信息{c.get_kind_display()}申请待答复",
            detail=f"{c.member.name}：{c.item}",
            due=c.due_on,
            overdue=c.due_on < today,
            url=reverse("security:correction", args=[c.pk]),
            org=c.member.org.name,
        )
        for c in qs.order_by("due_on")[:50]
    ]


def notice_to_acknowledge(user, today: date, lead_days: int) -> list[Todo]:
    """PRV-05: a member who has not acknowledged the current privacy notice is asked to."""
    from dangjian.orglife.queries import member_of
    from dangjian.security import privacy_actions

    notice = privacy_actions.current_notice()
    member = member_of(user) if notice else None
    if member is None or privacy_actions.has_acknowledged(member, notice):
        return []
    return [
        Todo(
            rule="PRV-05",
            title=f"请阅读个人信息处理告知（第{notice.version}版）",
            detail=notice.title,
            due=notice.published_at.date(),
            overdue=False,
            url=reverse("security:notice"),
        )
    ]

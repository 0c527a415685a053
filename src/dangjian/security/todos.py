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

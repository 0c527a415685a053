"""The navigation registry: each app registers its menu entries in its AppConfig.ready().

Core knows no domain app; apps tell it what they offer and which permission shows each entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from dangjian.core.scope import has_permission


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str  # a short glyph shown beside the label
    permission: str | None = None  # shown only to holders; None: every signed-in user
    group: str = "业务"
    description: str = ""
    order: int = 50  # business modules 10–80, the to-do list 90, administration 100+


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if item not in _items:
        _items.append(item)


def items_for(user) -> list[dict]:
    out = []
    for item in sorted(_items, key=lambda i: i.order):
        if item.permission is None or has_permission(user, item.permission):
            out.append(
                {
                    "label": item.label,
                    "url": reverse(item.url_name),
                    "icon": item.icon,
                    "group": item.group,
                    "description": item.description,
                    "url_name": item.url_name,
                }
            )
    return out


def home_context(request) -> dict:
    """The home page: the user's modules and a summary of their to-dos. The summary is kept per user and
    day for `HOME_TODO_CACHE_SECONDS` (default 60; 0 turns it off): every provider queries its whole scope,
    a quarter of a second for a county, on the page everybody opens first. 待办事项 itself is always live."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    from dangjian.core.todos import cached

    today = timezone.localdate()
    seconds = settings.HOME_TODO_CACHE_SECONDS
    key = f"home-todos:{request.user.pk}:{today.isoformat()}"
    summary = cache.get(key) if seconds else None
    if summary is None:
        summary = cached(request.user, today, "home", _summary)
        if seconds:
            cache.set(key, summary, seconds)
    return {"modules": items_for(request.user), **summary}


def _summary(groups) -> dict:
    todos = [t for _group, items in groups for t in items]
    return {"todos": todos[:8], "todo_total": len(todos), "todo_overdue": sum(1 for t in todos if t.overdue)}

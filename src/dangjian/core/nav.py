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
    from django.utils import timezone

    from dangjian.core.todos import collect

    groups = collect(request.user, timezone.localdate())
    todos = [t for _group, items in groups for t in items]
    return {
        "modules": items_for(request.user),
        "todos": todos[:8],
        "todo_total": len(todos),
        "todo_overdue": sum(1 for t in todos if t.overdue),
    }

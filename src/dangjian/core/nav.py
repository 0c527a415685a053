"""The navigation registry: each app registers its menu entries in its AppConfig.ready().

Core knows no domain app; apps tell it what they offer and which permission shows each entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import get_script_prefix, reverse


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
    """The entries the user may see. Built once per set of held permissions and registry state (the labels
    and URLs never change at run time; a role change changes the set, so it shows at the next request)."""
    from dangjian.core.scope import grants

    held = frozenset(perm for perm, paths in grants(user).items() if paths)
    key = (held, len(_items), get_script_prefix())
    out = _built.get(key)
    if out is None:
        out = [
            {
                "label": item.label,
                "url": reverse(item.url_name),
                "icon": item.icon,
                "group": item.group,
                "description": item.description,
                "url_name": item.url_name,
            }
            for item in sorted(_items, key=lambda i: i.order)
            if item.permission is None or item.permission in held
        ]
        if len(_built) > 1000:  # as many as distinct role combinations: a handful
            _built.clear()
        _built[key] = out
    return out


_built: dict[tuple[frozenset, int, str], list[dict]] = {}


def home_context(request) -> dict:
    """The home page: the user's modules and a summary of their to-dos, kept as the 待办事项 list is
    (`core.todos.cached`: per user for `TODO_CACHE_SECONDS`, the user's own changes at once)."""
    from django.utils import timezone

    from dangjian.core.todos import cached

    summary = cached(request.user, timezone.localdate(), "home", _summary)
    return {"modules": items_for(request.user), **summary}


def _summary(groups) -> dict:
    todos = [t for _group, items in groups for t in items]
    return {"todos": todos[:8], "todo_total": len(todos), "todo_overdue": sum(1 for t in todos if t.overdue)}

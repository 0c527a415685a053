"""To-dos: deadlines the regulations set, computed from dates whenever they are asked for.

Nothing is stored as a flag: each app registers providers that query its own data through the
scope choke point and return `Todo` items; the 待办事项 page and the home page gather them.

Every provider queries its whole scope (a third of a second for a county administrator), so the gathered
list is kept per user, day and grants for `TODO_CACHE_SECONDS` (default 60; 0: always live) by `cached`:
another person's change shows within that delay; the user's own audited changes (every action writes an
audit event) drop the entry at once, and a change of roles changes the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

LEAD_DAYS = 30  # how early an upcoming deadline is shown (configurable: settings.TODO_LEAD_DAYS)


@dataclass(frozen=True)
class Todo:
    rule: str
    title: str
    detail: str
    due: date | None
    overdue: bool
    url: str
    org: str = ""


Provider = Callable[[object, date, int], list[Todo]]
_providers: list[tuple[str, Provider]] = []


def register(group: str, provider: Provider) -> None:
    if (group, provider) not in _providers:
        _providers.append((group, provider))


def lead_days() -> int:
    from django.conf import settings

    return getattr(settings, "TODO_LEAD_DAYS", LEAD_DAYS)


def collect(user, today: date) -> list[tuple[str, list[Todo]]]:
    """Every group's to-dos for the user, overdue first, then by due date."""
    out = []
    for group, provider in _providers:
        items = provider(user, today, lead_days())
        if items:
            items.sort(key=lambda t: (not t.overdue, t.due or date.max))
            out.append((group, items))
    return out


def cache_seconds() -> int:
    from django.conf import settings

    return getattr(settings, "TODO_CACHE_SECONDS", 0)


def cached(user, today: date, name: str, compute: Callable[[list[tuple[str, list[Todo]]]], object]):
    """`compute(collect(user, today))`, kept as described in the module's docstring under `name` (the home
    summary, the rendered 待办事项 list: what is kept is the small result, not the items)."""
    from dangjian.core.usercache import kept_for_user

    return kept_for_user(
        user, f"todos:{name}:{today.isoformat()}", cache_seconds(), lambda: compute(collect(user, today))
    )

"""To-dos: deadlines the regulations set, computed from dates whenever they are asked for.

Nothing is stored as a flag: each app registers providers that query its own data through the
scope choke point and return `Todo` items; the 待办事项 page and the home page gather them.
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

"""Domain events between apps: an emitting action says what happened, other apps react after it commits.

    from dangjian.core import events
    events.publish(events.ATTENDANCE_RECORDED, meeting_ids=[meeting.pk])      # inside the action's transaction

    events.subscribe(events.ATTENDANCE_RECORDED, handler)                    # in the listening AppConfig.ready

`publish` queues the event with `transaction.on_commit`: handlers run only once the business change is
committed (never for a rolled-back action), each in its own try block; a failing handler is logged and never
undoes or blocks the action (the listening app keeps a repair job, e.g. `points_recompute`).

The names are the catalogue below, not free strings: `publish` and `subscribe` refuse a name that is not
declared here, so renaming an event is one edit that both sides see, and the emitter tests
(`core/tests/test_events.py`, `points/tests/test_events.py`) fail when an action stops publishing.

This is separate from the audit trail (`core.audit`): audit events are a security record whose names and
payloads may change for their own reasons; nothing may depend on them to work.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

# --- the catalogue: name → what the payload carries ---------------------------------------------------------
ATTENDANCE_RECORDED = "orglife.attendance_recorded"
MEETING_RECORDED = "orglife.meeting_recorded"
BILLS_SETTLED = "dues.bills_settled"
TRAINING_RECORDED = "training.hours_recorded"
VOLUNTEER_RECORDED = "volunteer.service_recorded"
MEMBER_LEFT = "members.member_left"
MEMBER_PLACED = "members.member_placed"

CATALOGUE: dict[str, str] = {
    ATTENDANCE_RECORDED: "meeting_ids: the meetings whose attendance sheet changed",
    MEETING_RECORDED: "meeting_ids: meetings recorded as held (or their record corrected)",
    BILLS_SETTLED: "bill_ids: dues bills paid, waived or reduced",
    TRAINING_RECORDED: "member_id, source_id, occurred_on, hours (the training module, when it exists)",
    VOLUNTEER_RECORDED: "member_id, source_id, occurred_on, hours (volunteer service records)",
    MEMBER_LEFT: "member_id, how ('exit': 出党 or death; 'transfer_out': to an org outside the system)",
    MEMBER_PLACED: "member_id, from_org_id, to_org_id: the member's placement moved inside the system",
}

_handlers: dict[str, list[Callable[..., object]]] = defaultdict(list)


class UnknownEvent(LookupError):
    pass


def _check(name: str) -> None:
    if name not in CATALOGUE:
        raise UnknownEvent(f"domain event {name!r} is not declared in dangjian.core.events.CATALOGUE")


def subscribe(name: str, handler: Callable[..., object]) -> None:
    """Call `handler(**payload)` after every committed `publish(name, ...)`. Idempotent per handler."""
    _check(name)
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def unsubscribe(name: str, handler: Callable[..., object]) -> None:
    _check(name)
    if handler in _handlers[name]:
        _handlers[name].remove(handler)


def subscribers(name: str) -> list[Callable[..., object]]:
    _check(name)
    return list(_handlers[name])


def _deliver(name: str, payload: dict) -> None:
    for handler in list(_handlers[name]):
        try:
            handler(**payload)
        except Exception:  # never break the business action that committed
            log.exception("handler %s of domain event %s failed", getattr(handler, "__qualname__", handler), name)


def publish(name: str, **payload) -> None:
    """Announce `name` with `payload`; handlers run after the current transaction commits (at once when
    there is none)."""
    _check(name)
    transaction.on_commit(lambda: _deliver(name, payload))

"""How points learn about events in other modules: explicit domain events (`dangjian.core.events`).

1. orglife and dues do not know about points: their actions `events.publish(...)` what happened (attendance
   recorded, a meeting recorded as held, bills paid/waived/reduced) and `connect()`, called from
   `PointsConfig.ready`, subscribes to those names. Handlers run **after the transaction commits**; a failure
   there is logged and never undoes the business action; `dangjian manage points_recompute` repairs any gap.
2. Training hours and volunteer service have their events declared already (`events.TRAINING_RECORDED`,
   `events.VOLUNTEER_RECORDED`): the module that records them publishes
   `member_id, source_id, occurred_on, hours` and the handlers below `feed` the points. A module may also call
   `feed(...)` directly after its own write commits.

   `feed` is idempotent on (item, source_type, source_id, member); `withdraw(source_type, source_id)` removes
   what a source produced (a record deleted or corrected).
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from dangjian.core import events

log = logging.getLogger(__name__)


def on_meetings(meeting_ids) -> None:
    from dangjian.points import accrual

    accrual.accrue_meetings(list(meeting_ids))


def on_bills(bill_ids) -> None:
    from dangjian.points import accrual

    if bill_ids:
        accrual.accrue_bills(list(bill_ids))


def _fed(source: str, source_type: str):
    def handler(*, member_id, source_id, occurred_on, hours=1, evidence: str = "") -> None:
        from dangjian.members.models import Member

        member = Member.objects.select_related("org").get(pk=member_id)
        feed(member, source, source_type=source_type, source_id=source_id, occurred_on=occurred_on, quantity=hours,
             evidence=evidence)  # fmt: skip

    handler.__qualname__ = f"feed_{source}"
    return handler


on_training = _fed("training", "training.record")
on_volunteer = _fed("volunteer", "volunteer.record")

SUBSCRIPTIONS = (
    (events.ATTENDANCE_RECORDED, on_meetings),
    (events.MEETING_RECORDED, on_meetings),
    (events.BILLS_SETTLED, on_bills),
    (events.TRAINING_RECORDED, on_training),
    (events.VOLUNTEER_RECORDED, on_volunteer),
)


def connect() -> None:
    for name, handler in SUBSCRIPTIONS:
        events.subscribe(name, handler)


def feed(member, source: str, *, source_type: str, source_id, occurred_on: date, quantity=1, evidence: str = ""):
    """Record one event of `source` (e.g. "training", "volunteer") for `member`, under the item of the rule
    set in force for the member's org on `occurred_on`. Returns the entry, or None when no item applies."""
    from dangjian.points import rules
    from dangjian.points.catalogue import Catalogue
    from dangjian.points.models import EntryStatus, PointEntry

    item = Catalogue().pick(member.org.path, occurred_on, source)
    if item is None:
        return None
    quantity = Decimal(str(quantity))
    entry, _ = PointEntry.objects.get_or_create(
        item=item, source_type=source_type, source_id=str(source_id), member=member,
        defaults={"org": member.org, "points": (item.points * quantity).quantize(rules.STEP), "quantity": quantity,
                  "occurred_on": occurred_on, "evidence": evidence, "status": EntryStatus.APPROVED},
    )  # fmt: skip
    return entry


def withdraw(source_type: str, source_id) -> int:
    """Remove the entries a source produced; returns how many."""
    from dangjian.points.models import PointEntry

    deleted, _ = PointEntry.objects.filter(source_type=source_type, source_id=str(source_id)).delete()
    return deleted

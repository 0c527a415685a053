"""How points learn about events in other modules.

1. orglife and dues need not know about points: every action of theirs writes an audit event in its
   transaction; `connect()` listens for those events and, **after the transaction commits**
   (`transaction.on_commit`), accrues the points of the meetings or bills they name. A failure there is
   logged and never undoes the business action; `dangjian manage points_recompute` repairs any gap.
2. Modules written later (training) call `feed(...)` directly after their own write commits:

       from dangjian.points.hooks import feed
       transaction.on_commit(lambda: feed(member, "training", source_type="training.record",
                                          source_id=record.pk, occurred_on=record.day, quantity=record.hours))

   `feed` is idempotent on (item, source_type, source_id, member); `withdraw(source_type, source_id)` removes
   what a source produced (a record deleted or corrected).
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models.signals import post_save

log = logging.getLogger(__name__)

MEETING_EVENTS = {"meeting.attendance", "meeting.record"}
BILL_EVENTS = {"dues.payment.record", "dues.bill.waive", "dues.hardship.approve"}


def _bill_ids(event) -> list[int]:
    after = event.after or {}
    if event.action == "dues.payment.record":
        from dangjian.dues.models import Bill

        payment_ids = [p["id"] for p in after.get("payments", [])]
        return list(Bill.objects.filter(payment_id__in=payment_ids).values_list("pk", flat=True))
    return [b["id"] for b in after.get("bills", [])]


def _safely(func, *args) -> None:
    try:
        func(*args)
    except Exception:  # never break the business action that committed; the recompute job repairs
        log.exception("points accrual after %s failed", func.__name__)


def on_audit_event(sender, instance, created, **kwargs) -> None:
    from dangjian.points import accrual

    if not created:
        return
    if instance.action in MEETING_EVENTS and instance.object_id.isdigit():
        meeting_id = int(instance.object_id)
        transaction.on_commit(lambda: _safely(accrual.accrue_meetings, [meeting_id]))
    elif instance.action in BILL_EVENTS:
        ids = _bill_ids(instance)
        if ids:
            transaction.on_commit(lambda: _safely(accrual.accrue_bills, ids))


def connect() -> None:
    from dangjian.core.models import AuditEvent

    post_save.connect(on_audit_event, sender=AuditEvent, dispatch_uid="points.on_audit_event")


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

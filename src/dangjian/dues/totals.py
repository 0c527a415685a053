"""The per-org-month totals of bills (`BillTotal`) behind the collection-rate pages.

Every action that creates bills or changes their status or amount calls `refresh(...)` in its transaction with
the orgs and months it touched; the totals of those (org, month) pairs are recomputed from the bills by one
GROUP BY (never incremented, so they cannot drift). `rebuild()` recomputes everything (migration, repair).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum

from dangjian.core.sql import values_in
from dangjian.dues.models import Bill, BillStatus, BillTotal
from dangjian.members.importer import insert_rows

FIGURES = {
    "billed": Count("id"),
    "paid": Count("id", filter=Q(status=BillStatus.PAID)),
    "waived": Count("id", filter=Q(status=BillStatus.WAIVED)),
    "due_amount": Sum("amount", filter=~Q(status=BillStatus.WAIVED)),
    "paid_amount": Sum("amount", filter=Q(status=BillStatus.PAID)),
}
ZERO = Decimal("0.00")


def refresh(*, months: Iterable[date], org_ids: Iterable[int] | None = None, subtree: str | None = None) -> int:
    """Recompute the totals of `months` for the orgs named (`org_ids`) or the whole `subtree` (an org path),
    or every org when neither is given. Returns the number of total rows written."""
    months = sorted(set(months))
    bills = Bill.objects.filter(month__in=months)
    totals = BillTotal.objects.filter(month__in=months)
    if org_ids is not None:
        ids = sorted(set(org_ids))
        bills, totals = bills.filter(values_in("org_id", ids)), totals.filter(values_in("org_id", ids))
    if subtree is not None:
        bills = bills.filter(org__path__in_subtree=subtree)
        totals = totals.filter(org__path__in_subtree=subtree)
    rows = [
        {"org_id": r["org_id"], "month": r["month"], "billed": r["billed"], "paid": r["paid"], "waived": r["waived"],
         "due_amount": r["due_amount"] or ZERO, "paid_amount": r["paid_amount"] or ZERO}
        for r in bills.values("org_id", "month").annotate(**FIGURES).order_by()
    ]  # fmt: skip
    with transaction.atomic():
        totals._raw_delete(totals.db)
        insert_rows(BillTotal, rows)
    return len(rows)


def of_bills(bills: Iterable[Bill]) -> int:
    """Refresh the totals the given bills count in (after a payment, waiver, or amount change)."""
    bills = list(bills)
    if not bills:
        return 0
    return refresh(months={b.month for b in bills}, org_ids={b.org_id for b in bills})


def rebuild() -> int:
    """Every total, from the bills (a migration on existing data, or a repair)."""
    months = Bill.objects.values_list("month", flat=True).distinct().order_by()
    return refresh(months=list(months))

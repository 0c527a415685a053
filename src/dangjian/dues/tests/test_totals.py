"""The maintained per-org-month totals equal a fresh GROUP BY over the bills after every kind of bill write:
generation, payment (single and bulk), waiver, hardship approval, a profile change recomputing due bills."""

import io
from datetime import date
from decimal import Decimal

from django.core.management import call_command

from dangjian.dues import actions, totals
from dangjian.dues.models import Bill, BillTotal

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def fresh():
    rows = Bill.objects.values("org_id", "month").annotate(**totals.FIGURES).order_by("org_id", "month")
    return [(r["org_id"], r["month"], r["billed"], r["paid"], r["waived"], r["due_amount"] or 0,
             r["paid_amount"] or 0) for r in rows]  # fmt: skip


def kept():
    rows = BillTotal.objects.order_by("org_id", "month")
    return [(t.org_id, t.month, t.billed, t.paid, t.waived, t.due_amount, t.paid_amount) for t in rows]


def test_totals_follow_every_bill_write(orgs, people):
    zhang, wang, zhao = people["zhang"], people["wang"], people["zhao"]
    for m in (zhang, wang, zhao):
        actions.set_profile(m, "salaried", Decimal("4000"), JAN, actor=None)
    for month in (JAN, FEB, MAR):
        actions.generate_bills(orgs["county"], month, actor=None)
    assert kept() == fresh()
    assert len(kept()) == 9
    bill = Bill.objects.get(member=zhang, month=JAN)
    actions.record_payment([bill], actor=None, paid_on=date(2026, 1, 9), method="cash")
    assert kept() == fresh()
    actions.waive_bills([Bill.objects.get(member=wang, month=JAN)], actor=None, reference="县委〔2026〕1号")
    assert kept() == fresh()
    actions.set_profile(zhao, "salaried", Decimal("12000"), FEB, actor=None)  # FEB and MAR recomputed
    assert kept() == fresh()
    app = actions.apply_hardship(wang, actor=None, kind="reduce", monthly_amount="1", first_month=FEB,
                                 last_month=MAR, reason="因病")  # fmt: skip
    app = actions.decide_hardship(app, actor=None, agree=True, decision="支委会")
    actions.approve_hardship(app, actor=None, approve=True, reference="县委〔2026〕2号")
    assert kept() == fresh()
    due = Bill.objects.filter(member=zhao, status="due").order_by("month")
    actions.bulk_record_payments([(list(due), date(2026, 3, 20), "online")], actor=None)
    assert kept() == fresh()
    BillTotal.objects.all().delete()
    call_command("dues_totals", stdout=io.StringIO())
    assert kept() == fresh()


def test_generation_again_keeps_the_totals(orgs, people):
    """Generating the same month twice (set-based, `dues.billing`) creates nothing the second time."""
    for m in people.values():
        actions.set_profile(m, "salaried", Decimal("4000"), JAN, actor=None)
    result = actions.generate_bills(orgs["county"], MAR, actor=None)
    assert (result.created, result.existing) == (4, 0)
    again = actions.generate_bills(orgs["county"], MAR, actor=None)
    assert (again.created, again.existing) == (0, 4)
    assert kept() == fresh()

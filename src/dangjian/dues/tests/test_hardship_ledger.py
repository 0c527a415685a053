"""DUES-10 hardship flow, DUES-18/19 ledger, period collection rates, 补交 from the branch screen, 我的党费."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.dues import actions, queries, rules
from dangjian.dues.models import Bill, BillStatus, LedgerEntry
from dangjian.dues.tests.helpers import dues_user

JAN, FEB, MAR, APR, MAY = (date(2026, m, 1) for m in range(1, 6))


@pytest.mark.parametrize(
    ("case", "kind", "billed", "reduced", "expected"),
    [
        ("DUES-10 exempt pays nothing", "exempt", "20.00", "5", "0.00"),
        ("DUES-10 reduce to the approved amount", "reduce", "20.00", "5", "5.00"),
        ("DUES-10 never more than billed", "reduce", "3.00", "5", "3.00"),
    ],
)
def test_hardship_amount(case, kind, billed, reduced, expected):
    assert rules.hardship_amount(kind, Decimal(billed), Decimal(reduced)) == Decimal(expected), case


@pytest.mark.parametrize(
    ("period", "bounds"),
    [("2026", (JAN, date(2026, 12, 1))), ("2026-Q2", (APR, date(2026, 6, 1))), ("2026-05", (MAY, MAY))],
)
def test_period_bounds(period, bounds):
    assert rules.period_bounds(period) == bounds


@pytest.mark.parametrize("bad", ["2026-Q5", "26", "2026-13", "", "abc"])
def test_period_bounds_refuses(bad):
    with pytest.raises(ValueError, match="期间格式不正确"):
        rules.period_bounds(bad)


@pytest.mark.parametrize(
    ("case", "month", "paid_on", "grace", "on_time"),
    [
        ("DUES-15 last day of the month", MAY, date(2026, 5, 31), 0, True),
        ("DUES-15 next month is late", MAY, date(2026, 6, 1), 0, False),
        ("DUES-15 grace days (P)", MAY, date(2026, 6, 5), 10, True),
    ],
)
def test_paid_on_time(case, month, paid_on, grace, on_time):
    assert rules.paid_on_time(month, paid_on, grace) is on_time, case


@pytest.mark.parametrize(
    ("case", "kind", "amount", "parent", "child", "category", "ref", "problem"),
    [
        ("DUES-19 remit to parent", "remittance", "10", True, False, "", "", None),
        ("DUES-19 no skipping up", "remittance", "10", False, False, "", "", "不得越级"),
        ("DUES-19 allocate to child", "allocation", "10", False, True, "", "", None),
        ("DUES-19 no skipping down", "allocation", "10", False, False, "", "", "不得越级"),
        ("DUES-18 use needs a category", "usage", "10", False, False, "", "支委会", "使用范围"),
        ("DUES-18 use needs a decision", "usage", "10", False, False, "training", " ", "集体研究"),
        ("DUES-18 use ok", "usage", "10", False, False, "training", "支委会", None),
        ("amount positive", "usage", "0", False, False, "training", "支委会", "大于0"),
    ],
)
def test_ledger_problem(case, kind, amount, parent, child, category, ref, problem):
    found = rules.ledger_problem(
        kind, Decimal(amount), is_parent=parent, is_child=child, category=category, decision_reference=ref
    )
    assert (found is None) if problem is None else (problem in found), case


@pytest.fixture
def billed(orgs, people, clerk):
    for key in ("zhang", "wang"):
        actions.set_profile(people[key], "salaried", Decimal("4000"), JAN, actor=clerk)
    for m in (JAN, FEB, MAR):
        actions.generate_bills(orgs["town"], m, actor=clerk)
    return people


def test_hardship_flow_branch_then_upper(orgs, billed, clerk):
    zhang = billed["zhang"]
    branch = dues_user(orgs, "branch_clerk", on="village")
    app = actions.apply_hardship(
        zhang, actor=branch, kind="reduce", first_month=FEB, last_month=APR, reason="因病", monthly_amount="1"
    )
    with pytest.raises(RuleViolation, match="须先经支部研究"):
        actions.approve_hardship(app, actor=clerk, approve=True, reference="东山党委〔2026〕3号")
    app = actions.decide_hardship(app, actor=branch, agree=True, decision="2月支委会")
    with pytest.raises(RuleViolation, match="本支部不能自行批准"):
        actions.approve_hardship(app, actor=branch, approve=True, reference="x")
    with pytest.raises(ConcurrentEdit):
        actions.approve_hardship(app, actor=clerk, approve=True, reference="x", expected_version=1)
    with pytest.raises(RuleViolation, match="批准文号"):
        actions.approve_hardship(app, actor=clerk, approve=True, reference=" ")
    actions.approve_hardship(app, actor=clerk, approve=True, reference="东山党委〔2026〕3号")
    amounts = dict(Bill.objects.filter(member=zhang).values_list("month", "amount"))
    assert amounts == {JAN: Decimal("40.00"), FEB: Decimal("1.00"), MAR: Decimal("1.00")}
    # April's bill, generated later, follows the approved application; May's does not.
    actions.generate_bills(orgs["town"], APR, actor=clerk)
    assert Bill.objects.get(member=zhang, month=APR).amount == Decimal("1.00")
    # A later change of base does not undo the approved reduction.
    actions.set_profile(zhang, "salaried", Decimal("9000"), FEB, actor=clerk)
    assert Bill.objects.get(member=zhang, month=MAR).amount == Decimal("1.00")


def test_hardship_exempt_waives_and_rejection_changes_nothing(orgs, billed, clerk):
    wang = billed["wang"]
    app = actions.apply_hardship(wang, actor=clerk, kind="exempt", first_month=JAN, last_month=FEB, reason="低保")
    refused = actions.apply_hardship(wang, actor=clerk, kind="exempt", first_month=MAR, last_month=MAR, reason="x")
    actions.decide_hardship(refused, actor=clerk, agree=False, decision="支委会不同意")
    with pytest.raises(RuleViolation):
        actions.approve_hardship(refused, actor=clerk, approve=True, reference="x")
    actions.decide_hardship(app, actor=clerk, agree=True, decision="支委会")
    actions.approve_hardship(app, actor=clerk, approve=True, reference="东山党委〔2026〕4号")
    statuses = dict(Bill.objects.filter(member=wang).values_list("month", "status"))
    assert statuses == {JAN: BillStatus.WAIVED, FEB: BillStatus.WAIVED, MAR: BillStatus.DUE}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "reduce", "monthly_amount": "0"}, "减免后每月交纳"),
        ({"first_month": MAR, "last_month": JAN}, "1至12个月"),
        ({"reason": "  "}, "申请理由"),
    ],
)
def test_hardship_bad_input(billed, clerk, fields, message):
    data = {"kind": "exempt", "first_month": JAN, "last_month": FEB, "reason": "因病", **fields}
    with pytest.raises(RuleViolation, match=message):
        actions.apply_hardship(billed["zhang"], actor=clerk, **data)


def test_hardship_out_of_scope(orgs, people, clerk):
    with pytest.raises(OutOfScope):
        actions.apply_hardship(people["zhao"], actor=clerk, kind="exempt", first_month=JAN, last_month=JAN, reason="x")


def test_ledger_entries_and_summary(orgs, billed, clerk):
    town, village = orgs["town"], orgs["village"]
    bills = list(Bill.objects.filter(member=billed["zhang"]))
    actions.record_payment(bills, actor=clerk, paid_on=date(2026, 3, 20), method="cash")
    actions.record_ledger_entry(village, actor=clerk, kind="remittance", amount="100", entry_date=MAR)
    actions.record_ledger_entry(town, actor=clerk, kind="allocation", amount="50", entry_date=MAR, counterpart=village)
    actions.record_ledger_entry(
        village, actor=clerk, kind="usage", amount="30", entry_date=APR, category="training",
        decision_reference="4月支委会",
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="不得越级"):
        actions.record_ledger_entry(
            orgs["county"], actor=None, kind="allocation", amount="5", entry_date=MAR, counterpart=village
        )
    with pytest.raises(OutOfScope):
        actions.record_ledger_entry(orgs["village3"], actor=clerk, kind="remittance", amount="5", entry_date=MAR)
    assert LedgerEntry.objects.get(kind="remittance").counterpart == town  # defaults to the direct parent
    s = queries.ledger_summary(village, clerk, 2026)
    assert (s.collected, s.received, s.remitted, s.used) == (Decimal("120.00"), 50, 100, 30)
    assert s.balance == Decimal("40.00")
    assert queries.ledger_summary(town, clerk, 2026).collected == Decimal("100")


def test_period_collection(orgs, billed, clerk):
    jan = Bill.objects.filter(month=JAN)
    actions.record_payment(list(jan), actor=clerk, paid_on=date(2026, 1, 20), method="cash")
    q1 = queries.collection_period(orgs["town"], "2026-Q1", clerk)
    assert (q1.billed, q1.paid, q1.due_amount, q1.paid_amount) == (6, 2, Decimal("240.00"), Decimal("80.00"))
    assert q1.rate == Decimal("33.3")
    rows = {c.key.pk: c for c in queries.collection_period_by_child(orgs["town"], "2026", clerk)}
    assert rows[orgs["village"].pk].paid == 1


def test_branch_screen_pays_with_arrears_and_extra(client, orgs, billed, clerk):
    client.force_login(clerk)
    mar = Bill.objects.get(member=billed["zhang"], month=MAR)
    response = client.post(
        reverse("dues:pay"),
        {"bill": [mar.pk], "paid_on": "2026-03-25", "method": "online", "reference": "WX1", "with_arrears": "on",
         "extra": "1000"},
    )  # fmt: skip
    assert response.status_code == 302
    payment = Bill.objects.get(pk=mar.pk).payment
    assert (payment.months, payment.extra_amount, payment.remit_upward) == (3, Decimal("1000.00"), True)


def test_own_dues_paid_until(billed, clerk):
    zhang = billed["zhang"]
    jan = Bill.objects.get(member=zhang, month=JAN)
    actions.record_payment([jan], actor=clerk, paid_on=date(2026, 1, 10), method="cash")
    own = queries.own_dues(zhang)
    assert (own.paid_until, len(own.unpaid), own.unpaid_amount) == (JAN, 2, Decimal("80.00"))


def test_bulk_paths(orgs, people, clerk):
    zhang, wang = people["zhang"], people["wang"]
    created = actions.bulk_set_profiles(
        [(zhang, "salaried", Decimal("4000"), JAN), (wang, "retired", Decimal("6000"), JAN)], actor=clerk
    )
    assert created == 2
    with pytest.raises(RuleViolation, match="未知的党费类别"):
        actions.bulk_set_profiles([(zhang, "alien", Decimal("1"), JAN)], actor=clerk)
    for m in (JAN, FEB):
        actions.generate_bills(orgs["town"], m, actor=clerk)
    z = list(Bill.objects.filter(member=zhang).order_by("month"))
    w = list(Bill.objects.filter(member=wang).order_by("month"))
    made = actions.bulk_record_payments([(z, date(2026, 2, 20), "cash"), (w[:1], date(2026, 1, 9), "online")],
                                        actor=clerk)  # fmt: skip
    assert made == 2
    assert [b.status for b in Bill.objects.filter(member=zhang)] == [BillStatus.PAID, BillStatus.PAID]
    assert Bill.objects.get(pk=z[0].pk).payment.amount == Decimal("80.00")
    with pytest.raises(RuleViolation, match="已交纳"):
        actions.bulk_record_payments([(w, date(2026, 2, 20), "cash")], actor=clerk)
    assert Bill.objects.get(pk=w[1].pk).status == BillStatus.DUE  # nothing half-written


@pytest.mark.parametrize(
    ("base", "confirmed", "ok"),
    [("1000000", False, True), ("1000000.01", False, False), ("1000000.01", True, True), ("-1", True, False)],
)
def test_absurd_base_asks_for_confirmation(people, clerk, base, confirmed, ok):
    call = lambda: actions.set_profile(people["zhang"], "salaried", base, JAN, actor=clerk, confirmed=confirmed)  # noqa: E731
    if ok:
        assert call().base == Decimal(base)
    else:
        with pytest.raises(RuleViolation):
            call()

"""Dues actions: profile history (DUES-13), idempotent generation, DUES-11, payments (DUES-14/15), waivers
(DUES-10), and scope refusals that change nothing."""

import json
from datetime import date
from decimal import Decimal

import pytest

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.dues import actions
from dangjian.dues.models import Bill, BillStatus, DuesProfile, Payment

JAN, FEB, MAR, APR, MAY = (date(2026, m, 1) for m in range(1, 6))
PAID_ON = date(2026, 6, 10)


def amounts(member):
    return {b.month: b.amount for b in Bill.objects.filter(member=member)}


def state():
    return (
        list(Bill.objects.order_by("pk").values_list("pk", "status", "amount", "payment_id")),
        Payment.objects.count(),
        list(DuesProfile.objects.order_by("pk").values_list("pk", "category", "base")),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def profiled(people, clerk):
    actions.set_profile(people["zhang"], "salaried", Decimal("4000"), JAN, actor=clerk)
    actions.set_profile(people["li"], "salaried", Decimal("2000"), JAN, actor=clerk)
    actions.set_profile(people["wang"], "retired", Decimal("6000"), JAN, actor=clerk)
    return people


def generate(orgs, clerk, *months):
    return [actions.generate_bills(orgs["town"], m, actor=clerk) for m in months]


def test_profile_history_and_dues13_recompute(orgs, profiled, clerk):
    zhang = profiled["zhang"]
    generate(orgs, clerk, JAN, FEB, MAR, APR)
    assert amounts(zhang) == {
        JAN: Decimal("40.00"),
        FEB: Decimal("40.00"),
        MAR: Decimal("40.00"),
        APR: Decimal("40.00"),
    }
    mar = Bill.objects.get(member=zhang, month=MAR)
    actions.record_payment([mar], actor=clerk, paid_on=PAID_ON, method="cash")
    # New pay first received in March (given as any day of the month): from March on, 6000 × 1.5 %.
    actions.set_profile(zhang, "salaried", Decimal("6000"), date(2026, 3, 15), actor=clerk)
    rows = list(
        DuesProfile.objects.filter(member=zhang).order_by("effective_from").values_list("effective_from", "base")
    )
    assert rows == [(JAN, Decimal("4000.00")), (MAR, Decimal("6000.00"))]
    # Paid March keeps its amount; unpaid April is recomputed; earlier months keep the old base.
    assert amounts(zhang) == {
        JAN: Decimal("40.00"),
        FEB: Decimal("40.00"),
        MAR: Decimal("40.00"),
        APR: Decimal("90.00"),
    }
    result = actions.generate_bills(orgs["town"], MAY, actor=clerk)
    assert result.created == 3
    assert Bill.objects.get(member=zhang, month=MAY).amount == Decimal("90.00")


def test_profile_correction_in_the_same_month_does_not_touch_later_history(orgs, profiled, clerk):
    zhang = profiled["zhang"]
    actions.set_profile(zhang, "salaried", Decimal("8000"), APR, actor=clerk)
    generate(orgs, clerk, FEB, APR)
    actions.set_profile(zhang, "salaried", Decimal("3000"), JAN, actor=clerk, note="更正")
    assert DuesProfile.objects.filter(member=zhang).count() == 2
    assert amounts(zhang) == {FEB: Decimal("15.00"), APR: Decimal("120.00")}


@pytest.mark.parametrize(
    ("category", "base", "field"),
    [("salaried", "-1", "base"), ("pensioner", "100", "category")],
)
def test_profile_is_validated_through_monthly_dues(people, clerk, category, base, field):
    before = state()
    with pytest.raises(RuleViolation) as caught:
        actions.set_profile(people["zhang"], category, Decimal(base), JAN, actor=clerk)
    assert caught.value.field == field
    assert state() == before


def test_generation_is_idempotent_and_reports_members_without_profile(orgs, people, clerk):
    actions.set_profile(people["zhang"], "farmer", Decimal("0"), JAN, actor=clerk)
    first = actions.generate_bills(orgs["town"], JAN, actor=clerk)
    assert first.created == 1
    assert {m.name for m in first.missing_profile} == {"王建国"}  # 李秀英 is not yet a member in January
    assert first.not_yet_member == 1
    before = state()[0]
    second = actions.generate_bills(orgs["town"], JAN, actor=clerk)
    assert (second.created, second.existing) == (0, 1)
    assert state()[0] == before
    bill = Bill.objects.get(member=people["zhang"], month=JAN)
    assert (bill.amount, bill.org, bill.category) == (Decimal("0.20"), orgs["village"], "farmer")


def test_probationary_member_billed_from_the_month_of_acceptance(orgs, profiled, clerk):
    generate(orgs, clerk, FEB, MAR)  # 李秀英 accepted as 预备党员 on 2026-03-01 (DUES-11)
    assert set(amounts(profiled["li"])) == {MAR}
    assert set(amounts(profiled["zhang"])) == {FEB, MAR}


def test_future_months_are_not_billed(orgs, profiled, clerk):
    with pytest.raises(RuleViolation) as caught:
        actions.generate_bills(orgs["town"], date(2099, 1, 1), actor=clerk)
    assert caught.value.rule_id == "DUES-17"
    assert Bill.objects.count() == 0


def test_pay_several_months_at_once(orgs, profiled, clerk):
    generate(orgs, clerk, JAN, FEB, MAR)
    zhang, wang = profiled["zhang"], profiled["wang"]
    bills = list(Bill.objects.filter(member__in=[zhang, wang]))
    payments = actions.record_payment(
        bills, actor=clerk, paid_on=PAID_ON, method="transfer", reference="T2026", proxy="张小明"
    )
    assert len(payments) == 2
    mine = next(p for p in payments if p.member_id == zhang.pk)
    assert (mine.months, mine.amount, mine.dues_amount, mine.org) == (
        3,
        Decimal("120.00"),
        Decimal("120.00"),
        orgs["village"],
    )
    assert mine.proxy_name == "张小明"
    assert not mine.remit_upward
    assert set(Bill.objects.filter(member=zhang).values_list("status", flat=True)) == {BillStatus.PAID}
    assert Bill.objects.filter(payment=mine).count() == 3
    event = AuditEvent.objects.filter(action="dues.payment.record").get()
    text = json.dumps(event.after, ensure_ascii=False) + event.object_repr
    assert "张三丰" not in text
    assert "张小明" not in text
    assert event.org_path == orgs["town"].path


def test_at_most_six_months_in_one_payment(orgs, profiled, clerk):
    months = [date(2026, m, 1) for m in range(1, 9)]
    generate(orgs, clerk, *months)
    zhang = profiled["zhang"]
    bills = list(Bill.objects.filter(member=zhang).order_by("month"))
    assert len(bills) == 8
    before = state()
    with pytest.raises(RuleViolation) as caught:
        actions.record_payment(bills[:7], actor=clerk, paid_on=PAID_ON, method="cash")
    assert caught.value.rule_id == "DUES-15"
    assert state() == before
    actions.record_payment(bills[:6], actor=clerk, paid_on=PAID_ON, method="cash")
    assert Bill.objects.filter(member=zhang, status=BillStatus.PAID).count() == 6


def test_a_bill_is_paid_once(orgs, profiled, clerk):
    generate(orgs, clerk, JAN)
    bill = Bill.objects.get(member=profiled["zhang"], month=JAN)
    actions.record_payment([bill], actor=clerk, paid_on=PAID_ON, method="cash")
    before = state()
    with pytest.raises(RuleViolation):
        actions.record_payment([bill], actor=clerk, paid_on=PAID_ON, method="cash")
    assert state() == before


@pytest.mark.parametrize(("extra", "flag"), [("999.99", False), ("1000", True)])
def test_voluntary_extra_of_1000_is_remitted_upward(orgs, profiled, clerk, extra, flag):
    generate(orgs, clerk, JAN)
    bill = Bill.objects.get(member=profiled["zhang"], month=JAN)
    (payment,) = actions.record_payment([bill], actor=clerk, paid_on=PAID_ON, method="online", extra=Decimal(extra))
    assert payment.remit_upward is flag
    assert payment.amount == Decimal("40.00") + Decimal(extra)


def test_voluntary_extra_only_for_one_member(orgs, profiled, clerk):
    generate(orgs, clerk, JAN)
    before = state()
    with pytest.raises(RuleViolation):
        actions.record_payment(list(Bill.objects.all()), actor=clerk, paid_on=PAID_ON, method="cash", extra=5)
    assert state() == before


def test_waive_needs_the_approval_reference(orgs, profiled, clerk):
    generate(orgs, clerk, JAN)
    bill = Bill.objects.get(member=profiled["wang"], month=JAN)
    with pytest.raises(RuleViolation) as caught:
        actions.waive_bills([bill], actor=clerk, reference=" ")
    assert caught.value.rule_id == "DUES-10"
    actions.waive_bills([bill], actor=clerk, reference="东山党委〔2026〕3号", note="因病")
    bill.refresh_from_db()
    assert (bill.status, bill.waiver_reference) == (BillStatus.WAIVED, "东山党委〔2026〕3号")
    with pytest.raises(RuleViolation):
        actions.record_payment([bill], actor=clerk, paid_on=PAID_ON, method="cash")


def test_scope_refusals_change_nothing(orgs, people, clerk, viewer):
    zhao = people["zhao"]  # 河湾村, outside 东山镇
    actions.set_profile(zhao, "salaried", Decimal("3000"), JAN, actor=None)
    actions.generate_bills(orgs["town2"], JAN, actor=None)
    actions.set_profile(people["zhang"], "salaried", Decimal("3000"), JAN, actor=None)
    actions.generate_bills(orgs["town"], JAN, actor=None)
    outside = Bill.objects.get(member=zhao)
    inside = Bill.objects.get(member=people["zhang"])
    before = state()
    refused = [
        lambda: actions.set_profile(zhao, "salaried", Decimal("5000"), FEB, actor=clerk),
        lambda: actions.generate_bills(orgs["town2"], FEB, actor=clerk),
        lambda: actions.generate_bills(orgs["county"], FEB, actor=clerk),
        lambda: actions.record_payment([outside], actor=clerk, paid_on=PAID_ON, method="cash"),
        lambda: actions.record_payment([inside, outside], actor=clerk, paid_on=PAID_ON, method="cash"),
        lambda: actions.waive_bills([outside], actor=clerk, reference="x"),
        lambda: actions.record_payment([inside], actor=viewer, paid_on=PAID_ON, method="cash"),
        lambda: actions.set_profile(people["zhang"], "salaried", Decimal("5000"), FEB, actor=viewer),
        lambda: actions.generate_bills(orgs["town"], FEB, actor=viewer),
    ]
    for call in refused:
        with pytest.raises(OutOfScope):
            call()
    assert state() == before

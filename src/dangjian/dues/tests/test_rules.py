"""Dues rules, one row per regulation case (rules.md §5, conformance interface)."""

from datetime import date
from decimal import Decimal

import pytest

from dangjian.dues import rules
from dangjian.dues.rules import monthly_dues


@pytest.mark.parametrize(
    ("case", "base", "category", "expected"),
    [
        ("DUES-03 zero base", "0", "salaried", "0.00"),
        ("DUES-03 3000 is in the first band", "3000", "salaried", "15.00"),
        ("DUES-03 3000.01 is in the second band, whole base", "3000.01", "salaried", "30.00"),
        ("DUES-03 5000 is in the second band", "5000", "salaried", "50.00"),
        ("DUES-03 5000.01 is in the third band", "5000.01", "salaried", "75.00"),
        ("DUES-03 10000 is in the third band", "10000", "salaried", "150.00"),
        ("DUES-03 10000.01 is in the fourth band", "10000.01", "salaried", "200.00"),
        ("DUES-03 rounding half up", "2345.70", "salaried", "11.73"),
        ("DUES-03 rounding half up at .005", "2001", "salaried", "10.01"),
        ("DUES-04 annual salary uses the bands", "8000", "annual_salary", "120.00"),
        ("DUES-05 self-employed uses the bands", "2500", "self_employed", "12.50"),
        ("DUES-06 retired 5000", "5000", "retired", "25.00"),
        ("DUES-06 retired above 5000", "5000.01", "retired", "50.00"),
        ("DUES-06 retired small pension", "1833", "retired", "9.17"),
        ("DUES-08 student", "0", "student", "0.20"),
        ("DUES-08 unemployed ignores the base", "4000", "unemployed", "0.20"),
        ("DUES-08 relief", "0", "relief", "0.20"),
        ("DUES-07 farmer default", "0", "farmer", "0.20"),
    ],
)
def test_monthly_dues(case, base, category, expected):
    assert monthly_dues(Decimal(base), category) == Decimal(expected)


def test_results_are_decimals_with_two_places():
    value = monthly_dues(Decimal("4321"), "salaried")
    assert isinstance(value, Decimal)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize("amount", ["0.20", "0.50", "1.00"])
def test_farmer_amount_is_configurable_within_range(amount):
    assert monthly_dues(Decimal("0"), "farmer", farmer_amount=Decimal(amount)) == Decimal(amount)


@pytest.mark.parametrize("amount", ["0.19", "1.01"])
def test_farmer_amount_outside_range_is_refused(amount):
    with pytest.raises(ValueError, match=amount):
        monthly_dues(Decimal("0"), "farmer", farmer_amount=Decimal(amount))


def test_negative_base_names_the_value():
    with pytest.raises(ValueError, match="-1"):
        monthly_dues(Decimal("-1"), "salaried")


def test_unknown_category_names_the_value():
    with pytest.raises(ValueError, match="pensioner"):
        monthly_dues(Decimal("100"), "pensioner")


@pytest.mark.parametrize(
    ("case", "joined_on", "stage", "month", "expected"),
    [
        (
            "DUES-11 probationary billed from the month of acceptance",
            date(2026, 3, 20),
            "probationary",
            date(2026, 3, 1),
            True,
        ),
        (
            "DUES-11 probationary not billed before acceptance",
            date(2026, 3, 20),
            "probationary",
            date(2026, 2, 1),
            False,
        ),
        ("DUES-11 probationary billed after acceptance", date(2026, 3, 20), "probationary", date(2026, 9, 1), True),
        ("DUES-11 full member billed", date(1995, 7, 1), "full", date(2026, 1, 1), True),
        ("DUES-11 full member without a date billed", None, "full", date(2026, 1, 1), True),
        ("DUES-11 probationary without a date not billed", None, "probationary", date(2026, 1, 1), False),
        ("DUES-11 candidate pays nothing", date(2026, 1, 1), "candidate", date(2026, 5, 1), False),
        ("DUES-11 applicant pays nothing", None, "applicant", date(2026, 5, 1), False),
        ("DUES-11 any day of the month counts as the month", date(2026, 3, 1), "probationary", date(2026, 3, 31), True),
    ],
)
def test_bill_months(case, joined_on, stage, month, expected):
    assert rules.bill_months(joined_on, stage, month) is expected


@pytest.mark.parametrize(
    ("case", "months", "expected"),
    [
        ("DUES-16 none unpaid", 0, None),
        ("DUES-16 two months is not yet a reminder", 2, None),
        ("DUES-16 3 months: remind", 3, "remind"),
        ("DUES-16 4 months: remind", 4, "remind"),
        ("DUES-16 5 months: warn", 5, "warn"),
        ("MEM-01 6 months: lapse, the branch decides", 6, "lapse"),
        ("MEM-01 more than 6 months: lapse", 9, "lapse"),
    ],
)
def test_arrears_warning(case, months, expected):
    assert rules.arrears_warning(months) == expected


@pytest.mark.parametrize(
    ("case", "due", "paid", "expected"),
    [
        ("rate nothing due", 0, 0, None),
        ("rate all paid", 10, 10, "100.0"),
        ("rate none paid", 10, 0, "0.0"),
        ("rate two thirds rounds half up", 3, 2, "66.7"),
        ("rate one third", 3, 1, "33.3"),
        ("rate half up at .05", 2000, 1999, "100.0"),
        ("rate .x5 rounds up", 400, 1, "0.3"),
        ("rate on amounts", Decimal("80.00"), Decimal("60.00"), "75.0"),
    ],
)
def test_collection_rate(case, due, paid, expected):
    result = rules.collection_rate(due, paid)
    assert result == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("case", "months", "allowed"),
    [
        ("DUES-15 one month", 1, True),
        ("DUES-15 a quarter", 3, True),
        ("DUES-15 six months of arrears", 6, True),
        ("DUES-15 seven months is too many at once", 7, False),
        ("DUES-15 nothing to pay", 0, False),
    ],
)
def test_arrears_payment_allowed(case, months, allowed):
    assert rules.arrears_payment_allowed(months) is allowed
    assert rules.arrears_months_allowed == 6


@pytest.mark.parametrize(
    ("case", "amount", "expected"),
    [
        ("DUES-14 999.99 stays", "999.99", False),
        ("DUES-14 1000 is remitted in full", "1000", True),
        ("DUES-14 above 1000 is remitted", "5000.00", True),
        ("DUES-14 nothing extra", "0", False),
    ],
)
def test_remit_upward(case, amount, expected):
    assert rules.remit_upward(Decimal(amount)) is expected


@pytest.mark.parametrize(
    ("case", "effective", "month", "expected"),
    [
        ("DUES-13 no profile yet", [date(2026, 5, 1)], date(2026, 4, 1), None),
        ("DUES-13 the only profile", [date(2026, 1, 1)], date(2026, 4, 1), date(2026, 1, 1)),
        (
            "DUES-13 a change applies from its month",
            [date(2026, 1, 1), date(2026, 4, 1)],
            date(2026, 4, 1),
            date(2026, 4, 1),
        ),
        (
            "DUES-13 earlier months keep the old base",
            [date(2026, 1, 1), date(2026, 4, 1)],
            date(2026, 3, 1),
            date(2026, 1, 1),
        ),
    ],
)
def test_profile_in_force(case, effective, month, expected):
    assert rules.profile_in_force(effective, month) == expected


def test_month_helpers():
    assert rules.month_start(date(2026, 5, 31)) == date(2026, 5, 1)
    assert rules.month_shift(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert rules.month_shift(date(2026, 11, 15), 2) == date(2027, 1, 1)

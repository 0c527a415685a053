"""Dues rules, one row per regulation case (rules.md §5, conformance interface)."""

from decimal import Decimal

import pytest

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

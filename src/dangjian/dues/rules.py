"""Dues (党费) rules of rules.md §5 as pure functions on plain values.

`monthly_dues` is part of the conformance interface: its name, signature and behaviour are fixed by
rules.md ("Conformance interface"). Money is Decimal throughout, rounded to 0.01 yuan half up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

# DUES-03 (salaried; DUES-04 annual salary and DUES-05 self-employed use the same bands): upper bound
# of each band (inclusive: "3000元以下（含3000元）") and its rate on the whole base.
SALARIED_BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("3000"), Decimal("0.005")),
    (Decimal("5000"), Decimal("0.01")),
    (Decimal("10000"), Decimal("0.015")),
    (None, Decimal("0.02")),
)
# DUES-06 (retired): ≤5000 → 0.5 %, above → 1 %.
RETIRED_BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("5000"), Decimal("0.005")),
    (None, Decimal("0.01")),
)
FLAT_MINIMUM = Decimal("0.20")  # DUES-08: students, unemployed, relief
FARMER_MIN, FARMER_MAX = Decimal("0.20"), Decimal("1.00")  # DUES-07: 0.2–1 yuan a month
FARMER_DEFAULT = FARMER_MIN

BANDED = {"salaried": SALARIED_BANDS, "annual_salary": SALARIED_BANDS, "self_employed": SALARIED_BANDS,
          "retired": RETIRED_BANDS}  # fmt: skip
FLAT = {"student", "unemployed", "relief"}
CATEGORIES = frozenset({*BANDED, *FLAT, "farmer"})


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"计算基数 {value!r} 不是有效的金额") from exc


def rate_for(base: Decimal, bands) -> Decimal:
    """The rate of the band `base` falls in; every band includes its upper bound (rules.md §0)."""
    for upper, rate in bands:
        if upper is None or base <= upper:
            return rate
    raise AssertionError("the last band is open")  # pragma: no cover


def monthly_dues(base: Decimal, category: str, *, farmer_amount: Decimal = FARMER_DEFAULT) -> Decimal:
    """DUES-03, 04, 05, 06, 07, 08: one member's monthly dues, rounded to 0.01 yuan half up.

    Salaried, annual-salary and self-employed members pay the DUES-03 rate of their band on the
    whole base; retired members the DUES-06 rate; students, the unemployed and relief recipients a
    flat 0.20 yuan; farmers a flat amount, 0.20 by default and configurable within 0.20–1.00.
    A negative base, an unknown category or a farmer amount outside its range raises ValueError.
    """
    amount = _decimal(base)
    if amount.is_nan() or amount < 0:
        raise ValueError(f"计算基数不能为负数：{base}")
    if category not in CATEGORIES:
        raise ValueError(f"未知的党费类别：{category!r}")
    if category in BANDED:
        return (amount * rate_for(amount, BANDED[category])).quantize(CENT, rounding=ROUND_HALF_UP)
    if category in FLAT:
        return FLAT_MINIMUM
    farmer = _decimal(farmer_amount)
    if not FARMER_MIN <= farmer <= FARMER_MAX:
        raise ValueError(f"农民党员党费应在0.20至1.00元之间：{farmer_amount}")
    return farmer.quantize(CENT, rounding=ROUND_HALF_UP)

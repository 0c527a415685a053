"""Pure rules of the statistics module: threshold validation and shares (table-driven)."""

from decimal import Decimal

import pytest

from dangjian.stats import rules

D = Decimal


@pytest.mark.parametrize(
    ("direction", "green", "red", "error"),
    [
        ("higher", D("90"), D("75"), None),
        ("higher", D("75"), D("75"), None),
        ("higher", D("70"), D("75"), "“红色”阈值不能高于“绿色”阈值（数值越高越好）"),
        ("lower", D("5"), D("15"), None),
        ("lower", D("15"), D("5"), "“红色”阈值不能低于“绿色”阈值（数值越低越好）"),
        ("higher", D("101"), D("75"), "阈值应在0至100之间"),
        ("lower", D("-1"), D("15"), "阈值应在0至100之间"),
        ("sideways", D("5"), D("15"), "方向无效"),
    ],
)
def test_band_error(direction, green, red, error):
    assert rules.band_error(direction, green, red) == error


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 3, D("33.33")), (0, 5, D("0.00")), (5, 5, D("100.00")), (1, 0, None), (2, -1, None)],
)
def test_share_is_a_decimal_percentage_or_none_for_a_zero_denominator(part, whole, expected):
    assert rules.share(part, whole) == expected


def test_every_default_threshold_is_valid():
    for code, (label, band) in rules.DEFAULT_THRESHOLDS.items():
        assert label
        assert rules.band_error(band.direction, band.green, band.red) is None, code

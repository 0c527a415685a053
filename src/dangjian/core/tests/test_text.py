"""Pinyin initials used by the roster's name search ("zsf" finds 张三丰)."""

import pytest

from dangjian.core.text import initials


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三丰", "zsf"),
        ("欧阳春花", "oych"),
        ("曾国藩", "zgf"),  # surname reading, not céng
        ("单雄信", "sxx"),  # shàn
        ("解缙", "xj"),  # xiè
        ("李曾", "lc"),  # 曾 not in the surname position: its common reading
        ("王2号", "w2h"),
        ("  赵 一 ", "zy"),
        ("Anna李", "annal"),
        ("", ""),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected

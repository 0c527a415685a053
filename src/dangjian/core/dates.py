"""Date arithmetic shared by every rules.py (pure standard library; rules.md §0 conventions)."""

import calendar
from datetime import date


def add_months(d: date, months: int) -> date:
    """Calendar months from `d`, clamped to the target month's last day ("一个月内" etc.)."""
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)

"""Demo statistics: the rollups of today and of last 31 December, so that the demo's dashboards read them."""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def build() -> int:
    from dangjian.stats import rollups

    today = timezone.localdate()
    return rollups.refresh(today) + rollups.refresh(date(today.year - 1, 12, 31))

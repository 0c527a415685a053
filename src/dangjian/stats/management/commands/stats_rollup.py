"""`dangjian manage stats_rollup [--date YYYY-MM-DD]`: recompute the statistics rollups of a day (default
today) for every org, for the dashboards of large subtrees. Schedule it nightly and after 12-31."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from dangjian.stats import rollups


class Command(BaseCommand):
    help = "重新计算某一统计日期（默认今天）全部党组织的统计汇总"

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="统计日期 YYYY-MM-DD（默认：今天）")

    def handle(self, *args, day=None, **options):
        try:
            when = date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{day}") from None
        started = time.monotonic()
        written = rollups.refresh(when)
        self.stdout.write(f"已计算 {written} 个党组织的统计汇总，用时 {time.monotonic() - started:.1f} 秒")

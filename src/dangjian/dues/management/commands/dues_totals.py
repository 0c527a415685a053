"""Rebuild the per-org-month dues totals behind the collection-rate pages from the bills:
`dangjian manage dues_totals`. The actions keep them current; this is the repair path."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dangjian.dues import totals


class Command(BaseCommand):
    help = "由党费账单重新汇总各党组织各月的收缴情况（交纳率页面所用）"

    def handle(self, *args, **options):
        self.stdout.write(f"已重新汇总 {totals.rebuild()} 行。")

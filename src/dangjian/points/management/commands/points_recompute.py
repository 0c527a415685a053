"""Recompute the automatic points of one org's subtree for a year: `dangjian manage points_recompute ORG
[--year Y]`. Idempotent: running it twice creates nothing new. ORG is an org code or its full name."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from dangjian.orgs.models import Org
from dangjian.points import accrual


class Command(BaseCommand):
    help = "重新计算党员积分（组织生活出勤、党费按时交纳），可重复执行"

    def add_arguments(self, parser):
        parser.add_argument("org", help="党组织代码或全称")
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, org, year=None, **options):
        found = Org.objects.filter(Q(code=org) | Q(name=org)).order_by("path").first()
        if found is None:
            raise CommandError(f"找不到党组织：{org}")
        result = accrual.recompute(found, year or timezone.localdate().year)
        self.stdout.write(result["message"])

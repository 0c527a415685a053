"""Verify the audit hash chain; exit 1 and name the first broken link when it is not intact."""

from django.core.management.base import BaseCommand

from dangjian.core import audit
from dangjian.core.models import AuditEvent


class Command(BaseCommand):
    help = "校验审计记录的哈希链，报告第一处断裂"

    def handle(self, *args, **options):
        broken = audit.verify()
        if broken is None:
            self.stdout.write(f"审计链完整：共 {AuditEvent.objects.count()} 条记录。")
            return
        self.stdout.write(f"审计链断裂：{broken}")
        raise SystemExit(1)

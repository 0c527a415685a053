"""Daily audit-chain check for a scheduler (cron / systemd timer): on failure an alert goes to the
security and audit administrators (a to-do until resolved) and the command exits 1."""

from django.core.management.base import BaseCommand

from dangjian.security import actions


class Command(BaseCommand):
    help = "每日校验审计哈希链；断裂时向安全管理员和审计管理员发出告警"

    def handle(self, *args, **options):
        broken = actions.daily_audit_check()
        if broken is None:
            self.stdout.write("审计链完整。")
            return
        self.stdout.write(f"审计链断裂：{broken}（已告警）")
        raise SystemExit(1)

"""AU-03: send the audit events not yet shipped to the syslog receiver of DANGJIAN_AUDIT_SYSLOG (core/audit_ship.py).

Once (for cron), or `--follow`: every DANGJIAN_AUDIT_SYSLOG_INTERVAL seconds, at once again while a backlog
remains; a failed send is retried at the next round (`dangjian serve` runs this beside the web server)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from dangjian.core import audit_ship


class Command(BaseCommand):
    help = "把尚未外送的审计记录发送到 DANGJIAN_AUDIT_SYSLOG 指定的日志服务器（syslog）"

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="持续运行，每隔几秒发送新记录")
        parser.add_argument("--limit", type=int, default=1000, help="每批最多发送的记录数")

    def handle(self, *args, follow=False, limit=1000, **options):
        try:
            target = audit_ship.configured_target()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if target is None:
            raise CommandError("未设置 DANGJIAN_AUDIT_SYSLOG（审计日志接收地址），没有可发送的目标。")
        if not follow:
            try:
                total = audit_ship.ship_all(target, limit=limit)
            except OSError as exc:
                raise CommandError(f"发送失败（下次从断点继续）：{exc}") from exc
            self.stdout.write(f"已发送 {total} 条审计记录到 {target}。")
            return
        interval = max(1, settings.AUDIT_SYSLOG_INTERVAL)
        while True:
            close_old_connections()
            try:
                audit_ship.ship_all(target, limit=limit)
            except OSError as exc:
                self.stderr.write(f"审计记录发送失败，{interval} 秒后重试：{exc}")
            time.sleep(interval)

"""`dangjian restore FILE`: restore a backup into an empty database, verifying checksum, counts and audit chain."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.security import backup


class Command(BaseCommand):
    help = "从备份文件恢复到空数据库：先核对校验值，恢复后核对各表行数并校验审计链"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（同目录下须有 .json 校验清单）")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            result = backup.restore(Path(options["file"]), alias=options["database"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"恢复完成：{result['tables']} 张表行数与备份一致，审计链完整（{result['audit_events']} 条）。"
        )
        self.stdout.write("本次恢复已写入审计记录（system.restore）。")

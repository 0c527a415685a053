"""`dangjian backup`: a consistent, checksummed (optionally encrypted) backup of the database."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.security import actions, backup
from dangjian.security.models import AlertKind


class Command(BaseCommand):
    help = "备份数据库：SQLite 在线备份或 pg_dump 自定义格式，附 SHA-256/SM3 校验清单，可选 SM4 加密"

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="备份目录（默认 DANGJIAN_BACKUP_DIR 或数据目录下的 backups）")
        parser.add_argument("--encrypt", action="store_true", help="用备份密钥（keys/backup.key）以 SM4-GCM 加密")

    def handle(self, *args, **options):
        try:
            path = backup.backup(directory=options["dir"], encrypt=options["encrypt"])
        except backup.BackupError as exc:
            actions.raise_alert(AlertKind.BACKUP, f"备份失败：{exc}")
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(path)
        self.stdout.write(f"备份完成：{path}")
        self.stdout.write(f"SHA-256：{manifest['sha256']}")
        self.stdout.write(f"SM3：{manifest['sm3']}")

from datetime import date, datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.security import archive


class Command(BaseCommand):
    help = "导出审计归档（JSON Lines，自带 SM3 哈希链），或用 --verify 校验一个归档文件"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--until", help="只导出此日期（不含）之前的事件，格式 YYYY-MM-DD")
        parser.add_argument("--verify", action="store_true", help="校验已有的归档文件")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if options["verify"]:
            problem = archive.verify_archive(path)
            if problem:
                raise CommandError(f"归档校验失败：{problem}")
            self.stdout.write("归档完整。")
            return
        until = None
        if options["until"]:
            day = date.fromisoformat(options["until"])
            until = timezone.make_aware(datetime.combine(day, time.min))
        trailer = archive.export(path, until=until)
        self.stdout.write(f"已导出 {trailer['count']} 条审计事件到 {path}，归档哈希 {trailer['archive_hash']}")

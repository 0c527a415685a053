from django.core.management.base import BaseCommand

from dangjian.security import retention


class Command(BaseCommand):
    help = "删除超过保留时间（默认 24 小时）的导入、导出、任务和报表临时文件"

    def handle(self, *args, **options):
        deleted = retention.purge()
        self.stdout.write(f"已删除 {len(deleted)} 个过期文件。")

from django.core.management.base import BaseCommand

from dangjian.security.reliability import reap_interrupted_jobs


class Command(BaseCommand):
    help = "把后台进程意外退出而停在“进行中”的任务标记为失败"

    def add_arguments(self, parser):
        parser.add_argument("--all-running", action="store_true", help="启动时使用：此刻所有“进行中”的任务都已中断")
        parser.add_argument("--stale-minutes", type=int, default=30)

    def handle(self, *args, **options):
        reaped = reap_interrupted_jobs(all_running=options["all_running"], stale_minutes=options["stale_minutes"])
        self.stdout.write(f"已标记 {len(reaped)} 个中断的任务为失败。")

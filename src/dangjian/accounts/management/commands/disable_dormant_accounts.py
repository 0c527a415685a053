"""AC-03, daily (cron / systemd timer, docs/backup.md): disable dormant and expired accounts and the accounts of
members who left; each with an audit event and its reason. The last active system and security administrators
are kept (listed in the output)."""

from django.core.management.base import BaseCommand

from dangjian.accounts import lifecycle


class Command(BaseCommand):
    help = "每日停用长期未登录（默认 90 天）和已过有效期的账号，以及已出党、已转出本系统党员的账号"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将被停用的账号，不停用")

    def handle(self, *args, dry_run=False, **options):
        report = lifecycle.disable_dormant(dry_run=dry_run)
        verb = "将停用" if dry_run else "已停用"
        for username, reason in report.disabled:
            self.stdout.write(f"{verb}：{username}（{reason}）")
        for username, reason in report.kept:
            self.stdout.write(
                f"未停用：{username}（{reason}；是最后一个启用的系统管理员或安全管理员，请尽快处理或另行授权）"
            )
        self.stdout.write(f"共{verb} {len(report.disabled)} 个账号，保留 {len(report.kept)} 个。")

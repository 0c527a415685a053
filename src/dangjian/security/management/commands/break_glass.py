"""`dangjian break_glass --reason 原因`: a temporary, audited emergency administrator account."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.errors import RuleViolation
from dangjian.security import breakglass


class Command(BaseCommand):
    help = "开启应急账号（限时、写明原因、全程审计），或用 --end 立即关闭全部应急账号"

    def add_arguments(self, parser):
        parser.add_argument("--reason", default="", help="启用原因（必填，写入审计记录）")
        parser.add_argument("--hours", type=float, default=2, help="有效时长（小时），默认 2")
        parser.add_argument("--role", default="security_admin", choices=breakglass.ROLES)
        parser.add_argument("--end", action="store_true", help="关闭所有仍有效的应急账号")

    def handle(self, *args, **options):
        if options["end"]:
            entries = list(breakglass.open_entries().select_related("user"))
            for entry in entries:
                breakglass.close(entry, why="手工关闭")
            self.stdout.write(f"已关闭 {len(entries)} 个应急账号。")
            return
        try:
            operator = getpass.getuser()
        except Exception:
            operator = ""
        try:
            user, password, entry = breakglass.open_account(
                reason=options["reason"], hours=options["hours"], role_code=options["role"], operator=operator
            )
        except RuleViolation as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"应急账号：{user.username}（{entry.expires_at:%Y-%m-%d %H:%M} 到期）")
        self.stdout.write(f"一次性密码：{password}")
        self.stdout.write("首次登录须绑定认证器并修改密码；启用、到期和关闭均已写入审计记录。")

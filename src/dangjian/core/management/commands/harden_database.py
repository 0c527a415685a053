"""AU-03 deployment step (PostgreSQL): the application's role may use every table but never edit the audit trail."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangjian.core import audit, audit_guard


class Command(BaseCommand):
    help = "收回应用数据库账号对审计表的修改、删除、清空权限（PostgreSQL；以表的属主账号运行）"

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="应用连接数据库所用的账号（不是表的属主）")

    def handle(self, *args, app_role, **options):
        try:
            with transaction.atomic():
                statements = audit_guard.harden(app_role)
                audit.record(
                    "system.harden_database",
                    object_type="database",
                    object_repr=app_role,
                    after={"app_role": app_role, "revoked": list(audit_guard.REVOKED)},
                )
        except audit_guard.HardenError as exc:
            raise CommandError(str(exc)) from exc
        for sql in statements:
            self.stdout.write(sql + ";")
        self.stdout.write(f"完成：{app_role} 不能修改、删除或清空审计记录。应用请以该账号连接（DATABASE_URL）。")

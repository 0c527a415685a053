"""Create the first system administrator with a one-time password (AC-02, IA-04).

Migrations create no account. This command creates one system administrator on a root org
(creating that root org first when the tree is empty) and prints a generated password that must
be changed at first login.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from dangjian.accounts import actions
from dangjian.accounts.models import Role, User
from dangjian.orgs import actions as org_actions
from dangjian.orgs.models import Org


class Command(BaseCommand):
    help = "创建首个系统管理员账号（一次性密码，首次登录须修改）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--org-code", help="系统管理员所在的根党组织代码（组织树为空时与 --org-name 一起用于创建根党组织）"
        )
        parser.add_argument("--org-name", help="根党组织名称，例如：中共某某县委员会")

    def handle(self, *args, username, org_code=None, org_name=None, **options):
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"账号「{username}」已存在。")
        root = None
        if org_code:
            root = Org.objects.filter(code=org_code, parent__isnull=True).first()
        elif Org.objects.filter(parent__isnull=True).count() == 1:
            root = Org.objects.get(parent__isnull=True)
        if root is None:
            if not (org_code and org_name):
                raise CommandError("请用 --org-code 指定根党组织；组织树为空时还需 --org-name 以创建根党组织。")
            root = org_actions.create_org(
                None, actor=None, name=org_name, kind="local_committee", code=org_code, established_on=date(1949, 10, 1)
            )
        user, password = actions.create_user(username, actor=None, display_name="系统管理员")
        actions.assign_role(user, Role.objects.get(code="system_admin"), root, actor=None)
        self.stdout.write(f"已创建系统管理员「{username}」（{root.name}）。")
        self.stdout.write(f"一次性密码：{password}")
        self.stdout.write("首次登录后须立即修改密码。")

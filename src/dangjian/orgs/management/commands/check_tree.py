"""Find (and with --fix repair) org paths that drifted from the parent links."""

from django.core.management.base import BaseCommand

from dangjian.orgs.actions import repair_tree
from dangjian.orgs.queries import check_tree


class Command(BaseCommand):
    help = "检查党组织树的路径与上下级关系是否一致；--fix 修复"

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="修复发现的问题")

    def handle(self, *args, fix=False, **options):
        drifts = check_tree()
        for d in drifts[:50]:
            self.stdout.write(f"党组织 {d.org_id}: 路径 {d.path} 应为 {d.expected_path}")
        if not drifts:
            self.stdout.write("党组织树完整：未发现问题。")
            return
        if len(drifts) > 50:
            self.stdout.write(f"……共 {len(drifts)} 处。")
        if fix:
            fixed = repair_tree(actor=None)
            self.stdout.write(f"已修复 {fixed} 处。")
        else:
            self.stdout.write(f"发现 {len(drifts)} 处不一致；加 --fix 修复。")
            raise SystemExit(1)

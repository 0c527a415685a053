"""Import a roster spreadsheet from a terminal: the same checks and all-or-nothing write as the web import.

Exit status: 0 when the file has no errors (and, with --commit, was written), 2 when it has errors
(nothing is written), 1 when the file cannot be read at all.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.members import importer
from dangjian.members.models import ImportBatch


class Command(BaseCommand):
    help = "导入党员名册（xlsx）：先逐行校验并列出全部问题；加 --commit 才写入（整批写入或全部不写入）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="党员名册 xlsx 文件")
        parser.add_argument(
            "--as", dest="username", help="以该账号的导入权限和管辖范围导入（不填：运维人员，范围为全部党组织）"
        )
        parser.add_argument("--commit", action="store_true", help="校验无误后写入")

    def handle(self, *args, file, username=None, commit=False, **options):
        from dangjian.accounts.models import User

        self.verbosity = options.get("verbosity", 1)
        path = Path(file)
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"账号「{username}」不存在或已停用")
        try:
            batch = importer.open_batch(path.resolve(), filename=path.name, user=user)
            result = importer.run_preview(batch, user=user, progress=self._progress)
        except (RuleViolation, OutOfScope) as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        self.stdout.write(importer._summary_text(result.summary()))
        for p in result.problems:
            kind = "错误" if p.level == "error" else "提示"
            value = f"（原值：{p.value}）" if p.value else ""
            self.stdout.write(f"第{p.row}行 {p.column} {kind}：{p.message}{value}")
        if result.has_errors:
            self.stdout.write("存在错误，未写入任何数据。")
            raise SystemExit(2)
        if not commit:
            self.stdout.write("校验通过。加 --commit 写入。")
            return
        earlier = importer.previous_commit(ImportBatch.objects.get(pk=batch.pk))
        if earlier is not None:
            self.stdout.write(
                f"该文件已于 {earlier.committed_at:%Y-%m-%d %H:%M} 导入（批次 {earlier.pk}），未重复写入。"
            )
            return
        try:
            written = importer.commit(batch, user=user, progress=self._progress)
        except (RuleViolation, OutOfScope) as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from exc
        counts = f"新增 {written['created']} 人，更新 {written['updated']} 人，无变化 {written['unchanged']} 人"
        self.stdout.write(f"已导入：{counts}（批次 {batch.pk}）。")

    def _progress(self, done, total, phase=""):
        if self.verbosity > 1:
            self.stderr.write(f"{phase} {done}/{total or '?'}")

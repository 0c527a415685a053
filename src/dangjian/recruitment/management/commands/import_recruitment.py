"""Import existing recruitment cases (发展党员档案) from a terminal: the same row checks, warnings and
all-or-nothing write as the web import (`recruitment.importer`), like `import_roster` for the roster.

Exit status: 0 when the file has no errors (and, with --commit, was written), 2 when it has errors (nothing is
written), 1 when the file cannot be read at all. --rollback BATCH undoes a committed batch.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.recruitment import importer
from dangjian.recruitment.models import CaseImport


class Command(BaseCommand):
    help = "导入发展党员档案（xlsx）：逐行校验并列出错误和违规提示；加 --commit 才写入（整批写入或全部不写入）"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="发展党员档案 xlsx 文件（使用导入模板）")
        parser.add_argument("--as", dest="username", help="以该账号的权限和管辖范围导入（不填：运维人员，范围为全部）")
        parser.add_argument("--commit", action="store_true", help="校验无误后写入")
        parser.add_argument("--rollback", type=int, metavar="批次", help="撤销已导入的批次（导入后未办理后续步骤）")

    def handle(self, *args, file=None, username=None, commit=False, rollback=None, **options):
        from dangjian.accounts.models import User

        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"账号「{username}」不存在或已停用")
        if rollback is not None:
            batch = CaseImport.objects.filter(pk=rollback).first()
            if batch is None:
                raise CommandError(f"批次 {rollback} 不存在")
            try:
                n = importer.rollback(batch, user=user)
            except (RuleViolation, OutOfScope) as exc:
                self.stderr.write(str(exc))
                raise SystemExit(2) from exc
            self.stdout.write(f"已撤销批次 {batch.pk}：删除 {n} 份发展党员档案。")
            return
        if not file:
            raise CommandError("请指定要导入的 xlsx 文件")
        path = Path(file)
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        try:
            batch = importer.open_batch(path.resolve(), filename=path.name, user=user)
            rows = importer.run_preview(batch, user=user)
        except importer.ImportFileError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        except (RuleViolation, OutOfScope) as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        errors = sum(1 for r in rows if r.errors)
        warnings = sum(1 for r in rows if r.warnings)
        self.stdout.write(f"批次 {batch.pk}：共 {len(rows)} 行，出错 {errors} 行，有违规提示 {warnings} 行。")
        for r in rows:
            for e in r.errors:
                self.stdout.write(f"第{r.number}行 {r.name} 错误：{e}")
            for code, message in r.warnings:
                self.stdout.write(f"第{r.number}行 {r.name} 提示：{message}（{code}）")
        if errors:
            self.stdout.write("存在错误，未写入任何数据。")
            raise SystemExit(2)
        if not commit:
            self.stdout.write("校验通过。加 --commit 写入。")
            return
        try:
            n = importer.commit(batch, user=user)
        except (RuleViolation, OutOfScope) as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from exc
        self.stdout.write(f"已导入 {n} 份发展党员档案（批次 {batch.pk}；撤销：--rollback {batch.pk}）。")

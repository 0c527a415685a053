"""AC-12 / CRY-06: after replacing the `rolebind` key, give every role binding the MAC of the new key
(`accounts.bindings.rekey`). The old key is read from a file, never from the command line (process lists)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.accounts import bindings


class Command(BaseCommand):
    help = "更换角色授权完整性密钥（rolebind）后，用旧密钥核对每条授权并改写为新密钥的校验值"

    def add_arguments(self, parser):
        parser.add_argument(
            "--old-key-file", required=True, help="存放旧密钥（十六进制）的文件，例如备份的 rolebind.key"
        )
        parser.add_argument("--dry-run", action="store_true", help="只核对和统计，不改写")

    def handle(self, *args, old_key_file: str, dry_run=False, **options):
        try:
            text = Path(old_key_file).read_text().strip()
        except OSError as exc:
            raise CommandError(f"无法读取旧密钥文件 {old_key_file}：{exc.strerror or exc}") from None
        try:
            old_key = bytes.fromhex(text)
        except ValueError:
            raise CommandError("旧密钥文件的内容不是十六进制密钥。") from None
        if len(old_key) < 16:
            raise CommandError("旧密钥不足 16 字节，不是本平台生成的密钥。")
        try:
            result = bindings.rekey(old_key, dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        verb = "将改写" if dry_run else "已改写"
        self.stdout.write(
            f"{verb} {result.rekeyed} 条授权的校验值；{result.current} 条已是新密钥的校验值；"
            f"{len(result.broken)} 条新旧密钥都核对不上。"
        )
        if result.broken:
            ids = "、".join(str(pk) for pk in result.broken)
            raise CommandError(
                f"以下授权新旧密钥都核对不上，未改写，仍不生效（已告警）：{ids}。请核查数据库访问记录后由安全管理员收回并重新授予。"
            )

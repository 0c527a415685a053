"""`dangjian manage anonymize_left`: PRV-07, anonymize people who left longer ago than the retention period, and
applicants not admitted whose recruitment case closed longer ago than theirs."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from dangjian.security import anonymize


class Command(BaseCommand):
    help = (
        "对离开（出党、退党、除名、死亡）超过保存年限的人员、以及发展档案办结而未被接收超过保存年限的申请人，"
        "去除可识别个人身份的信息，统计数字不变"
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, help="保存年限（默认 DANGJIAN_RETENTION_YEARS_AFTER_LEAVING）")
        parser.add_argument(
            "--applicant-years",
            type=int,
            help="未被接收申请人的保存年限（默认 DANGJIAN_RETENTION_YEARS_AFTER_APPLICATION_CLOSED）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只统计到期人数，不修改")

    def handle(self, *args, **options):
        today = timezone.localdate()
        verb = "到期待匿名化" if options["dry_run"] else "已匿名化"
        years = options["years"] if options["years"] is not None else anonymize.retention_years()
        if years <= 0:
            self.stdout.write("保存年限为 0：未启用匿名化。")
        else:
            count = anonymize.run(today, years=years, dry_run=options["dry_run"])
            self.stdout.write(f"离开满 {years} 年的人员{verb}：{count} 人。")
        applicant_years = options["applicant_years"]
        if applicant_years is None:
            applicant_years = anonymize.applicant_retention_years()
        if applicant_years <= 0:
            self.stdout.write("未被接收申请人的保存年限为 0：未启用匿名化。")
        else:
            count = anonymize.run_applicants(today, years=applicant_years, dry_run=options["dry_run"])
            self.stdout.write(f"发展档案办结满 {applicant_years} 年而未被接收的申请人{verb}：{count} 人。")

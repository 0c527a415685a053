"""Tables of the recruitment app (发展党员, rules.md §4): one case per person and attempt, the record of each
step with its actor, date and documents, the general-assembly votes, the mentors and introducers, the upper
committee's decisions, and the local options (§4.5) switched on per subtree with an effective date.

The case row carries the dates the rules read (the keys of `rules.timeline_violations` and the state machine);
`next_due`, `next_rule` and `violations` are derived from them on every write so that boards and county lists
are plain indexed queries.
"""

from django.conf import settings
from django.db import models

from dangjian.core.scope import RestrictedQuerySet
from dangjian.recruitment import rules


class CaseState(models.TextChoices):
    APPLICANT = rules.APPLICANT, "入党申请人"
    ACTIVIST = rules.ACTIVIST, "入党积极分子"
    CANDIDATE = rules.CANDIDATE, "发展对象"
    ACCEPTED = rules.ACCEPTED, "预备党员（待审批）"
    PROBATIONARY = rules.PROBATIONARY, "预备党员"
    EXTENDED = rules.EXTENDED, "预备党员（延长预备期）"
    FULL = rules.FULL, "正式党员"
    CANCELLED = rules.CANCELLED, "取消预备党员资格"
    NOT_APPROVED = rules.NOT_APPROVED, "上级党委不批准"
    VOID = rules.VOID, "不予承认"
    TRANSFERRED_OUT = rules.TRANSFERRED_OUT, "已转出"


class Queue(models.TextChoices):
    FILING = rules.FILING, "备案"
    CONSENT = rules.CONSENT, "同意列为发展对象"
    PREREVIEW = rules.PREREVIEW, "预审"
    APPROVAL = rules.APPROVAL, "审批预备党员"
    CONVERSION = rules.CONVERSION, "审批转正"


class Outcome(models.TextChoices):
    CONVERT = rules.CONVERT, "按期转正"
    EXTEND = rules.EXTEND, "延长预备期"
    CANCEL = rules.CANCEL, "取消预备党员资格"


# The dict keys of the state machine stored as date columns, with their labels.
DATE_LABELS = {
    "application_date": "递交入党申请书日期",
    "talk_date": "党组织派人谈话日期",
    "activist_date": "确定为入党积极分子日期",
    "filing_submitted_date": "报上级党委备案日期",
    "filed_date": "上级党委备案日期",
    "proposed_date": "支委会研究拟列日期",
    "consent_date": "上级党委同意日期",
    "candidate_filed_date": "发展对象备案日期",
    "notice_start": "公示开始日期",
    "notice_end": "公示结束日期",
    "candidate_date": "确定为发展对象日期",
    "political_review_date": "政审结论日期",
    "training_date": "集中培训日期",
    "committee_review_date": "支委会审查日期",
    "prereview_submitted_date": "报预审日期",
    "prereview_date": "上级党委预审通过日期",
    "form_date": "填写入党志愿书日期",
    "acceptance_date": "支部大会接收日期（入党时间）",
    "failed_vote_date": "支部大会未通过日期",
    "upper_talk_date": "上级党委谈话日期",
    "approval_date": "上级党委审批日期",
    "not_approved_date": "上级党委不批准日期",
    "placed_date": "编入党小组日期",
    "oath_date": "入党宣誓日期",
    "last_assessment_date": "最近一次培养考察日期",
    "last_probation_assessment_date": "最近一次预备期考察日期",
    "last_report_date": "最近一次思想汇报日期",
    "activist_notice_start": "积极分子公示开始日期",
    "activist_notice_end": "积极分子公示结束日期",
    "acceptance_notice_start": "接收预备党员公示开始日期",
    "acceptance_notice_end": "接收预备党员公示结束日期",
    "revote_date": "支部大会复议日期",
    "conversion_notice_start": "转正公示开始日期",
    "conversion_notice_end": "转正公示结束日期",
    "conversion_application_date": "转正申请日期",
    "conversion_meeting_date": "支部大会讨论转正日期",
    "conversion_approval_date": "上级党委审批转正日期",
    "conversion_date": "转正日期",
    "archived_date": "归档日期",
    "closed_date": "办结日期",
}
DATE_FIELDS = tuple(DATE_LABELS)
OTHER_FIELDS = (
    "state",
    "awaiting",
    "rule_version",
    "political_review_failed",
    "training_days",
    "training_hours",
    "extension_months",
    "pending_outcome",
    "pending_extension_months",
    "mentor_count",
    "introducer_count",
)
CASE_FIELDS = DATE_FIELDS + OTHER_FIELDS


class RecruitmentCase(models.Model):
    """One person's way from application to full membership (发展党员档案)."""

    scope_path = "org__path"

    member = models.ForeignKey(
        "members.Member", verbose_name="人员", on_delete=models.PROTECT, related_name="recruitment_cases"
    )
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("阶段", max_length=16, choices=CaseState.choices, default=CaseState.APPLICANT)
    awaiting = models.CharField("待上级党委办理", max_length=16, choices=Queue.choices, blank=True)
    rule_version = models.CharField("适用细则", max_length=4, default="2026")
    approving_org = models.ForeignKey(
        "orgs.Org", verbose_name="审批党委", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    locals().update({name: models.DateField(label, null=True, blank=True) for name, label in DATE_LABELS.items()})
    political_review_failed = models.BooleanField("政审未通过", default=False)
    training_days = models.PositiveSmallIntegerField("培训天数", null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField("培训学时", null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField("延长预备期（月）", null=True, blank=True)
    pending_outcome = models.CharField("待审批的转正决议", max_length=16, choices=Outcome.choices, blank=True)
    pending_extension_months = models.PositiveSmallIntegerField(null=True, blank=True)
    mentor_count = models.PositiveSmallIntegerField("培养联系人数", default=0)
    introducer_count = models.PositiveSmallIntegerField("入党介绍人数", default=0)
    probation_end = models.DateField("预备期满日期", null=True, blank=True)
    next_due = models.DateField("下一期限", null=True, blank=True)
    next_rule = models.CharField("期限规则", max_length=32, blank=True)
    next_label = models.CharField("期限事项", max_length=64, blank=True)
    violations = models.JSONField("违反的规则", default=list, blank=True)
    has_violation = models.BooleanField("有违规", default=False)
    is_open = models.BooleanField("进行中", default=True)
    version = models.PositiveIntegerField("版本", default=1)
    import_batch = models.ForeignKey(
        "recruitment.CaseImport", verbose_name="导入批次", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="cases",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员档案"
        verbose_name_plural = "发展党员档案"
        ordering = ["org", "application_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=models.Q(is_open=True), name="recruitment_one_open")
        ]
        indexes = [
            models.Index(fields=["org", "state"], name="recruitment_org_state_idx"),
            models.Index(fields=["is_open", "next_due"], name="recruitment_due_idx"),
            models.Index(fields=["awaiting", "org"], name="recruitment_queue_idx"),
        ]

    def __str__(self):
        return f"{self.member.name}（{self.get_state_display()}）" if self.member_id else "发展党员档案"

    def as_rules_dict(self) -> dict:
        data = {f: getattr(self, f) for f in CASE_FIELDS}
        data["birth_date"] = self.member.birth_date
        return data


class CaseStep(models.Model):
    """One step recorded on a case (or an upper-committee decision): what, when, by whom, with which papers."""

    scope_path = "case__org__path"

    case = models.ForeignKey(RecruitmentCase, on_delete=models.CASCADE, related_name="steps")
    event = models.CharField("步骤", max_length=32)
    step_no = models.PositiveSmallIntegerField("环节", default=0)
    on = models.DateField("日期")
    data = models.JSONField("登记内容", default=dict, blank=True)
    documents = models.JSONField("材料", default=list, blank=True)
    note = models.TextField("说明", blank=True)
    org = models.ForeignKey("orgs.Org", verbose_name="办理组织", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "发展步骤"
        verbose_name_plural = "发展步骤"
        ordering = ["case", "on", "pk"]

    @property
    def title(self) -> str:
        if self.event == "decide":
            return rules.DECISIONS.get(self.data.get("queue"), (0, "上级党委办理"))[1]
        return rules.EVENTS.get(self.event, (0, self.event))[1]


class Vote(models.Model):
    """A general assembly's vote on a case (steps 15 and 23, 细则第二十条): counted against those due."""

    scope_path = "case__org__path"

    case = models.ForeignKey(RecruitmentCase, on_delete=models.CASCADE, related_name="votes")
    step = models.OneToOneField(CaseStep, on_delete=models.CASCADE, related_name="vote")
    held_on = models.DateField("会议日期")
    due = models.PositiveSmallIntegerField("应到有表决权党员")
    present = models.PositiveSmallIntegerField("实到有表决权党员")
    written = models.PositiveSmallIntegerField("会前书面意见", default=0)
    in_favour = models.PositiveSmallIntegerField("赞成")
    against = models.PositiveSmallIntegerField("反对")
    abstain = models.PositiveSmallIntegerField("弃权")
    quorum_met = models.BooleanField("到会人数超过半数")
    passed = models.BooleanField("通过")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "支部大会表决"
        verbose_name_plural = "支部大会表决"


class PersonRole(models.TextChoices):
    MENTOR = "mentor", "培养联系人"
    INTRODUCER = "introducer", "入党介绍人"


class CasePerson(models.Model):
    """A mentor (培养联系人, step 5) or an introducer (入党介绍人, step 9) of a case; replaced ones keep ended_on."""

    scope_path = "case__org__path"

    case = models.ForeignKey(RecruitmentCase, on_delete=models.CASCADE, related_name="people")
    role = models.CharField("身份", max_length=16, choices=PersonRole.choices)
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    assigned_on = models.DateField("确定日期")
    ended_on = models.DateField("更换日期", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "培养联系人/入党介绍人"
        verbose_name_plural = "培养联系人/入党介绍人"
        ordering = ["case", "role", "assigned_on"]


class Decision(models.Model):
    """The upper committee's decision on a queue item: filed/consented/pre-reviewed/approved, or returned."""

    scope_path = "case__org__path"

    case = models.ForeignKey(RecruitmentCase, on_delete=models.CASCADE, related_name="decisions")
    step = models.OneToOneField(CaseStep, on_delete=models.CASCADE, related_name="decision")
    queue = models.CharField("事项", max_length=16, choices=Queue.choices)
    org = models.ForeignKey("orgs.Org", verbose_name="办理党委", on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField("同意")
    on = models.DateField("日期")
    reason = models.TextField("理由", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "上级党委办理"
        verbose_name_plural = "上级党委办理"
        ordering = ["-on", "-pk"]


class LocalOption(models.Model):
    """A §4.5 local practice (DEV-P1…P7) switched on for an org's subtree from a date (P: not national)."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="适用范围", on_delete=models.PROTECT, related_name="+")
    code = models.CharField("规则", max_length=8, choices=list(rules.LOCAL_OPTION_LABELS.items()))
    value = models.PositiveSmallIntegerField("取值")
    effective_from = models.DateField("生效日期")
    note = models.CharField("依据文件", max_length=255, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员本地规定"
        verbose_name_plural = "发展党员本地规定"
        ordering = ["org", "code", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code", "effective_from"], name="recruitment_one_option_per_day")
        ]


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", "已校验"
    FAILED = "failed", "有错误"
    COMMITTED = "committed", "已导入"
    ROLLED_BACK = "rolled_back", "已撤销"


class CaseImport(models.Model):
    """One uploaded spreadsheet of existing cases: its row-by-row report and, once committed, the cases it
    wrote (`RecruitmentCase.import_batch`), so that the batch can be rolled back while none has changed."""

    scope_path = "org__path"

    digest = models.CharField("文件摘要（SM3）", max_length=64, db_index=True)
    filename = models.CharField("文件名", max_length=255)
    stored_file = models.CharField(max_length=255)
    org = models.ForeignKey("orgs.Org", verbose_name="导入范围", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=16, choices=ImportState.choices, default=ImportState.PREVIEWED)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    error_rows = models.PositiveIntegerField("有错误的行", default=0)
    warning_rows = models.PositiveIntegerField("有违规提示的行", default=0)
    report = models.JSONField("逐行结果", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    rolled_back_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "发展档案导入批次"
        verbose_name_plural = "发展档案导入批次"
        ordering = ["-created_at"]

    def __str__(self):
        return self.filename

"""Tables of the orglife app: meetings (三会一课、主题党日…), their attendance, and exemptions granted from above."""

from django.conf import settings
from django.db import models

from dangjian.core.scope import RestrictedQuerySet


class MeetingKind(models.TextChoices):
    GENERAL_ASSEMBLY = "general_assembly", "支部党员大会"
    COMMITTEE_MEETING = "committee_meeting", "支部委员会会议"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE_MEETING = "life_meeting", "组织生活会"
    DEMOCRATIC_APPRAISAL = "democratic_appraisal", "民主评议党员"
    HEART_TO_HEART = "heart_to_heart", "谈心谈话"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "计划召开"
    HELD = "held", "已召开"
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "审核通过"
    RETURNED = "returned", "已退回"


# Records that count as held for compliance: recorded, and not returned by the upper committee.
COUNTED_STATUSES = ("held", "submitted", "approved")
# Records the branch may no longer edit: waiting for review or approved (an amendment is then needed).
LOCKED_STATUSES = ("submitted", "approved")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    ABSENT = "absent", "缺席"
    EXCUSED = "excused", "请假"


class Meeting(models.Model):
    """One meeting or activity of an org's organizational life, planned or held."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField("类别", max_length=32, choices=MeetingKind.choices)
    topic = models.CharField("主题", max_length=200)
    held_on = models.DateField("日期")
    starts_at = models.TimeField("开始时间", null=True, blank=True)
    place = models.CharField("地点", max_length=128, blank=True)
    host = models.CharField("主持人", max_length=64, blank=True)
    recorder = models.CharField("记录人", max_length=64, blank=True)
    lecturer = models.CharField("授课人", max_length=64, blank=True)
    minutes = models.TextField("会议记录", blank=True)
    status = models.CharField("状态", max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    resolutions = models.TextField("决议事项", blank=True)
    ends_at = models.TimeField("结束时间", null=True, blank=True)
    invitees = models.ManyToManyField("members.Member", verbose_name="参加人员", blank=True, related_name="+")
    party_group = models.ForeignKey(
        "orglife.PartyGroup", verbose_name="党小组", null=True, blank=True, on_delete=models.PROTECT,
        related_name="meetings", help_text="党小组会填写：按党小组统计开展情况（LIFE-03）",
    )  # fmt: skip
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.CharField("审核意见/退回理由", max_length=255, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "组织生活"
        verbose_name_plural = "组织生活"
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["org", "held_on"], name="orglife_meeting_org_idx"),
            models.Index(fields=["held_on", "kind"], name="orglife_meeting_day_idx"),
            # covers the compliance roll-up (org range → dates → kind, status) without reading the rows
            models.Index(fields=["org", "held_on", "kind", "status"], name="orglife_meeting_cover_idx"),
            # the per-group count of 党小组会 (LIFE-03)
            models.Index(fields=["party_group", "held_on", "status"], name="orglife_meeting_group_idx"),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()}：{self.topic}"

    @property
    def is_held(self) -> bool:
        return self.status != MeetingStatus.PLANNED

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def status_badge(self) -> str:
        return {
            "planned": "bg-secondary-lt", "held": "bg-blue-lt", "submitted": "bg-yellow-lt",
            "approved": "bg-green-lt", "returned": "bg-red-lt",
        }.get(self.status, "bg-secondary-lt")  # fmt: skip


class PartyGroup(models.Model):
    """党小组: a group of a branch's members (glossary `PartyGroup`). Its 党小组会 is required per group
    (LIFE-03, monthly by default) from the month it was set up until it is dissolved."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党支部", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=64)
    leader = models.ForeignKey(
        "members.Member", verbose_name="党小组组长", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    established_on = models.DateField("成立日期")
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        ordering = ["org", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="orglife_group_name_per_org")]
        indexes = [models.Index(fields=["org", "established_on"], name="orglife_group_org_idx")]

    def __str__(self):
        return self.name


class PartyGroupMember(models.Model):
    """A member's place in a party group: one group per member."""

    scope_path = "group__org__path"

    group = models.ForeignKey(PartyGroup, on_delete=models.CASCADE, related_name="memberships")
    member = models.OneToOneField(
        "members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="party_group_membership"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党小组成员"
        verbose_name_plural = "党小组成员"


class PeriodFact(models.Model):
    """Precomputed for the compliance roll-up: in which months of `year` an org (or one of its party groups)
    held a counted meeting (held, submitted or approved) of a kind, as a 12-bit mask (bit 0 = January). Kept
    in step with the meetings by orglife.facts (on every save or delete of a meeting; bulk writers call
    facts.rebuild). Covers any cadence: a month, a quarter (its three bits) or the year (any bit)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=32, choices=MeetingKind.choices)
    party_group = models.ForeignKey(
        "orglife.PartyGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    months = models.PositiveIntegerField()

    class Meta:
        verbose_name = "组织生活开展月份"
        verbose_name_plural = "组织生活开展月份"
        indexes = [models.Index(fields=["year", "kind", "org", "months"], name="orglife_fact_cover_idx")]


class Attendance(models.Model):
    """Whether one member attended one meeting. `voting` is the member's voting right when it was recorded
    (ORG-14 / MEM-11), so a later change of stage or status does not rewrite an old quorum."""

    PRESENT = AttendanceStatus.PRESENT
    ABSENT = AttendanceStatus.ABSENT
    EXCUSED = AttendanceStatus.EXCUSED

    scope_path = "meeting__org__path"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("出勤", max_length=16, choices=AttendanceStatus.choices, default=AttendanceStatus.PRESENT)
    reason = models.CharField("请假/缺席事由", max_length=200, blank=True)
    voting = models.BooleanField("有表决权", default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="orglife_one_attendance")]


class Exemption(models.Model):
    """The upper level's decision that an org need not hold a kind of meeting in one period (e.g. a branch
    of elderly members, LIFE-12; a branch set up mid-period). Removes that gap from the compliance table."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=32, choices=MeetingKind.choices)
    period = models.CharField("期间", max_length=8, help_text="如 2026-Q1、2026-03、2026")
    reason = models.CharField("理由", max_length=255)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "组织生活免于开展"
        verbose_name_plural = "组织生活免于开展"
        ordering = ["org", "period", "kind"]
        constraints = [models.UniqueConstraint(fields=["org", "kind", "period"], name="orglife_one_exemption")]

    def __str__(self):
        return f"{self.org} {self.period} {self.get_kind_display()}"


RECORD_LABEL_FIELDS = ("topic", "held_on", "starts_at", "ends_at", "place", "host", "recorder", "lecturer",
                       "minutes", "resolutions")  # fmt: skip


class Amendment(models.Model):
    """A change to a record after approval: only with a reason, kept with the fields it changed."""

    scope_path = "meeting__org__path"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="amendments")
    reason = models.CharField("修改理由", max_length=255)
    changes = models.JSONField("修改内容", default=dict)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amended_at = models.DateTimeField("修改时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    @property
    def changed_labels(self) -> list[str]:
        return [
            "出勤" if k == "attendance" else str(Meeting._meta.get_field(k).verbose_name)
            for k in self.changes
            if k in RECORD_LABEL_FIELDS or k == "attendance"
        ]

    class Meta:
        verbose_name = "审核后修改"
        verbose_name_plural = "审核后修改"
        ordering = ["-amended_at", "-pk"]


class CadenceRule(models.Model):
    """A jurisdiction's cadence for one kind (LIFE-05 the branch Party lecture is local practice): applies to
    the org and its subtree from `effective_from`; the nearest org wins, then the latest date. `cadence`
    "none" removes the requirement. Without any row the defaults of rules.DEFAULT_CADENCE apply."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="适用党组织（含下级）", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类别", max_length=32, choices=MeetingKind.choices)
    cadence = models.CharField(
        "频次", max_length=16,
        choices=[("monthly", "每月"), ("quarterly", "每季度"), ("yearly", "每年"), ("none", "不作要求")],
    )  # fmt: skip
    effective_from = models.DateField("生效日期")
    note = models.CharField("依据", max_length=255, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "组织生活频次"
        verbose_name_plural = "组织生活频次"
        ordering = ["org", "kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "effective_from"], name="orglife_one_cadence_per_day")
        ]


class MemberAccount(models.Model):
    """Which roster member a login account is: the one link every self-service page uses (我的组织生活, QR
    sign-in, 我的党费, 我的积分). Set by `orglife.actions.link_member_account`; read by `orglife.queries.member_of`."""

    scope_path = "member__org__path"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orglife_member")
    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党员账号"
        verbose_name_plural = "党员账号"


class SignInToken(models.Model):
    """A one-time sign-in token shown as a QR code at the meeting. Only its hash is stored; it is valid
    from `valid_from` to `valid_to` (the meeting's time window) and is spent by the first sign-in."""

    scope_path = "meeting__org__path"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    valid_from = models.DateTimeField("有效期自")
    valid_to = models.DateTimeField("有效期至")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    used_by = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "签到码"
        verbose_name_plural = "签到码"


class AppraisalGrade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


class Appraisal(models.Model):
    """民主评议党员 of one org for one year (LIFE-08/09): self-assessment, peer assessment, the vote, then
    the grades. Closing it checks the ≤1/3 优秀 rule and that every full member is graded."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("年度")
    meeting = models.ForeignKey(
        Meeting, verbose_name="评议会议", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed = models.BooleanField("已确定等次", default=False)
    closed_at = models.DateTimeField("确定时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "民主评议党员"
        verbose_name_plural = "民主评议党员"
        ordering = ["-year", "org"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="orglife_one_appraisal_per_year")]

    def __str__(self):
        return f"{self.org} {self.year}年民主评议党员"


class AppraisalEntry(models.Model):
    """One member in an appraisal. `graded` is False for members who take part without a grade (probationary
    members by default, LIFE-09 P)."""

    scope_path = "appraisal__org__path"

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    graded = models.BooleanField("评定等次", default=True)
    self_assessment = models.TextField("个人自评", blank=True)
    peer_assessment = models.TextField("党员互评", blank=True)
    votes_excellent = models.PositiveIntegerField("测评票：优秀", default=0)
    votes_qualified = models.PositiveIntegerField("测评票：合格", default=0)
    votes_basic = models.PositiveIntegerField("测评票：基本合格", default=0)
    votes_unqualified = models.PositiveIntegerField("测评票：不合格", default=0)
    grade = models.CharField("等次", max_length=16, choices=AppraisalGrade.choices, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "评议结果"
        verbose_name_plural = "评议结果"
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"], name="orglife_one_entry")]


class LifeMeetingChecklist(models.Model):
    """组织生活会 preparation and follow-up (LIFE-07): study, talks, opinions collected, criticism at the
    meeting, rectification list afterwards."""

    scope_path = "meeting__org__path"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="checklist")
    study = models.BooleanField("会前学习", default=False)
    talks = models.BooleanField("谈心谈话", default=False)
    opinions = models.BooleanField("征求意见", default=False)
    criticism = models.BooleanField("批评与自我批评", default=False)
    rectification = models.TextField("整改清单", blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "组织生活会准备"
        verbose_name_plural = "组织生活会准备"


class Talk(models.Model):
    """谈心谈话 log (LIFE-10): a pair, a date, a topic."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("日期")
    first = models.ForeignKey("members.Member", verbose_name="谈话人", on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey("members.Member", verbose_name="谈话对象", on_delete=models.PROTECT, related_name="+")
    topic = models.CharField("主题", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "谈心谈话"
        verbose_name_plural = "谈心谈话"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["org", "held_on"], name="orglife_talk_org_idx")]


class MeetingFile(models.Model):
    """A photo or file of a meeting (sign-in sheet scan, photos, materials). Stored outside the web root and
    served only through a scoped view."""

    scope_path = "meeting__org__path"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files")
    title = models.CharField("标题", max_length=128)
    stored_file = models.CharField(max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField("大小（字节）")
    digest = models.CharField("摘要（SM3）", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "会议照片和附件"
        verbose_name_plural = "会议照片和附件"
        ordering = ["uploaded_at", "pk"]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

"""Second factor (TOTP seed encrypted at rest, hashed recovery codes), the user→session index used by
"log out everywhere", and security alerts raised to the security and audit administrators."""

from django.conf import settings
from django.db import models

from dangjian.core.tree import PathField
from dangjian.security import rules


class TwoFactorDevice(models.Model):
    """One TOTP authenticator per account (IA-08). The seed is SM4-GCM ciphertext bound to the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="two_factor"
    )
    seed = models.TextField("密钥（密文）")
    # IA-08: the code algorithm this authenticator was enrolled with (security.otp): totp-sha1 or sm3 (GM/T 0021)
    algorithm = models.CharField(
        "算法",
        max_length=16,
        default="totp-sha1",
        choices=[("totp-sha1", "TOTP（HMAC-SHA1）"), ("sm3", "SM3（GM/T 0021）")],
    )
    confirmed_at = models.DateTimeField("启用时间", null=True, blank=True)
    last_t = models.BigIntegerField("最近使用的时间步", default=0)  # a code is accepted once (replay)
    failures = models.PositiveSmallIntegerField("连续失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "双因素认证器"
        verbose_name_plural = "双因素认证器"

    def __str__(self):
        return f"{self.user} 的认证器"


class RecoveryCode(models.Model):
    """A single-use recovery code; only its keyed SM3 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"
        verbose_name_plural = "恢复码"


class SessionIndex(models.Model):
    """Which server-side sessions belong to which account, so ending them all needs no scan."""

    session_key = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class AlertKind(models.TextChoices):
    AUDIT_CHAIN = "audit_chain", "审计链校验失败"
    BACKUP = "backup", "备份失败"
    AUDIT_WRITE = "audit_write", "审计记录写入失败"
    ROLE_BINDING = "role_binding", "角色授权校验失败"
    OTHER = "other", "其他"


class SecurityAlert(models.Model):
    """An alert shown as a to-do to the security and audit administrators until resolved."""

    kind = models.CharField("类型", max_length=32, choices=AlertKind.choices)
    message = models.CharField("内容", max_length=500)
    raised_at = models.DateTimeField("发生时间", auto_now_add=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "安全告警"
        verbose_name_plural = "安全告警"
        ordering = ["-raised_at"]

    def __str__(self):
        return self.message


class BreakGlass(models.Model):
    """An emergency account opened by `dangjian break_glass` (AC-02): time-limited, with a stated reason."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="break_glass")
    role_code = models.CharField("应急角色", max_length=64)
    reason = models.CharField("原因", max_length=500)
    started_at = models.DateTimeField("开启时间", auto_now_add=True)
    expires_at = models.DateTimeField("到期时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "应急账号"
        verbose_name_plural = "应急账号"


# ---------------------------------------------------------------- PRV-04: four-eyes export of personal data


class ExportRequestStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准，待下载"
    REFUSED = "refused", "未批准"
    DOWNLOADED = "downloaded", "已下载"
    EXPIRED = "expired", "已过期"


class ExportRequest(models.Model):
    """A request to export the roster with full personal data: approved by another account, downloaded once.

    The roster filter is stored sealed (it may hold an ID number); the rows are resolved again, under the
    requester's scope at that moment, when the file is made at download time."""

    scope_path = "org_path"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    org_path = PathField("范围", db_index=True)
    org_name = models.CharField("党组织", max_length=128, blank=True)
    sealed_filter = models.TextField()
    filter_summary = models.CharField("查询条件", max_length=500, blank=True)
    purpose = models.CharField("用途", max_length=200)
    rows = models.PositiveIntegerField("申请时人数")
    status = models.CharField(
        "状态", max_length=16, choices=ExportRequestStatus.choices, default=ExportRequestStatus.PENDING
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)
    downloaded_at = models.DateTimeField("下载时间", null=True, blank=True)
    digest = models.CharField("文件摘要（SM3）", max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "完整个人信息导出申请"
        verbose_name_plural = "完整个人信息导出申请"
        ordering = ["-created_at"]

    def __str__(self):
        return f"导出申请 {self.pk}（{self.org_name}）"


# ---------------------------------------------------------------- PRV-05: privacy notice


class PrivacyNotice(models.Model):
    """One version of the personal-information processing notice (个人信息处理告知). Versions are never edited;
    a new text is a new version, which every member acknowledges again."""

    version = models.PositiveIntegerField("版本", unique=True)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文")
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "个人信息处理告知"
        verbose_name_plural = "个人信息处理告知"
        ordering = ["-version"]

    def __str__(self):
        return f"{self.title}（第{self.version}版）"


class NoticeAcknowledgement(models.Model):
    """A member's acknowledgement of one notice version (who, which version, when, from which account)."""

    scope_path = "member__org__path"

    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, related_name="acknowledgements")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField("确认时间", auto_now_add=True)

    class Meta:
        verbose_name = "告知确认记录"
        verbose_name_plural = "告知确认记录"
        constraints = [models.UniqueConstraint(fields=["notice", "member"], name="security_ack_once_per_version")]


# ---------------------------------------------------------------- PRV-06: data-subject requests


class RequestKind(models.TextChoices):
    CORRECTION = "correction", rules.REQUEST_VERBS["correction"]
    DELETION = "deletion", rules.REQUEST_VERBS["deletion"]
    RESTRICTION = "restriction", rules.REQUEST_VERBS["restriction"]


class RequestStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ACCEPTED = "accepted", "已同意"
    REFUSED = "refused", "不予办理"


class DataSubjectRequest(models.Model):
    """A member's request about data held on them (PIPL Art 44–47): correct it, delete (parts of) it, or restrict
    its processing. The branch answers within 30 days, giving reasons for a refusal (Art 50)."""

    scope_path = "member__org__path"

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("申请事项", max_length=16, choices=RequestKind.choices, default=RequestKind.CORRECTION)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    item = models.CharField("涉及的信息", max_length=100)
    parts = models.JSONField("申请删除的信息项", default=list, blank=True)
    proposed = models.CharField("应更正为", max_length=300, blank=True)
    explanation = models.CharField("说明/理由", max_length=500, blank=True)
    submitted_on = models.DateField("提出日期")
    due_on = models.DateField("答复期限")
    status = models.CharField("状态", max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField("答复日期", null=True, blank=True)
    reasons = models.CharField("答复意见/不予办理的理由", max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "个人信息主体申请"
        verbose_name_plural = "个人信息主体申请"
        ordering = ["-submitted_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}申请 {self.pk}"

    @property
    def status_label(self) -> str:
        """ "不予更正" / "已同意删除"…: the answer in the words of the request."""
        if self.status == RequestStatus.OPEN:
            return RequestStatus.OPEN.label
        verb = self.get_kind_display()
        return f"已同意{verb}" if self.status == RequestStatus.ACCEPTED else f"不予{verb}"


class ProcessingRestriction(models.Model):
    """PRV-06: the processing of a member's personal data is restricted (accepted restriction request) until
    lifted. While it stands the member is left out of every roster export and nobody may unmask their ID number,
    phone or address (`members.exporter.export_queryset`, `members.actions.reveal`); the record itself is kept
    and still used for the Party's duty-based management (organisation, meetings, dues)."""

    scope_path = "member__org__path"

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(DataSubjectRequest, on_delete=models.PROTECT, related_name="+")
    since = models.DateField("限制处理起始日期")
    lifted_on = models.DateField("解除日期", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.CharField("解除理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "个人信息限制处理"
        verbose_name_plural = "个人信息限制处理"
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(lifted_on__isnull=True), name="security_one_active_restriction"
            )
        ]

    def __str__(self):
        return f"限制处理（自 {self.since:%Y-%m-%d}）"


class Anonymization(models.Model):
    """PRV-07: a person who left whose identifying data was removed at the end of the retention period.

    Holds no personal data: the roster row (kept for statistics) and when it was done."""

    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField("匿名化时间", auto_now_add=True)
    years = models.PositiveSmallIntegerField("保存年限")
    reason = models.CharField(
        "依据", max_length=16, default="left", choices=[("left", "离开满保存年限"), ("applicant", "未被接收的申请人")]
    )

    class Meta:
        verbose_name = "匿名化记录"
        verbose_name_plural = "匿名化记录"

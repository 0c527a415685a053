"""Tables of the dues app: a member's dues profile over time, the monthly bills and the payments.

Money is DecimalField(max_digits=12, decimal_places=2), never float. Months are stored as the first day
of the month. A bill keeps the org the member belonged to when it was issued, so moving a member later
never moves the past; its scope is that org's path.
"""

from django.conf import settings
from django.db import models

from dangjian.core.scope import RestrictedQuerySet


def money(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class DuesCategory(models.TextChoices):
    """The categories of `rules.monthly_dues` (DUES-03…08)."""

    SALARIED = "salaried", "在职（按月工资收入）"
    ANNUAL_SALARY = "annual_salary", "实行年薪制人员"
    SELF_EMPLOYED = "self_employed", "个体经营者等"
    RETIRED = "retired", "离退休人员"
    STUDENT = "student", "学生"
    UNEMPLOYED = "unemployed", "下岗失业人员"
    RELIEF = "relief", "依靠抚恤或救济生活、领取低保"
    FARMER = "farmer", "农民党员"


class BillStatus(models.TextChoices):
    DUE = "due", "未交"
    PAID = "paid", "已交"
    WAIVED = "waived", "减免"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "现金"
    TRANSFER = "transfer", "银行转账"
    ONLINE = "online", "线上交纳"


class DuesProfile(models.Model):
    """One row of a member's dues history (DUES-13): the row in force for month M is the latest one whose
    `effective_from` is on or before M. Rows are never overwritten by a later change."""

    scope_path = "member__org__path"

    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="dues_profiles"
    )
    category = models.CharField("党费类别", max_length=16, choices=DuesCategory.choices)
    base = money("计算基数（元/月）", default=0)
    effective_from = models.DateField("起始月份")
    note = models.CharField("说明", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党费计算基数"
        verbose_name_plural = "党费计算基数"
        ordering = ["member", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["member", "effective_from"], name="dues_one_profile_per_month"),
        ]

    def __str__(self):
        return f"党费基数 {self.effective_from:%Y-%m}"


class Payment(models.Model):
    """One payment by (or for) one member: it settles one or more monthly bills, plus any voluntary extra."""

    scope_path = "org__path"

    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("orgs.Org", verbose_name="收缴党组织", on_delete=models.PROTECT, related_name="+")
    paid_on = models.DateField("交纳日期")
    dues_amount = money("应交党费合计")
    extra_amount = money("自愿多交", default=0)
    amount = money("实交金额")
    months = models.PositiveSmallIntegerField("交纳月数")
    method = models.CharField("交纳方式", max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField("凭证号/交易号", max_length=64, blank=True)
    proxy_name = models.CharField("代交人", max_length=64, blank=True)
    remit_upward = models.BooleanField("自愿多交满1000元，全额上缴", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党费交纳记录"
        verbose_name_plural = "党费交纳记录"
        ordering = ["-paid_on", "-pk"]
        indexes = [models.Index(fields=["org", "paid_on"], name="dues_payment_org_idx")]

    def __str__(self):
        return f"党费交纳 {self.pk}"


class Bill(models.Model):
    """What one member owes for one month (DUES-03…08 via `rules.monthly_dues`)."""

    scope_path = "org__path"

    # A province issues ~3·10⁶ bills a month: no single-column index on member, org or payment beside the
    # composite ones below that start with them (fewer index writes per bill), and no database-level foreign key
    # on member and org, whose per-row checks at commit took ~40 s of a province's generation. Members and
    # orgs are never deleted while bills reference them: on_delete=PROTECT refuses it in every action.
    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    org = models.ForeignKey(
        "orgs.Org", verbose_name="所在党组织（开单时）", on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    month = models.DateField("月份")
    category = models.CharField("党费类别", max_length=16, choices=DuesCategory.choices)
    base = money("计算基数")
    amount = money("应交金额")
    status = models.CharField("状态", max_length=8, choices=BillStatus.choices, default=BillStatus.DUE)
    payment = models.ForeignKey(
        Payment, verbose_name="交纳记录", null=True, blank=True, on_delete=models.PROTECT, related_name="bills",
        db_index=False,
    )  # fmt: skip
    waiver_reference = models.CharField("减免批准文号", max_length=64, blank=True)
    waiver_note = models.CharField("减免说明", max_length=255, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党费账单"
        verbose_name_plural = "党费账单"
        ordering = ["org__path", "member__name_initials", "month"]
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_one_bill_per_month")]
        indexes = [
            models.Index(fields=["org", "month", "status"], name="dues_bill_org_month_idx"),
            models.Index(fields=["member", "month", "status"], name="dues_bill_member_idx"),
            models.Index(fields=["payment"], condition=models.Q(payment__isnull=False), name="dues_bill_payment_idx"),
        ]

    def __str__(self):
        return f"党费 {self.month:%Y-%m}"


# --- DUES-10 hardship, DUES-18/19 fund ledger, self-service link ---------------------------------------------


class HardshipKind(models.TextChoices):
    REDUCE = "reduce", "少交"
    EXEMPT = "exempt", "免交"


class HardshipStatus(models.TextChoices):
    APPLIED = "applied", "已申请，待支部研究"
    BRANCH_AGREED = "branch_agreed", "支部同意，待上级党委批准"
    APPROVED = "approved", "上级党委已批准"
    REJECTED = "rejected", "未同意"


class HardshipApplication(models.Model):
    """DUES-10: a member's application to pay less or nothing for a run of months: the member applies, the
    branch decides, the upper Party committee approves. Only an approved application changes bills."""

    scope_path = "org__path"

    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("orgs.Org", verbose_name="所在党支部", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("减免方式", max_length=8, choices=HardshipKind.choices)
    monthly_amount = money("减免后每月交纳（元）", default=0)
    first_month = models.DateField("起始月份")
    last_month = models.DateField("截止月份")
    reason = models.CharField("申请理由", max_length=255)
    applied_on = models.DateField("申请日期")
    status = models.CharField("状态", max_length=16, choices=HardshipStatus.choices, default=HardshipStatus.APPLIED)
    branch_decision = models.CharField("支部研究意见（会议/文号）", max_length=128, blank=True)
    branch_decided_on = models.DateField("支部研究日期", null=True, blank=True)
    approval_reference = models.CharField("上级党委批准文号", max_length=64, blank=True)
    approved_on = models.DateField("批准日期", null=True, blank=True)
    rejection_reason = models.CharField("未同意理由", max_length=255, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "困难党员减免党费申请"
        verbose_name_plural = "困难党员减免党费申请"
        ordering = ["-applied_on", "-pk"]

    def __str__(self):
        return f"党费减免申请 {self.pk}"


class LedgerKind(models.TextChoices):
    REMITTANCE = "remittance", "上缴上级党组织"
    ALLOCATION = "allocation", "下拨下级党组织"
    USAGE = "usage", "使用"


class UsageCategory(models.TextChoices):
    """DUES-18: the five uses of dues retained by a Party committee."""

    TRAINING = "training", "培训党员"
    MATERIALS = "materials", "订阅或购买党员教育资料、设备"
    COMMENDATION = "commendation", "表彰先进基层党组织、优秀党员和优秀党务工作者"
    HARDSHIP_AID = "hardship_aid", "补助生活困难的党员"
    DISASTER_AID = "disaster_aid", "补助遭受自然灾害的党员和修缮党员教育设施"


class LedgerEntry(models.Model):
    """One line of an org's dues fund ledger (DUES-18/19): money remitted to the level above, allocated to a
    level below, or spent on a DUES-18 use under a collective decision. A transfer is seen by both orgs."""

    scope_path = ("org__path", "counterpart__path")

    org = models.ForeignKey("orgs.Org", verbose_name="记账党组织", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=16, choices=LedgerKind.choices)
    counterpart = models.ForeignKey(
        "orgs.Org", verbose_name="对方党组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField("使用范围", max_length=16, choices=UsageCategory.choices, blank=True)
    amount = money("金额（元）")
    entry_date = models.DateField("日期")
    decision_reference = models.CharField("集体研究决定（会议/文号）", max_length=128, blank=True)
    period = models.CharField("所属期间", max_length=8, blank=True, help_text="如 2026、2026-Q1")
    note = models.CharField("摘要", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党费收支台账"
        verbose_name_plural = "党费收支台账"
        ordering = ["-entry_date", "-pk"]
        indexes = [models.Index(fields=["org", "entry_date"], name="dues_ledger_org_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


# --- 困难党员帮扶: visits and aid to members in hardship ------------------------------------------------------


class AidKind(models.TextChoices):
    VISIT = "visit", "走访慰问"
    CASH = "cash", "生活补助（现金）"
    GOODS = "goods", "慰问物品"
    OTHER = "other", "其他帮扶"


class HardshipAid(models.Model):
    """One visit or piece of aid to a member in hardship (困难党员帮扶): who visited, when, what was given and
    its amount. Paid from retained dues it is a DUES-18 `hardship_aid` use: `ledger_entry` links that line."""

    scope_path = "org__path"

    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("orgs.Org", verbose_name="所在党组织（登记时）", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField("走访/帮扶日期")
    visitors = models.CharField("走访人", max_length=128)
    kind = models.CharField("帮扶方式", max_length=8, choices=AidKind.choices)
    given = models.CharField("帮扶内容", max_length=255, blank=True)
    amount = money("金额（元）", default=0)
    ledger_entry = models.ForeignKey(
        LedgerEntry, verbose_name="党费台账（使用）", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("情况记录", max_length=255, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "困难党员帮扶记录"
        verbose_name_plural = "困难党员帮扶记录"
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["member", "visited_on"], name="dues_aid_member_idx")]

    def __str__(self):
        return f"帮扶 {self.visited_on:%Y-%m-%d}"


class BillTotal(models.Model):
    """Per org and month: the bills issued, paid and waived and their amounts, maintained by every action that
    writes bills (`dues.totals.refresh`) so that collection rates over a subtree add up a few thousand rows
    instead of scanning every bill. `dangjian manage dues_totals` rebuilds them from the bills."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党组织（开单时）", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    billed = models.PositiveIntegerField("账单数", default=0)
    paid = models.PositiveIntegerField("已交", default=0)
    waived = models.PositiveIntegerField("减免", default=0)
    due_amount = models.DecimalField("应交金额（不含减免）", max_digits=14, decimal_places=2, default=0)
    paid_amount = models.DecimalField("已交金额", max_digits=14, decimal_places=2, default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党费收缴汇总"
        verbose_name_plural = "党费收缴汇总"
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="dues_one_total_per_org_month")]
        indexes = [models.Index(fields=["month", "org"], name="dues_total_month_idx")]

    def __str__(self):
        return f"党费汇总 {self.month:%Y-%m}"

"""Tables of the points app (党员积分): a jurisdiction's versioned catalogue of point rules, exclusions
decided by the branch, and the point entries, each tied to the record it came from and its approver.

A rule set belongs to an org and applies to that org's subtree from `effective_from`; the set in force for a
member on a day is the one of the nearest jurisdiction above the member with the latest `effective_from` on
or before that day. A rule set with entries is never edited: a new version from an effective date is.
"""

from django.conf import settings
from django.db import models

from dangjian.core.scope import RestrictedQuerySet


def score_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=8, decimal_places=2, **kwargs)


class PointSource(models.TextChoices):
    ATTENDANCE = "attendance", "出席组织生活"
    ABSENCE = "absence", "无故缺席组织生活"
    DUES_ON_TIME = "dues_on_time", "按时交纳党费"
    DUES_LATE = "dues_late", "未按时交纳党费"
    VOLUNTEER = "volunteer", "志愿服务"
    TRAINING = "training", "学习培训"
    MANUAL = "manual", "其他（凭材料登记）"


class EntryStatus(models.TextChoices):
    PENDING = "pending", "待支部审核"
    APPROVED = "approved", "已认定"
    REJECTED = "rejected", "未认定"


class ExclusionReason(models.TextChoices):
    ELDERLY = "elderly", "年老体弱（70周岁以上）"
    BEDRIDDEN = "bedridden", "长期卧床"
    MOBILE = "mobile", "长期外出流动"


class PointRuleSet(models.Model):
    """One version of a jurisdiction's point rules (§6, P)."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Org", verbose_name="制定党组织（适用于所辖）", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名称", max_length=128)
    template = models.CharField("来源模板", max_length=64, blank=True)
    effective_from = models.DateField("生效日期")
    base_score = score_field("基础分")
    floor = score_field("最低分", null=True, blank=True, default=0)
    ceiling = score_field("最高分", null=True, blank=True)
    yearly_reset = models.BooleanField("每年清零", default=True)
    star_bands = models.JSONField("星级区间", default=list, help_text="[[下限分数, 星级], …]")
    previous = models.ForeignKey(
        "self", verbose_name="上一版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        ordering = ["org__path", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["org", "effective_from"], name="points_one_set_per_day")]

    def __str__(self):
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"


class PointItem(models.Model):
    """One line of a rule set: points per occurrence (+/−), a yearly cap, or a veto (score → 0)."""

    scope_path = "rule_set__org__path"

    rule_set = models.ForeignKey(PointRuleSet, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField("代码", max_length=48)
    label = models.CharField("积分项目", max_length=128)
    source = models.CharField("来源", max_length=16, choices=PointSource.choices)
    meeting_kind = models.CharField("组织生活类别", max_length=32, blank=True, help_text="空：任何组织生活")
    points = score_field("每次分值")
    cap = score_field("每年累计上限", null=True, blank=True)
    is_veto = models.BooleanField("一票否决", default=False)
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "积分项目"
        verbose_name_plural = "积分项目"
        ordering = ["rule_set", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "code"], name="points_item_code_unique")]

    def __str__(self):
        return self.label


class PointExclusion(models.Model):
    """A member left out of scoring for a year by branch decision (§6 exclusions)."""

    scope_path = "member__org__path"

    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    reason = models.CharField("情形", max_length=16, choices=ExclusionReason.choices)
    decision_reference = models.CharField("支部决定（会议/记录）", max_length=128)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "免于积分"
        verbose_name_plural = "免于积分"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="points_one_exclusion_per_year")]


class PointEntry(models.Model):
    """One scored occurrence. Automatic entries carry the record they came from (`source_type`, `source_id`:
    an attendance row, a dues bill, a training record); manual ones carry their evidence and wait for the
    branch's approval. (item, source, member) is unique, so accruing again creates nothing new."""

    scope_path = "org__path"

    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(PointItem, verbose_name="积分项目", on_delete=models.PROTECT, related_name="entries")
    points = score_field("分值")
    quantity = models.DecimalField("数量", max_digits=8, decimal_places=2, default=1)
    occurred_on = models.DateField("发生日期")
    source_type = models.CharField("来源记录", max_length=32)
    source_id = models.CharField("来源编号", max_length=64)
    evidence = models.TextField("证明材料", blank=True)
    status = models.CharField("状态", max_length=16, choices=EntryStatus.choices, default=EntryStatus.PENDING)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="认定人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField("认定时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "source_type", "source_id", "member"], name="points_one_per_source")
        ]
        indexes = [
            models.Index(fields=["member", "occurred_on"], name="points_entry_member_idx"),
            models.Index(fields=["org", "occurred_on"], name="points_entry_org_idx"),
            models.Index(fields=["source_type", "source_id"], name="points_entry_source_idx"),
        ]

    def __str__(self):
        return f"积分 {self.points}"


# --- EDU-06 pioneer roles: 党员示范岗/先锋岗, 责任区, 志愿服务队, 先锋项目 ----------------------------------------


class PioneerKind(models.TextChoices):
    MODEL_POST = "model_post", "党员示范岗"
    PIONEER_POST = "pioneer_post", "党员先锋岗"
    RESPONSIBILITY_ZONE = "responsibility_zone", "党员责任区"
    VOLUNTEER_TEAM = "volunteer_team", "党员志愿服务队"
    PIONEER_PROJECT = "pioneer_project", "党员先锋项目"


class PioneerPost(models.Model):
    """EDU-06: a role-model post, responsibility zone, volunteer team or pioneer project set up by an org
    (设岗定责), with the members assigned to it and the records of their duty."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="设立党组织", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=32, choices=PioneerKind.choices)
    name = models.CharField("名称", max_length=128)
    duty = models.TextField("职责/承诺", blank=True)
    started_on = models.DateField("设立日期")
    ended_on = models.DateField("撤销日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "先锋岗"
        verbose_name_plural = "先锋岗"
        ordering = ["org__path", "kind", "name"]

    def __str__(self):
        return self.name


class PioneerMember(models.Model):
    scope_path = "post__org__path"

    post = models.ForeignKey(PioneerPost, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("岗位/分工", max_length=64, blank=True)
    since = models.DateField("上岗日期")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "先锋岗党员"
        verbose_name_plural = "先锋岗党员"
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="points_one_pioneer_member")]


class PioneerRecord(models.Model):
    """One record of duty on a post; it may be put forward for points (a pending 先锋岗履职 entry)."""

    scope_path = "post__org__path"

    post = models.ForeignKey(PioneerPost, on_delete=models.CASCADE, related_name="records")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField("日期")
    content = models.TextField("履职情况")
    point_entry = models.ForeignKey(
        PointEntry, verbose_name="积分记录", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "先锋岗履职记录"
        verbose_name_plural = "先锋岗履职记录"
        ordering = ["-occurred_on", "-pk"]

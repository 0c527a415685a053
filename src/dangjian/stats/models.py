"""Per-jurisdiction red/amber/green thresholds of the dashboard indicators (defaults in rules.py)."""

from django.conf import settings
from django.db import models

from dangjian.core.scope import RestrictedQuerySet
from dangjian.core.tree import PathField


class Threshold(models.Model):
    """A threshold set on an org applies to its whole subtree unless a lower org sets its own."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE, related_name="+")
    code = models.CharField("指标", max_length=64)
    green = models.DecimalField("绿色阈值", max_digits=6, decimal_places=2)
    red = models.DecimalField("红色阈值", max_digits=6, decimal_places=2)
    version = models.PositiveIntegerField("版本", default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "预警阈值"
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="stats_threshold_org_code")]

    def __str__(self):
        return f"{self.org_id} {self.code}"


class Rollup(models.Model):
    """The dashboard figures of one org's subtree on one day, computed set-based for every org at once by
    `rollups.refresh` (the `stats_rollup` command, run nightly) and read instead of the details when present.

    `figures` = {"members": {"total": n, "<dimension>:<cell>": n, …}, "orgs": {"total": n, "<dim>:<cell>": n}};
    `audit_seq` is the last audit event seen when computing: a later change of the tree means data changed
    since (member, meeting and dues changes are added in by `rollups.refresh_orgs` after their commit);
    `stale` is set when such an incremental refresh failed."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("统计日期")
    figures = models.JSONField("数字", default=dict)
    computed_at = models.DateTimeField("计算时间")
    audit_seq = models.PositiveBigIntegerField("计算时审计序号", default=0)
    stale = models.BooleanField("需重新计算", default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总"
        constraints = [models.UniqueConstraint(fields=["org", "day"], name="stats_rollup_org_day")]


class OrgCount(models.Model):
    """The per-org counters behind the rollups of one day: an org's *own* figures (its own members, itself
    as an org, its own meetings' periods, its own bills) on one basis, with the org's path in the tree of
    that basis's day. The rollups are sums of these over path prefixes (`rollups.subtree_sums`, SQL), and a
    change to an org's own figures is added to the rollups of its ancestors (`rollups.refresh_orgs`).

    basis: "day" (members and orgs on the day), "quarter" (organizational life of the last ended quarter,
    tree of its last day), "month" (dues of the last ended month, tree of its last day), "warn" (structure
    warnings on today's data and today's tree)."""

    scope_path = "org__path"

    day = models.DateField("统计日期")
    basis = models.CharField("口径", max_length=8)
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE, related_name="+")
    path = PathField("当日路径")
    figures = models.JSONField("本级数字", default=dict)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "统计计数"
        constraints = [models.UniqueConstraint(fields=["day", "basis", "org"], name="stats_orgcount_day_org")]
        indexes = [models.Index(fields=["day", "basis", "path"], name="stats_orgcount_path_idx")]


class RollupDay(models.Model):
    """A day whose rollups `rollups.refresh` computed (with their counters): the latest one and the year ends
    are kept current by the write actions of members, meetings and dues."""

    day = models.DateField("统计日期", unique=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总日期"

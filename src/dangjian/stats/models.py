"""Per-jurisdiction red/amber/green thresholds of the dashboard indicators (defaults in rules.py)."""

from django.conf import settings
from django.db import models

from dangjian.core.scope import RestrictedQuerySet


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
    `audit_seq` is the last audit event seen when computing: a later domain event means data changed since."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("统计日期")
    figures = models.JSONField("数字", default=dict)
    computed_at = models.DateTimeField("计算时间")
    audit_seq = models.PositiveBigIntegerField("计算时审计序号", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总"
        constraints = [models.UniqueConstraint(fields=["org", "day"], name="stats_rollup_org_day")]

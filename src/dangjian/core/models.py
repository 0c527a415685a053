"""Tables every app stands on: the hash-chained audit trail."""

from django.conf import settings
from django.db import models

from dangjian.core.scope import RestrictedQuerySet
from dangjian.core.tree import PathField


class Outcome(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


class AuditEvent(models.Model):
    """One audited event. Rows are only ever appended; `verify_audit` detects any edit or deletion."""

    scope_path = "org_path"
    scope_unplaced = models.Q(org_path="")  # events about no org (logins) are seen from a root assignment

    seq = models.PositiveBigIntegerField("序号", unique=True)
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_username = models.CharField("账号名", max_length=150, blank=True)
    actor_roles = models.CharField("角色", max_length=255, blank=True)
    action = models.CharField("事件类型", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    org_path = PathField("党组织路径", blank=True, db_index=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    client_ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-seq"]
        # Everything about one record, newest first: a member's 修改记录 tab, "who read member X" (PRV-08).
        indexes = [models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.seq} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """The single row that serialises appends to the chain and remembers its last link."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"


class AuditShipment(models.Model):
    """AU-03: how far the audit trail has been shipped to the log server (core/audit_ship.py); a single row."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    shipped_seq = models.PositiveBigIntegerField("已发送至序号", default=0)
    shipped_at = models.DateTimeField("最近发送时间", null=True, blank=True)
    last_error = models.CharField("最近一次发送失败", max_length=500, blank=True)
    last_error_at = models.DateTimeField("失败时间", null=True, blank=True)

    class Meta:
        verbose_name = "审计日志外送进度"


class JobStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """A background job started by a user (import preview and commit, large exports).

    The row records who, what and the outcome; progress while running is kept in a small file in
    the data directory (see core.tasks), because the job's own transaction may hold the database's
    write lock for its whole run.
    """

    kind = models.CharField("类型", max_length=64)
    label = models.CharField("名称", max_length=128)
    handler = models.CharField(max_length=128)
    params = models.JSONField(default=dict)
    status = models.CharField("状态", max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    message = models.TextField("结果说明", blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]

    def __str__(self):
        return self.label

"""Accounts, roles as data, role assignments on org subtrees, and hashed API tokens."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from dangjian.core.scope import RestrictedQuerySet


class Separation(models.TextChoices):
    """The three administrator duties that no account may combine (三员分立, AC-07)."""

    NONE = "", "业务角色"
    SYSTEM = "system", "系统管理员"
    SECURITY = "security", "安全管理员"
    AUDIT = "audit", "审计管理员"


class UserQuerySet(RestrictedQuerySet):
    pass


class DangjianUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    # Accounts are seen through the orgs of their role assignments; one without any is seen from a root.
    scope_path = "assignments__org__path"
    scope_unplaced = models.Q(assignments__isnull=True)
    scope_distinct = True

    display_name = models.CharField("姓名", max_length=64, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    is_demo = models.BooleanField("演示账号", default=False)
    # AC-03: the last day the account may be used (blank: no expiry); the day after, it is refused at login and
    # disabled by `disable_dormant_accounts`. Re-enabling restarts the dormancy clock (reactivated_at).
    expires_on = models.DateField("有效期至", null=True, blank=True)
    reactivated_at = models.DateTimeField("重新启用时间", null=True, blank=True, editable=False)

    objects = DangjianUserManager()

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        constraints = [models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique")]

    def __str__(self):
        return self.display_name or self.username


class Role(models.Model):
    code = models.CharField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=64)
    description = models.CharField("说明", max_length=255, blank=True)
    permissions = models.JSONField("权限", default=list)
    separation = models.CharField("三员类别", max_length=16, choices=Separation.choices, blank=True, default="")
    is_builtin = models.BooleanField("内置", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class RoleAssignment(models.Model):
    """A role held by a user on an org; it covers the org's whole subtree."""

    scope_path = "org__path"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.ForeignKey(Role, verbose_name="角色", on_delete=models.PROTECT, related_name="assignments")
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="assignments")
    # The role's duty class copied here so the database itself can refuse a second administrator duty.
    separation = models.CharField(max_length=16, choices=Separation.choices, blank=True, default="")
    granted_at = models.DateTimeField("授予时间", auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授予人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # AC-12: HMAC-SM3 over user, role, org and duty (accounts.bindings); a row that does not verify grants nothing.
    mac = models.CharField("完整性校验值", max_length=64, blank=True, default="", editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="accounts_assignment_unique"),
            # AC-07: at most one administrator duty per account, whatever the org.
            models.UniqueConstraint(
                fields=["user"], condition=~models.Q(separation=""), name="accounts_one_admin_duty"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.role} · {self.org}"


class ApiToken(models.Model):
    """A personal API token; only its SM3 digest is stored, the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=64)
    prefix = models.CharField("前缀", max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class PasswordHistory(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

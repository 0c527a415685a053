"""Second factor (TOTP seed encrypted at rest, hashed recovery codes), the user→session index used by
"log out everywhere", and security alerts raised to the security and audit administrators."""

from django.conf import settings
from django.db import models


class TwoFactorDevice(models.Model):
    """One TOTP authenticator per account (IA-08). The seed is SM4-GCM ciphertext bound to the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="two_factor"
    )
    seed = models.TextField("密钥（密文）")
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

"""System checks for the controls of issue 8 (dangjian.P013 onwards), run by `dangjian check`."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from dangjian.security import rules


@register(Tags.security, deploy=True)
def two_factor_policy(app_configs, **kwargs):
    missing = [r for r in rules.ADMIN_ROLES if r not in settings.TWO_FACTOR_REQUIRED_ROLES]
    if missing and not settings.TWO_FACTOR_REQUIRED_FOR_ALL:
        return [
            Error(
                f"管理员角色未强制双因素认证：{'、'.join(missing)}。",
                hint="DANGJIAN_2FA_ROLES 须包含 system_admin、security_admin、audit_admin、org_admin。",
                id="dangjian.P013",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def content_security_policy(app_configs, **kwargs):
    """DC-01/PRV-09: the CSP middleware runs and the policy allows no inline code and no other origin."""
    out = []
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES", {})
    values = " ".join(str(v) for vs in directives.values() for v in vs)
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE or not directives:
        out.append(
            Error(
                "未启用内容安全策略（CSP）。",
                hint="恢复 settings 中的 CSPMiddleware 与 CONTENT_SECURITY_POLICY。",
                id="dangjian.P014",
            )
        )
    elif "unsafe-inline" in values or "unsafe-eval" in values or "*" in values.split():
        out.append(
            Error(
                "内容安全策略允许内联脚本/样式或任意来源。",
                hint="去掉 'unsafe-inline'、'unsafe-eval' 和 *，必要的内联代码使用 nonce。",
                id="dangjian.P014",
            )
        )
    return out


@register(Tags.security, deploy=True)
def https_settings(app_configs, **kwargs):
    """DC-01: with HTTPS on, HSTS for a year, secure cookies and the redirect; behind a proxy the proxy
    header must be configured (DANGJIAN_BEHIND_PROXY=1) and the proxy must overwrite X-Forwarded-Proto."""
    if not getattr(settings, "HTTPS", False):
        return []  # dangjian.P003 already reports it
    problems = []
    if getattr(settings, "SECURE_HSTS_SECONDS", 0) < 31536000:
        problems.append("HSTS 有效期少于一年")
    if not settings.SESSION_COOKIE_SECURE or not settings.CSRF_COOKIE_SECURE:
        problems.append("会话或 CSRF Cookie 未设置 Secure")
    if not getattr(settings, "SECURE_SSL_REDIRECT", False) and not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        problems.append("未将 HTTP 重定向到 HTTPS，也未配置代理协议头")
    if problems:
        return [
            Error(
                "HTTPS 设置不完整：" + "；".join(problems) + "。",
                hint="设置 DANGJIAN_HSTS_SECONDS≥31536000、DANGJIAN_SSL_REDIRECT=1；"
                "在反向代理后部署时设置 DANGJIAN_BEHIND_PROXY=1。",
                id="dangjian.P015",
            )
        ]
    return []


@register(Tags.security)
def administration_surface(app_configs, **kwargs):
    """AC-11: no Django admin site; the management networks, when given, are valid CIDR."""
    from dangjian.security import networks

    out = []
    if "django.contrib.admin" in settings.INSTALLED_APPS:
        out.append(
            Error(
                "已安装 Django 自带的管理后台（django.contrib.admin）。",
                hint="从 INSTALLED_APPS 中去掉 django.contrib.admin：本平台的管理页面受角色、双因素认证和网段限制。",
                id="dangjian.P016",
            )
        )
    _networks, invalid = networks.parse(getattr(settings, "ADMIN_NETWORKS", []))
    if invalid:
        out.append(
            Error(
                f"DANGJIAN_ADMIN_NETWORKS 中有无效的网段：{'、'.join(invalid)}。",
                hint="写成逗号分隔的 CIDR，例如 10.8.0.0/24,192.168.10.5/32。",
                id="dangjian.P017",
            )
        )
    return out


@register(Tags.security)
def otp_algorithm(app_configs, **kwargs):
    from dangjian.security import otp

    if settings.OTP_ALGORITHM not in otp.ALGORITHMS:
        return [
            Error(
                f"未知的动态验证码算法 {settings.OTP_ALGORITHM!r}。",
                hint="DANGJIAN_OTP_ALGORITHM 取 totp-sha1（手机认证器应用）或 sm3（GM/T 0021，密评）。",
                id="dangjian.P018",
            )
        ]
    return []


@register(Tags.security)
def audit_syslog(app_configs, **kwargs):
    """AU-03: a malformed receiver would leave the trail unshipped without a word."""
    from dangjian.core import audit_ship

    try:
        audit_ship.configured_target()
    except ValueError as exc:
        return [Error(str(exc), hint="例如 DANGJIAN_AUDIT_SYSLOG=tls://log.example.gov.cn:6514。", id="dangjian.P019")]
    return []

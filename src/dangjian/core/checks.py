"""Project system checks (DJ-02): settings an assessor expects, run by `dangjian check`."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def security_settings(app_configs, **kwargs):
    out = []
    if settings.DEBUG:
        out.append(Error("DEBUG 处于开启状态。", hint="设置 DANGJIAN_DEBUG=0。", id="dangjian.P001"))
    if not getattr(settings, "SECRET_KEY_FROM_ENV", False):
        out.append(
            Warning(
                "SECRET_KEY 取自数据目录中自动生成的文件。",
                hint="生产环境请通过 DANGJIAN_SECRET_KEY 提供，并妥善保管。",
                id="dangjian.P002",
            )
        )
    if not getattr(settings, "HTTPS", False):
        out.append(Error("未启用 HTTPS。", hint="在 HTTPS 反向代理后部署并设置 DANGJIAN_HTTPS=1。", id="dangjian.P003"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        out.append(
            Warning(
                "正在使用内嵌 SQLite 数据库。",
                hint="县级以上部署请设置 DATABASE_URL 使用 PostgreSQL。",
                id="dangjian.P004",
            )
        )
    if not getattr(settings, "BACKUP_DIR", ""):
        out.append(Error("未配置备份目录。", hint="设置 DANGJIAN_BACKUP_DIR 并安排定期备份。", id="dangjian.P005"))
    if settings.SESSION_COOKIE_AGE > 1800 or not settings.SESSION_SAVE_EVERY_REQUEST:
        out.append(Error("会话空闲超时超过 30 分钟。", id="dangjian.P006"))
    if "django.contrib.auth.middleware.LoginRequiredMiddleware" not in settings.MIDDLEWARE:
        out.append(Error("缺少 LoginRequiredMiddleware。", id="dangjian.P007"))
    if settings.AXES_FAILURE_LIMIT > 5:
        out.append(Error("登录失败锁定次数超过 5 次。", id="dangjian.P008"))
    if settings.AUDIT_RETENTION_DAYS < 184:
        out.append(Error("审计记录保存期少于 6 个月（184 天）。", id="dangjian.P009"))
    if getattr(settings, "DEMO_MODE", False):
        out.append(Error("演示模式处于开启状态，演示账号可以登录。", hint="设置 DANGJIAN_DEMO=0。", id="dangjian.P010"))
    return out


@register(Tags.security, deploy=True, databases=["default"])
def no_active_superuser(app_configs, databases=None, **kwargs):
    """AC-02: no active superuser in production (it bypasses every permission)."""
    if not databases:
        return []
    from django.contrib.auth import get_user_model
    from django.db.utils import DatabaseError

    try:
        if get_user_model().objects.filter(is_superuser=True, is_active=True).exists():
            return [
                Error("存在启用状态的超级用户账号。", hint="停用超级用户，按三员分立授予角色。", id="dangjian.P011")
            ]
    except DatabaseError:
        return [Error("无法连接数据库。", id="dangjian.P012")]
    return []

"""`dangjian check --deploy`: every control of docs/security.md that a deployment can get wrong, each as
pass / warn / fail with the remedy in Chinese. Any fail makes the command exit non-zero.

Settings are judged through the project's system checks (dangjian.P0xx) and Django's own deployment
checks; data are judged directly (superusers, demo accounts, the three duties, the audit chain, backups).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks

PASS, WARN, FAIL = "通过", "提示", "未通过"


@dataclass
class Result:
    id: str
    title: str
    status: str
    detail: str
    remedy: str


def _messages() -> list[checks.CheckMessage]:
    return checks.run_checks(include_deployment_checks=True, databases=["default"])


def _by_ids(messages, ids) -> list[checks.CheckMessage]:
    return [m for m in messages if m.id in ids]


def _from_checks(messages, ids, *, warn_only=False) -> tuple[str, str]:
    found = _by_ids(messages, ids)
    if not found:
        return PASS, ""
    status = WARN if warn_only else FAIL
    return status, "；".join(f"{m.msg}（{m.id}）" for m in found)


def _django_deploy(messages) -> tuple[str, str]:
    found = [m for m in messages if m.id and m.id.startswith("security.") and m.level >= checks.WARNING]
    return (FAIL, "；".join(m.id for m in found)) if found else (PASS, "")


def _two_factor_enrolled() -> tuple[str, str]:
    from dangjian.accounts.models import RoleAssignment
    from dangjian.security.models import TwoFactorDevice

    holders = set(
        RoleAssignment.objects.filter(role__code__in=settings.TWO_FACTOR_REQUIRED_ROLES, user__is_active=True)
        .values_list("user__username", flat=True)
        .distinct()
    )
    enrolled = set(TwoFactorDevice.objects.filter(confirmed_at__isnull=False).values_list("user__username", flat=True))
    missing = sorted(holders - enrolled)
    if missing:
        return WARN, "尚未绑定认证器（首次登录时强制绑定）：" + "、".join(missing[:10])
    return PASS, ""


def _demo_accounts() -> tuple[str, str]:
    from django.contrib.auth import get_user_model

    names = list(get_user_model().objects.filter(is_demo=True, is_active=True).values_list("username", flat=True))
    if settings.DEMO_MODE:
        return FAIL, "演示模式开启"
    if names:
        return FAIL, "存在启用的演示账号：" + "、".join(names[:10])
    return PASS, ""


def _separation() -> tuple[str, str]:
    from django.db.models import Count, Q

    from dangjian.accounts.models import RoleAssignment

    mixed = (
        RoleAssignment.objects.values("user__username")
        .annotate(
            duties=Count("separation", filter=~Q(separation=""), distinct=True),
            business=Count("pk", filter=Q(separation="")),
        )
        .filter(Q(duties__gt=1) | Q(duties__gte=1, business__gte=1))
    )
    names = [row["user__username"] for row in mixed]
    return (FAIL, "、".join(names[:10])) if names else (PASS, "")


def _break_glass() -> tuple[str, str]:
    from dangjian.security import breakglass

    names = list(breakglass.open_entries().values_list("user__username", flat=True))
    return (FAIL, "、".join(names)) if names else (PASS, "")


def _dormant_accounts() -> tuple[str, str]:
    from dangjian.accounts import lifecycle

    days = settings.DORMANT_DAYS
    if not 0 < days <= 90:
        return FAIL, f"DANGJIAN_DORMANT_DAYS={days}"
    overdue = lifecycle.due() + [(u, "") for u in lifecycle.left_accounts()]
    kept = [u for u, _ in overdue if lifecycle.kept(u)]
    missed = [u for u, _ in overdue if u not in kept]
    if missed:
        names = "、".join(dict.fromkeys(u.get_username() for u in missed))
        return FAIL, "应停用而仍启用的账号（每日任务未运行？）：" + names[:300]
    if kept:
        names = "、".join(dict.fromkeys(u.get_username() for u in kept))
        return WARN, "最后一个启用的系统/安全管理员已长期未登录或已过期，未自动停用：" + names
    return PASS, f"{days} 天"


def _admin_networks() -> tuple[str, str]:
    from dangjian.security import networks

    entries = list(getattr(settings, "ADMIN_NETWORKS", []) or [])
    if not entries:
        return FAIL, "未配置管理网段，管理页面可从任何地址访问"
    parsed, invalid = networks.parse(entries)
    if invalid:
        return FAIL, "无效的网段：" + "、".join(invalid)
    everywhere = [str(n) for n in parsed if n.prefixlen == 0]
    if everywhere:
        return FAIL, "网段包含全部地址：" + "、".join(everywhere)
    return PASS, "、".join(str(n) for n in parsed)


def _django_admin() -> tuple[str, str]:
    from django.urls import Resolver404, resolve

    if "django.contrib.admin" in settings.INSTALLED_APPS:
        return FAIL, "已安装 django.contrib.admin"
    try:
        resolve("/admin/")
    except Resolver404:
        return PASS, "未安装、未挂载"
    return FAIL, "/admin/ 有页面"


def _role_bindings() -> tuple[str, str]:
    from dangjian.accounts import bindings

    broken = bindings.broken_rows()
    if broken:
        return FAIL, "校验失败的角色授权编号：" + "、".join(str(pk) for pk in broken[:20])
    return PASS, ""


def _audit_chain() -> tuple[str, str]:
    from dangjian.core import audit

    broken = audit.verify()
    return (FAIL, str(broken)) if broken else (PASS, "")


def _audit_append_only() -> tuple[str, str]:
    """AU-03: the triggers are in place and (PostgreSQL) the connected role cannot edit the trail."""
    from django.db import connection

    from dangjian.core import audit_guard

    missing = audit_guard.missing_triggers()
    if missing:
        return FAIL, "缺少或停用了触发器：" + "、".join(missing)
    if connection.vendor != "postgresql":
        return WARN, "触发器已就位；SQLite 没有数据库账号权限，能写数据库文件者即可删除触发器（依靠文件权限和哈希链）"
    privileges = audit_guard.role_privileges()
    if privileges["superuser"] or privileges["is_owner"] or privileges["granted"]:
        held = "超级用户" if privileges["superuser"] else ("表的属主" if privileges["is_owner"] else "")
        granted = "、".join(privileges["granted"])
        return FAIL, f"应用账号 {privileges['role']} {held} 对审计表有 {granted} 权限"
    return PASS, f"触发器已就位；应用账号 {privileges['role']} 对审计表只有查询和追加权限"


def _audit_shipping() -> tuple[str, str]:
    """AU-03: the trail reaches a separate log server; a stalled or failing shipper fails the check."""
    from datetime import timedelta

    from django.utils import timezone

    from dangjian.core import audit_ship

    try:
        target = audit_ship.configured_target()
    except ValueError as exc:
        return FAIL, str(exc)
    if target is None:
        return WARN, "未设置 DANGJIAN_AUDIT_SYSLOG：审计记录只保存在本系统的数据库中"
    cursor, waiting = audit_ship.backlog()
    if cursor.last_error:
        when = timezone.localtime(cursor.last_error_at)
        return FAIL, f"最近一次发送失败（{when:%Y-%m-%d %H:%M}）：{cursor.last_error}；待发送 {waiting} 条"
    stalled = cursor.shipped_at is None or timezone.now() - cursor.shipped_at > timedelta(minutes=10)
    if waiting and stalled:
        return FAIL, f"待发送 {waiting} 条，10 分钟以上没有发送（ship_audit 没有运行？）"
    return PASS, f"发送至 {target}，待发送 {waiting} 条"


def _crypto() -> tuple[str, str]:
    from dangjian.core import crypto

    try:
        crypto.self_test()
    except Exception as exc:
        return FAIL, str(exc)
    return PASS, ""


def _recent_backup() -> tuple[str, str]:
    from dangjian.security.backup import backup_dir

    files = sorted(backup_dir().glob("dangjian-*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        return FAIL, "没有找到任何备份"
    age = (time.time() - files[-1].stat().st_mtime) / 3600
    if age > 26:
        return FAIL, f"最近一次备份在 {age:.0f} 小时前"
    return PASS, Path(files[-1]).name


def _settings(ok: bool, detail: str = "") -> Callable[[], tuple[str, str]]:
    return lambda: (PASS, "") if ok else (FAIL, detail)


def run() -> list[Result]:
    from dangjian.security import rules as security_rules

    messages = _messages()
    s = settings
    validators = " ".join(v["NAME"] for v in s.AUTH_PASSWORD_VALIDATORS)
    rows: list[tuple[str, str, Callable[[], tuple[str, str]], str]] = [
        ("DJ-01", "DEBUG 已关闭", lambda: _from_checks(messages, {"dangjian.P001"}), "设置 DANGJIAN_DEBUG=0。"),
        (
            "DJ-01",
            "SECRET_KEY 由环境变量提供",
            lambda: _from_checks(messages, {"dangjian.P002"}),
            "通过 DANGJIAN_SECRET_KEY 提供足够长的随机密钥。",
        ),
        (
            "DJ-01",
            "Django 安全部署检查（check --deploy）",
            lambda: _django_deploy(messages),
            "按 dangjian check 的提示逐项修正。",
        ),
        (
            "DC-01",
            "HTTPS、HSTS、安全 Cookie",
            lambda: _from_checks(messages, {"dangjian.P003", "dangjian.P015"}),
            "在 HTTPS 反向代理后部署，设置 DANGJIAN_HTTPS=1（代理时加 DANGJIAN_BEHIND_PROXY=1）。",
        ),
        (
            "DC-01",
            "内容安全策略（CSP，无内联代码）",
            lambda: _from_checks(messages, {"dangjian.P014"}),
            "恢复 CSPMiddleware 和 CONTENT_SECURITY_POLICY，不要加入 unsafe-inline。",
        ),
        (
            "DC-01",
            "X-Frame-Options、Referrer-Policy、nosniff",
            _settings(
                s.X_FRAME_OPTIONS == "DENY"
                and s.SECURE_REFERRER_POLICY in ("same-origin", "no-referrer", "strict-origin")
                and s.SECURE_CONTENT_TYPE_NOSNIFF
            ),
            "恢复 settings 中的 X_FRAME_OPTIONS='DENY' 等安全头设置。",
        ),
        (
            "IA-02",
            "口令复杂度（≥8 位、管理员≥12 位、三类字符、不含账号和本人手机号码与身份证号码、常见密码表）",
            _settings(
                all(
                    name in validators
                    for name in (
                        "CharacterClassValidator",
                        "AdministratorLengthValidator",
                        "PersonalDataValidator",
                        "CommonPasswordValidator",
                        "UserAttributeSimilarityValidator",
                    )
                )
                and s.PASSWORD_MIN_LENGTH >= 8
                and s.PASSWORD_MIN_CLASSES >= 3
                and s.PASSWORD_MIN_LENGTH_ADMIN >= 12
                and set(security_rules.ADMIN_ROLES) <= set(s.PASSWORD_ADMIN_ROLES)
            ),
            "DANGJIAN_PASSWORD_MIN_LENGTH≥8，DANGJIAN_PASSWORD_MIN_CLASSES≥3，DANGJIAN_PASSWORD_MIN_LENGTH_ADMIN≥12，"
            "DANGJIAN_PASSWORD_ADMIN_ROLES 包含全部管理员角色，恢复 AUTH_PASSWORD_VALIDATORS。",
        ),
        (
            "IA-03",
            "口令最长 90 天更换",
            _settings(0 < s.PASSWORD_MAX_AGE_DAYS <= 90),
            "DANGJIAN_PASSWORD_MAX_AGE_DAYS 设为 1–90。",
        ),
        (
            "IA-05",
            "登录失败 5 次锁定",
            lambda: _from_checks(messages, {"dangjian.P008"}),
            "DANGJIAN_LOGIN_FAILURE_LIMIT≤5。",
        ),
        (
            "IA-06",
            "会话空闲 ≤30 分钟、最长 12 小时",
            lambda: (
                _from_checks(messages, {"dangjian.P006"})
                if s.SESSION_ABSOLUTE_HOURS <= 12
                else (FAIL, "最长会话超过 12 小时")
            ),
            "DANGJIAN_SESSION_IDLE_SECONDS≤1800，DANGJIAN_SESSION_ABSOLUTE_HOURS≤12。",
        ),
        (
            "IA-08",
            "管理员强制双因素认证",
            lambda: _from_checks(messages, {"dangjian.P013"}),
            "DANGJIAN_2FA_ROLES 包含四个管理员角色。",
        ),
        ("IA-08", "管理员已绑定认证器", _two_factor_enrolled, "请这些账号登录并绑定认证器。"),
        ("IP-06", "登录、查询、导出、接口限流", _settings(s.RATE_LIMITS_ENABLED), "不要设置 DANGJIAN_RATE_LIMITS=0。"),
        (
            "AC-01",
            "默认拒绝（LoginRequiredMiddleware）",
            lambda: _from_checks(messages, {"dangjian.P007"}),
            "恢复 settings 中的 LoginRequiredMiddleware。",
        ),
        (
            "AC-02",
            "没有启用的超级用户",
            lambda: _from_checks(messages, {"dangjian.P011", "dangjian.P012"}),
            "停用超级用户，按三员分立授予角色。",
        ),
        (
            "AC-02",
            "没有演示模式和演示账号",
            _demo_accounts,
            "设置 DANGJIAN_DEMO=0，停用全部演示账号（生产库不应含演示数据）。",
        ),
        ("AC-02", "没有开启中的应急账号", _break_glass, "处置完毕后运行 dangjian break_glass --end。"),
        (
            "AC-03",
            "长期未登录、过期和离开人员的账号自动停用",
            _dormant_accounts,
            "DANGJIAN_DORMANT_DAYS 设为 1–90，并每日运行 dangjian manage disable_dormant_accounts（docs/backup.md）。",
        ),
        ("AC-07", "三员分立（无兼任、无业务角色）", _separation, "在账号管理中收回多余的角色。"),
        (
            "AC-11",
            "管理页面仅限管理网段访问",
            _admin_networks,
            "设置 DANGJIAN_ADMIN_NETWORKS 为管理终端所在网段（逗号分隔的 CIDR，如 10.8.0.0/24），"
            "不要使用 0.0.0.0/0；在反向代理后部署时同时设置 DANGJIAN_BEHIND_PROXY=1，并由代理覆盖 X-Forwarded-For。",
        ),
        ("AC-11", "未启用 Django 自带管理后台", _django_admin, "从 INSTALLED_APPS 和 URL 中去掉 Django admin。"),
        (
            "AC-12",
            "角色授权完整性（HMAC-SM3）",
            _role_bindings,
            "这些授权已不生效：保全数据库并核查访问记录，由安全管理员收回后重新授予（账号管理 → 账号 → 角色）。",
        ),
        (
            "AU-03",
            "审计记录哈希链完整",
            _audit_chain,
            "立即保全数据库，核查访问记录；运行 dangjian manage verify_audit 找到断点。",
        ),
        (
            "AU-03",
            "审计表只增不改（触发器、应用账号无修改权限）",
            _audit_append_only,
            "运行 dangjian manage migrate 补建触发器；PostgreSQL 上应用改用非属主账号连接，"
            "并以属主账号运行 dangjian manage harden_database --app-role 应用账号（docs/install.md）。",
        ),
        (
            "AU-03",
            "审计记录准实时外送至独立日志服务器",
            _audit_shipping,
            "设置 DANGJIAN_AUDIT_SYSLOG=tls://日志服务器:6514（或 udp://、tcp://），由 dangjian serve 随服务运行"
            "外送进程，或以计划任务每分钟运行 dangjian manage ship_audit；失败时检查网络和接收端后等待自动重试。",
        ),
        (
            "AU-04",
            "审计记录保存 ≥180 天",
            lambda: _from_checks(messages, {"dangjian.P009"}),
            "DANGJIAN_AUDIT_RETENTION_DAYS≥184。",
        ),
        ("CRY-02", "国密算法自检（SM3、SM4-GCM）", _crypto, "更换包含 SM3/SM4 的 OpenSSL（cryptography 官方 wheel）。"),
        (
            "BR-01",
            "备份目录已配置",
            lambda: _from_checks(messages, {"dangjian.P005"}),
            "设置 DANGJIAN_BACKUP_DIR（建议独立磁盘）。",
        ),
        (
            "BR-01",
            "最近 26 小时内有备份",
            _recent_backup,
            "运行 dangjian backup --encrypt，并加入每日计划任务（docs/backup.md）。",
        ),
        (
            "RI-02",
            "临时文件 ≤24 小时删除、仅属主可读",
            _settings(s.FILE_RETENTION_HOURS <= 24 and int(s.FILE_UMASK, 8) & 0o077 == 0o077),
            "DANGJIAN_FILE_RETENTION_HOURS≤24，DANGJIAN_UMASK=077，每小时运行 purge_files。",
        ),
        (
            "DB",
            "数据库（县级以上建议 PostgreSQL）",
            lambda: _from_checks(messages, {"dangjian.P004"}, warn_only=True),
            "设置 DATABASE_URL 使用 PostgreSQL。",
        ),
    ]
    results = []
    for control_id, title, check, remedy in rows:
        status, detail = check()
        results.append(Result(control_id, title, status, detail, remedy if status != PASS else ""))
    return results


def report(results: list[Result]) -> str:
    lines = []
    for r in results:
        line = f"[{r.status}] {r.id:<6} {r.title}"
        if r.detail:
            line += f"：{r.detail}"
        lines.append(line)
        if r.remedy:
            lines.append(f"         处理：{r.remedy}")
    failed = sum(r.status == FAIL for r in results)
    lines.append(f"共 {len(results)} 项：{failed} 项未通过。")
    return "\n".join(lines)

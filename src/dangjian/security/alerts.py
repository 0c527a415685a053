"""AU-05 alarm: an audit event that could not be written raises a security alert (a to-do of the security and
audit administrators, `security.todos.open_alerts`).

The failed event's transaction is being rolled back when the alarm goes off, so an alert written inside it would
vanish with it. Outside a transaction the alert is written at once; inside one it is kept and written after the
rollback: when the response leaves (`flush`, called by the middleware), when a background job ends
(`core.tasks.run_job`) and when a `dangjian manage` command ends (`cli.cmd_manage`), both through
`core.audit.settle_alarms`. While an
unresolved alert of the same kind stands no second one is added (a full disk fails every write). The log line at
CRITICAL (`dangjian.audit`) is written in every case, also when the database cannot take the alert.
"""

from __future__ import annotations

import contextvars
import logging

from django.db import connection
from django.dispatch import receiver

from dangjian.core.audit import alarms_due, audit_write_failed

log = logging.getLogger(__name__)

_pending: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("dangjian_pending_alerts", default=())


def raise_alert(message: str) -> None:
    """Write one audit-failure alert unless an unresolved one is standing; never raises."""
    from dangjian.security.models import AlertKind, SecurityAlert

    try:
        if not SecurityAlert.objects.filter(kind=AlertKind.AUDIT_WRITE, resolved_at__isnull=True).exists():
            SecurityAlert.objects.create(kind=AlertKind.AUDIT_WRITE, message=message[:500])
    except Exception:
        log.exception("security alert could not be stored: %s", message)


def _in_transaction() -> bool:
    """Inside a transaction of the application (a test case's own wrapping transaction does not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks) or (
        connection.in_atomic_block and not connection.atomic_blocks
    )


@receiver(audit_write_failed)
def on_audit_write_failed(sender, action: str, message: str, disk_full: bool, **kwargs):
    text = f"审计事件 {action} 写入失败，相应操作已被阻止。{'审计存储空间已满。' if disk_full else ''}"
    if _in_transaction():
        _pending.set((*_pending.get(), text))
    else:
        raise_alert(text)


def flush() -> None:
    """Write the alerts kept during a request (called once its transactions are over)."""
    _flush_deferred()
    pending = _pending.get()
    if not pending:
        return
    _pending.set(())
    if _in_transaction():  # not expected; keep them rather than write into a doomed transaction
        _pending.set(pending)
        return
    for text in dict.fromkeys(pending):
        raise_alert(text)


# ---------------------------------------------------------------- AC-12: a role binding failed its MAC

_deferred: contextvars.ContextVar[tuple[dict, ...]] = contextvars.ContextVar("dangjian_deferred_alarms", default=())


def role_binding_broken(**binding) -> None:
    """AC-12 alarm for one binding whose MAC does not verify: an audit event ``account.role.integrity`` and a
    security alert (kind ``role_binding``), once per row and content. Inside a transaction of the application
    (which may be rolled back, e.g. by the refusal the broken row causes) it is kept and written by `flush`."""
    if _in_transaction():
        _deferred.set((*_deferred.get(), binding))
    else:
        _write_role_binding_alarm(binding)


def _flush_deferred() -> None:
    deferred = _deferred.get()
    if not deferred or _in_transaction():
        return
    _deferred.set(())
    for binding in deferred:
        _write_role_binding_alarm(binding)


def role_binding_message(binding: dict) -> str:
    if binding.get("role_changed"):
        return (
            f"角色「{binding['role_code']}」的权限与系统内置定义不符，持有该角色的授权（编号 {binding['pk']}：账号 "
            f"{binding['user_id']}、党组织 {binding['org_id']}）已不生效。"
            "可能有人绕过应用直接修改了角色表，请立即核查数据库访问记录；"
            "重新运行 dangjian manage migrate 可恢复内置角色的权限。"
        )
    return (
        f"角色授权（编号 {binding['pk']}：账号 {binding['user_id']}、角色 {binding['role_code']}、"
        f"党组织 {binding['org_id']}）完整性校验失败，该授权已不生效。"
        "可能有人绕过应用直接修改了数据库，请立即核查数据库访问记录，确认后由安全管理员收回并重新授予。"
    )


def _write_role_binding_alarm(binding: dict) -> None:
    from django.db import transaction

    from dangjian.core import audit
    from dangjian.core.models import Outcome
    from dangjian.security import actions
    from dangjian.security.models import AlertKind, SecurityAlert

    message = role_binding_message(binding)
    try:
        if SecurityAlert.objects.filter(kind=AlertKind.ROLE_BINDING, message=message[:500]).exists():
            return  # raised before for this row in this state (possibly by another process)
        with transaction.atomic():
            audit.record(
                "account.role.integrity",
                object_type="accounts.roleassignment",
                object_id=str(binding["pk"]),
                object_repr=f"角色授权 {binding['pk']}",
                outcome=Outcome.FAILURE,
                after={
                    k: binding[k] for k in ("user_id", "role_id", "role_code", "org_id", "separation", "role_changed")
                },
            )
            actions.raise_alert(AlertKind.ROLE_BINDING, message)
    except Exception:
        log.exception("role binding alarm could not be stored: %s", message)


@receiver(alarms_due)
def on_alarms_due(sender, **kwargs):
    """A background job or a `dangjian manage` command is over (core.tasks.run_job, cli.cmd_manage)."""
    flush()

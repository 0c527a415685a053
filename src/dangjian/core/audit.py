"""Domain events, written by actions in the same transaction as the change they describe.

Each event carries an HMAC-SM3 over its own fields and the previous event's hash, so editing or
deleting any row breaks the chain at that point; `verify()` (the `verify_audit` command) finds the
first broken link. Appends are serialised by locking the single `AuditHead` row.

AU-05 fail closed: when the event cannot be written, `record` raises `AuditUnavailable` (the caller's
transaction, and with it the change, is rolled back) and raises the alarm (`audit_write_failed`: a log line at
CRITICAL, and a security alert via `security.alerts`). A full disk under the audit store (FLT-03) gets its own
message. A lost database connection is left as it is: the whole site is down then (FLT-02, a 503 page).
"""

from __future__ import annotations

import errno
import json
import logging
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError, transaction
from django.dispatch import Signal
from django.utils import timezone

from dangjian.core import context, crypto
from dangjian.core.models import AuditEvent, AuditHead, Outcome

GENESIS = "0" * 64

log = logging.getLogger("dangjian.audit")

FAILED_MESSAGE = "审计记录无法写入，操作已阻止，没有保存任何修改。请联系系统管理员。"
DISK_FULL_MESSAGE = "审计存储空间已满，操作已阻止，没有保存任何修改。请联系系统管理员清理磁盘空间后重试。"

# Sent when an event could not be written (message, disk_full); security.alerts raises the alarm.
audit_write_failed = Signal()
# Sent when the transactions of a unit of work are over (a background job, a `dangjian manage` command; requests
# have their middleware): alarms kept while a doomed transaction was open are written then (security.alerts).
alarms_due = Signal()


def settle_alarms() -> None:
    """Write the alarms of AU-05 held back during a transaction that has since rolled back; never raises."""
    try:
        alarms_due.send(sender=AuditEvent)
    except Exception:
        log.exception("held-back audit alarms could not be written")


class AuditUnavailable(RuntimeError):
    """AU-05: the audit event could not be written, so the operation it describes did not happen."""

    def __init__(self, message: str = FAILED_MESSAGE, *, disk_full: bool = False):
        super().__init__(message)
        self.message = message
        self.disk_full = disk_full


def is_disk_full(exc: BaseException) -> bool:
    """FLT-03: ENOSPC, SQLite's "database or disk is full", PostgreSQL's disk_full (SQLSTATE 53100)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        if getattr(exc, "sqlstate", None) == "53100" or getattr(exc, "pgcode", None) == "53100":
            return True
        text = str(exc).lower()
        if "disk is full" in text or "no space left on device" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _alarm(action: str, exc: BaseException, *, disk_full: bool) -> None:
    message = DISK_FULL_MESSAGE if disk_full else FAILED_MESSAGE
    log.critical("audit event %s could not be written (%s): %s", action, type(exc).__name__, exc)
    try:
        audit_write_failed.send(sender=AuditEvent, action=action, message=message, disk_full=disk_full)
    except Exception:  # the alarm must never hide the failure itself
        log.exception("the audit failure alarm could not be raised")


def _normalise(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_roles": event.actor_roles,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "org_path": event.org_path,
        "before": event.before,
        "after": event.after,
        "outcome": event.outcome,
        "request_id": event.request_id,
        "client_ip": event.client_ip,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    return crypto.hmac_sm3(crypto.provider().key("audit"), _canonical(_fields(event))).hex()


def role_summary(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    from dangjian.accounts.queries import role_codes

    return ",".join(sorted(role_codes(user)))


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    org_path: str = "",
    before: dict | None = None,
    after: dict | None = None,
    outcome: str = Outcome.SUCCESS,
    username: str = "",
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change (it opens one if there is none).

    Raises `AuditUnavailable` when the event cannot be written (AU-05): the caller's change must not happen."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    ctx = context.get()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    try:
        return _append(
            action=action,
            actor=actor if authenticated else None,
            actor_username=(actor.get_username() if authenticated else username)[:150],
            actor_roles=role_summary(actor)[:255] if authenticated else "",
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:255],
            org_path=org_path,
            before=_normalise(before),
            after=_normalise(after),
            outcome=outcome,
            request_id=ctx.request_id,
            client_ip=ctx.client_ip,
        )
    except AuditUnavailable:
        raise
    except Exception as exc:
        disk_full = is_disk_full(exc)
        if isinstance(exc, OperationalError | InterfaceError) and not disk_full:
            raise  # the database is gone: FLT-02 answers with its own 503
        _alarm(action, exc, disk_full=disk_full)
        raise AuditUnavailable(DISK_FULL_MESSAGE if disk_full else FAILED_MESSAGE, disk_full=disk_full) from exc


def _append(**fields) -> AuditEvent:
    """The audit writer: chain the event to the head and insert it (own savepoint inside the caller's transaction)."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(seq=head.seq + 1, occurred_at=timezone.now().astimezone(UTC), prev_hash=head.hash, **fields)
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass
class Break:
    seq: int
    reason: str

    def __str__(self):
        return f"第 {self.seq} 条：{self.reason}"


def verify(chunk_size: int = 5000, using: str = "default") -> Break | None:
    """Walk the chain in order; return the first broken link, or None when it is intact."""
    expected_seq = 1
    prev = GENESIS
    for event in AuditEvent.objects.using(using).order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return Break(expected_seq, "事件缺失（序号不连续）")
        if event.prev_hash != prev:
            return Break(event.seq, "与上一条事件的链接不符")
        if not crypto.constant_time_equal(compute_hash(event), event.hash):
            return Break(event.seq, "内容被修改（校验值不符）")
        prev = event.hash
        expected_seq += 1
    head = AuditHead.objects.using(using).filter(id=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != prev):
        return Break(last_seq + 1, "链尾事件被删除")
    return None

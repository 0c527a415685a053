"""AU-03: the audit trail shipped in near real time to a separate log server or SIEM, as syslog (RFC 5424).

`DANGJIAN_AUDIT_SYSLOG` names the receiver: `udp://host:514`, `tcp://host:601` or `tls://host:6514` (TCP and TLS
frame each message by octet counting, RFC 6587 / RFC 5425; TLS verifies the server against the system's CA
store, or `DANGJIAN_AUDIT_SYSLOG_CA`). `ship()` sends the events after the last one shipped, in order, and
moves the cursor (`AuditShipment`) only past what was sent: delivery is at least once (a receiver may see an
event twice after a failure, never miss one; `seq` identifies it). `dangjian manage ship_audit --follow`
ships every few seconds; `dangjian serve` starts it beside the web server when the receiver is set.

Each message carries every field of the event: sequence number, its chain hash and the previous one (a
receiver can see a gap or a rewritten row), time, account, roles, source address, event type, object,
organization path, outcome, and the before/after values (already masked) as JSON. Values are escaped as
RFC 5424 requires and the JSON has no raw control characters, so no field can forge another message or
parameter (log injection).
"""

from __future__ import annotations

import json
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from dangjian.core.models import AuditEvent, AuditShipment

FACILITY = 13  # log audit (RFC 5424 table 1)
SEVERITY = {"success": 6, "failure": 4, "denied": 4}  # informational; warning for refused or failed actions
SD_ID = "dangjian@32473"  # 32473: the example enterprise number of RFC 5612 (documentation use)
APP = "dangjian"
SCHEMES = {"udp", "tcp", "tls"}
UDP_MAX = 8192


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int

    def __str__(self):
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_target(value: str) -> Target | None:
    """The receiver of `DANGJIAN_AUDIT_SYSLOG`, None when unset; ValueError (Chinese) when malformed."""
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in SCHEMES or not parts.hostname or not port:
        raise ValueError(f"审计日志接收地址「{value}」无效：应为 udp://主机:端口、tcp://主机:端口 或 tls://主机:端口")
    return Target(parts.scheme, parts.hostname, port)


def configured_target() -> Target | None:
    return parse_target(settings.AUDIT_SYSLOG)


def _sd_value(value) -> str:
    """An SD-PARAM value (RFC 5424 6.3.3): `"`, `\\` and `]` escaped; control characters dropped."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if ch >= " " and ch != "\x7f")
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_token(value: str, default: str = "-") -> str:
    """HOSTNAME / APP-NAME / MSGID: printable US-ASCII without spaces, else `-`."""
    token = "".join(ch for ch in value if "!" <= ch <= "~")
    return token or default


def format_event(event: AuditEvent, hostname: str) -> bytes:
    """One RFC 5424 message for `event` (UTF-8, with the BOM the RFC asks for before a UTF-8 MSG)."""
    pri = FACILITY * 8 + SEVERITY.get(event.outcome, 5)
    stamp = event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    params = {
        "seq": event.seq,
        "hash": event.hash,
        "prev": event.prev_hash,
        "actor": event.actor_username,
        "roles": event.actor_roles,
        "ip": event.client_ip or "",
        "outcome": event.outcome,
        "type": event.object_type,
        "id": event.object_id,
        "object": event.object_repr,
        "org": event.org_path,
        "request": event.request_id,
    }
    sd = "[" + SD_ID + "".join(f' {k}="{_sd_value(v)}"' for k, v in params.items()) + "]"
    body = json.dumps({"before": event.before, "after": event.after}, ensure_ascii=False, cls=DjangoJSONEncoder)
    header = f"<{pri}>1 {stamp} {_header_token(hostname)} {APP} - {_header_token(event.action)} {sd}"
    return header.encode() + b" \xef\xbb\xbf" + body.encode()


class Sender:
    """A connection to the receiver; `send` raises OSError when the message could not be handed over."""

    def __init__(self, target: Target, timeout: float = 5.0):
        self.target = target
        self.timeout = timeout
        self.sock: socket.socket | None = None

    def open(self) -> None:
        t = self.target
        if t.scheme == "udp":
            self.sock = socket.socket(socket.AF_INET6 if ":" in t.host else socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.settimeout(self.timeout)
            self.sock.connect((t.host, t.port))
            return
        sock = socket.create_connection((t.host, t.port), timeout=self.timeout)
        if t.scheme == "tls":
            context = ssl.create_default_context(cafile=settings.AUDIT_SYSLOG_CA or None)
            sock = context.wrap_socket(sock, server_hostname=t.host)
        self.sock = sock

    def send(self, message: bytes) -> None:
        if self.sock is None:
            self.open()
        if self.target.scheme == "udp":
            self.sock.send(message[:UDP_MAX])
        else:
            self.sock.sendall(str(len(message)).encode() + b" " + message)

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


def _cursor() -> AuditShipment:
    cursor, _ = AuditShipment.objects.get_or_create(id=1)
    return cursor


def backlog() -> tuple[AuditShipment, int]:
    """The cursor and how many events wait behind it."""
    cursor = _cursor()
    return cursor, AuditEvent.objects.filter(seq__gt=cursor.shipped_seq).count()


def ship(target: Target | None = None, *, limit: int = 1000, sender: Sender | None = None) -> int:
    """Send up to `limit` events after the cursor, in order; returns how many were sent. On a failure the cursor
    stays after the last event sent and the error is kept on it (the deployment check shows it); OSError is
    raised again for the caller to retry later."""
    target = target or configured_target()
    if target is None:
        return 0
    cursor = _cursor()
    start = cursor.shipped_seq
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq")[:limit])
    if not events:
        return 0
    hostname = socket.gethostname()
    own = sender is None
    sender = sender or Sender(target)
    sent_to = start
    error = ""
    try:
        for event in events:
            sender.send(format_event(event, hostname))
            sent_to = event.seq
    except OSError as exc:
        error = f"{target}：{exc}"[:500]
    finally:
        if own:
            sender.close()
    _advance(start, sent_to, error)
    if error:
        raise OSError(error)
    return len(events)


def ship_all(target: Target | None = None, *, limit: int = 1000) -> int:
    """`ship` in batches of `limit` until nothing waits; returns how many were sent (OSError as `ship`)."""
    total = 0
    while sent := ship(target, limit=limit):
        total += sent
        if sent < limit:
            break
    return total


def _advance(start: int, sent_to: int, error: str) -> None:
    """Move the cursor from `start` to `sent_to` (a short write; no lock is held while sending). If another
    shipper moved it meanwhile, it is left to that one: at worst both sent the same events."""
    now = timezone.now()
    fields = {"last_error": error, "last_error_at": now if error else None}
    if sent_to > start:
        fields.update(shipped_seq=sent_to, shipped_at=now)
    with transaction.atomic():
        AuditShipment.objects.filter(id=1, shipped_seq=start).update(**fields)

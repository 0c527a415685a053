"""Audit archive export (AU-04): events up to a date written as JSON lines that carry their own hash chain.

Each line holds one event with all its fields, including the event's own HMAC-SM3 `hash` and
`prev_hash` from the live chain, plus `archive_prev` and `archive_hash` = SM3(archive_prev ‖ canonical
line). The last line is a trailer with the count and the archive's final hash. Anyone can check the
archive's completeness and order without a key (`verify_archive`); with the audit key the original
HMACs can be checked as well, so an archive cannot be forged even by recomputing its SM3 chain.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, crypto
from dangjian.core.models import AuditEvent

GENESIS = "0" * 64


def _line(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def export(path: Path, *, until=None, actor=None) -> dict:
    """Write events with occurred_at < until (all when None); returns the trailer."""
    path = Path(path)
    events = AuditEvent.objects.order_by("seq")
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    prev = GENESIS
    count = 0
    first = last = None
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as fh:
        for event in events.iterator(chunk_size=2000):
            fields = audit._fields(event) | {"hash": event.hash}
            body = _line(fields)
            digest = crypto.sm3(prev.encode() + body).hex()
            fh.write(_line({"event": fields, "archive_prev": prev, "archive_hash": digest}) + b"\n")
            prev = digest
            count += 1
            first = first or event.seq
            last = event.seq
        trailer = {
            "trailer": True,
            "count": count,
            "first_seq": first,
            "last_seq": last,
            "archive_hash": prev,
            "exported_at": timezone.now().isoformat(),
        }
        fh.write(_line(trailer) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    with transaction.atomic():
        audit.record(
            "audit.archive",
            actor=actor,
            object_type="audit.archive",
            object_repr=path.name,
            after={"count": count, "first_seq": first, "last_seq": last, "archive_hash": prev},
        )
    return trailer


def verify_archive(path: Path, *, check_hmac: bool = True) -> str | None:
    """None when the archive is intact; otherwise a Chinese description of the first problem."""
    prev = GENESIS
    expected_seq = None
    count = 0
    lines = Path(path).read_bytes().splitlines()
    if not lines:
        return "归档文件为空"
    for number, raw in enumerate(lines, start=1):
        try:
            record = json.loads(raw)
        except ValueError:
            return f"第 {number} 行不是有效的 JSON"
        if record.get("trailer"):
            if number != len(lines):
                return "结尾记录之后还有内容"
            if record["count"] != count or record["archive_hash"] != prev:
                return "结尾记录与归档内容不符（记录被删除或追加）"
            return None
        event = record["event"]
        if record["archive_prev"] != prev:
            return f"第 {number} 行与上一行的链接不符"
        if crypto.sm3(prev.encode() + _line(event)).hex() != record["archive_hash"]:
            return f"第 {number} 行内容被修改"
        if expected_seq is not None and event["seq"] != expected_seq:
            return f"第 {number} 行：事件序号不连续"
        if check_hmac:
            fields = {k: v for k, v in event.items() if k != "hash"}
            mac = crypto.hmac_sm3(crypto.provider().key("audit"), audit._canonical(fields)).hex()
            if not crypto.constant_time_equal(mac, event["hash"]):
                return f"第 {number} 行：事件校验值不符"
        prev = record["archive_hash"]
        expected_seq = event["seq"] + 1
        count += 1
    return "缺少结尾记录（归档被截断）"

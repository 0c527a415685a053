"""AU-03: the audit trail shipped to a separate log server as RFC 5424 syslog, at least once, in order, escaped."""

import re
import socket
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.core import audit, audit_ship
from dangjian.core.models import AuditEvent, AuditShipment
from dangjian.security import controls
from dangjian.security.checks import audit_syslog

# <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] BOM MSG
SD_PARAM = rb' \w+="(?:[^"\\\]]|\\.)*"'
MESSAGE = re.compile(
    rb"^<(?P<pri>\d+)>1 (?P<ts>\S+) (?P<host>\S+) dangjian - (?P<msgid>\S+) "
    rb"(?P<sd>\[dangjian@32473(?:" + SD_PARAM + rb")*\]) \xef\xbb\xbf(?P<msg>.*)$",
    re.S,
)


class TcpReceiver:
    """A syslog receiver on 127.0.0.1 reading octet-counted frames (RFC 6587) into `messages`."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.messages: list[bytes] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                while data:
                    length, _, rest = data.partition(b" ")
                    self.messages.append(rest[: int(length)])
                    data = rest[int(length) :]

    def wait_for(self, count, timeout=5.0):
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def close(self):
        self.server.close()


@pytest.fixture
def receiver():
    r = TcpReceiver()
    yield r
    r.close()


def fields(message: bytes) -> dict:
    match = MESSAGE.match(message)
    assert match, message[:300]
    sd = match.group("sd").decode()
    params = {k: re.sub(r"\\(.)", r"\1", v) for k, v in re.findall(r'(\w+)="((?:[^"\\\]]|\\.)*)"', sd)}
    return {"pri": int(match.group("pri")), "msgid": match.group("msgid").decode(), **params, "msg": match.group("msg")}


def test_parse_target():
    assert audit_ship.parse_target("") is None
    assert str(audit_ship.parse_target("tls://log.example.gov.cn:6514")) == "tls://log.example.gov.cn:6514"
    assert audit_ship.parse_target("udp://10.0.0.5:514").scheme == "udp"
    for bad in ("log.example.gov.cn:514", "http://h:80", "tcp://h", "tcp://:514", "tcp://h:99999"):
        with pytest.raises(ValueError, match="审计日志接收地址"):
            audit_ship.parse_target(bad)


def test_every_event_is_shipped_once_in_order_with_all_its_fields(db, settings, receiver):
    settings.AUDIT_SYSLOG = f"tcp://127.0.0.1:{receiver.port}"
    audit.record("org.create", object_type="orgs.org", object_id="7", object_repr="柳树村党支部", org_path="0001",
                 after={"name": "柳树村党支部"})  # fmt: skip
    audit.record("auth.login", username="county_admin", outcome="failure")
    total = AuditEvent.objects.count()
    assert audit_ship.ship() == total
    got = [fields(m) for m in receiver.wait_for(total)]
    events = list(AuditEvent.objects.order_by("seq"))
    assert [int(g["seq"]) for g in got] == [e.seq for e in events]
    assert [(g["hash"], g["prev"]) for g in got] == [(e.hash, e.prev_hash) for e in events]
    org = got[-2]
    assert org["msgid"] == "org.create"
    assert (org["type"], org["id"], org["object"], org["org"]) == ("orgs.org", "7", "柳树村党支部", "0001")
    assert org["pri"] == 13 * 8 + 6  # log audit, informational
    assert '"name": "柳树村党支部"' in org["msg"].decode()
    login = got[-1]
    assert (login["msgid"], login["actor"], login["outcome"], login["pri"]) == ("auth.login", "county_admin",
                                                                             "failure", 13 * 8 + 4)  # fmt: skip
    # nothing new: nothing sent; a new event: only it
    assert audit_ship.ship() == 0
    audit.record("org.update", object_type="orgs.org", object_id="7")
    assert audit_ship.ship() == 1
    assert fields(receiver.wait_for(total + 1)[-1])["msgid"] == "org.update"
    cursor = AuditShipment.objects.get()
    assert cursor.shipped_seq == AuditEvent.objects.order_by("-seq").first().seq
    assert cursor.last_error == ""


def test_values_cannot_forge_a_message_or_a_parameter(db, settings, receiver):
    """Log injection: quotes, brackets, backslashes and newlines in any value stay inside that value."""
    settings.AUDIT_SYSLOG = f"tcp://127.0.0.1:{receiver.port}"
    evil = 'x"] [dangjian@32473 seq="1"]\n<14>1 2026-01-01T00:00:00Z h dangjian - auth.login - 伪造\\'
    audit.record("member.update", object_type="members.member", object_id="9", object_repr=evil, after={"note": evil})
    sent = audit_ship.ship()
    messages = receiver.wait_for(sent)
    assert len(messages) == sent
    last = fields(messages[-1])
    assert last["object"] == evil.replace("\n", "")  # control characters dropped from SD values
    assert last["msgid"] == "member.update"
    assert b"\n" not in messages[-1]  # the JSON body escapes it


def test_a_failed_send_keeps_the_cursor_and_the_next_round_delivers(db, settings, receiver):
    audit.record("org.create", object_type="orgs.org", object_id="1")
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    settings.AUDIT_SYSLOG = f"tcp://127.0.0.1:{port}"
    with pytest.raises(OSError, match=r"tcp://127\.0\.0\.1"):
        audit_ship.ship()
    cursor = AuditShipment.objects.get()
    assert cursor.shipped_seq == 0
    assert f"tcp://127.0.0.1:{port}" in cursor.last_error
    result = {r.title: r for r in controls.run()}["审计记录准实时外送至独立日志服务器"]
    assert result.status == controls.FAIL
    assert "最近一次发送失败" in result.detail
    with pytest.raises(CommandError, match="发送失败"):
        call_command("ship_audit")
    settings.AUDIT_SYSLOG = f"tcp://127.0.0.1:{receiver.port}"
    call_command("ship_audit")
    total = AuditEvent.objects.count()
    assert len(receiver.wait_for(total)) == total
    cursor.refresh_from_db()
    assert cursor.last_error == ""
    result = {r.title: r for r in controls.run()}["审计记录准实时外送至独立日志服务器"]
    assert result.status == controls.PASS


def test_a_partial_failure_resends_from_the_first_event_not_delivered(db, settings):
    settings.AUDIT_SYSLOG = "udp://127.0.0.1:9"
    for i in range(4):
        audit.record("org.create", object_type="orgs.org", object_id=str(i))
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))

    class Flaky(audit_ship.Sender):
        def __init__(self, fail_at):
            super().__init__(audit_ship.configured_target())
            self.fail_at, self.sent = fail_at, []

        def send(self, message):
            if len(self.sent) == self.fail_at:
                raise OSError("connection reset")
            self.sent.append(int(fields(message)["seq"]))

    first = Flaky(fail_at=2)
    with pytest.raises(OSError, match="connection reset"):
        audit_ship.ship(sender=first)
    assert first.sent == seqs[:2]
    assert AuditShipment.objects.get().shipped_seq == seqs[1]
    second = Flaky(fail_at=99)
    assert audit_ship.ship(sender=second) == len(seqs) - 2
    assert second.sent == seqs[2:]


def test_udp_sends_one_datagram_per_event(db, settings):
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(5)
    settings.AUDIT_SYSLOG = f"udp://127.0.0.1:{sink.getsockname()[1]}"
    audit.record("org.create", object_type="orgs.org", object_id="3")
    sent = audit_ship.ship()
    datagrams = [sink.recv(65536) for _ in range(sent)]
    sink.close()
    assert fields(datagrams[-1])["msgid"] == "org.create"


def test_unset_is_a_warning_and_malformed_an_error(db, settings):
    settings.AUDIT_SYSLOG = ""
    result = {r.title: r for r in controls.run()}["审计记录准实时外送至独立日志服务器"]
    assert result.status == controls.WARN
    assert audit_syslog(None) == []
    with pytest.raises(CommandError, match="未设置 DANGJIAN_AUDIT_SYSLOG"):
        call_command("ship_audit")
    settings.AUDIT_SYSLOG = "syslog.example:514"
    assert [e.id for e in audit_syslog(None)] == ["dangjian.P019"]
    result = {r.title: r for r in controls.run()}["审计记录准实时外送至独立日志服务器"]
    assert result.status == controls.FAIL


def test_serve_runs_the_shipper_only_when_a_receiver_is_set(settings, monkeypatch):
    import subprocess

    from dangjian import cli

    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda args, **kw: started.append(args) or "process")
    settings.AUDIT_SYSLOG = ""
    assert cli._start_audit_shipper() is None
    settings.AUDIT_SYSLOG = "tcp://127.0.0.1:601"
    assert cli._start_audit_shipper() == "process"
    assert started[-1][-3:] == ["manage", "ship_audit", "--follow"]

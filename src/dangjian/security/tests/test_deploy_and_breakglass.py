"""`dangjian check --deploy` control report, break-glass access (AC-02), demo accounts refused in production."""

import subprocess
import sys

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.security import breakglass, controls
from dangjian.security.models import BreakGlass
from dangjian.security.testing import audit_unguarded


def _by_title(results):
    return {r.title: r for r in results}


def test_every_control_is_listed_with_a_remedy_when_failing(personas, settings):
    results = controls.run()
    assert len(results) >= 20
    for r in results:
        assert r.status in (controls.PASS, controls.WARN, controls.FAIL)
        assert (r.status == controls.PASS) == (r.remedy == "")
    table = _by_title(results)
    assert table["DEBUG 已关闭"].status == controls.PASS
    assert table["HTTPS、HSTS、安全 Cookie"].status == controls.FAIL  # the test settings run without HTTPS
    assert table["三员分立（无兼任、无业务角色）"].status == controls.PASS
    assert table["审计记录哈希链完整"].status == controls.PASS
    assert table["最近 26 小时内有备份"].status == controls.FAIL
    assert "处理：" in controls.report(results)


def test_demo_accounts_and_demo_mode_fail_the_check(personas, settings):
    personas["party_member"].__class__.objects.filter(username="party_member").update(is_demo=True)
    assert _by_title(controls.run())["没有演示模式和演示账号"].status == controls.FAIL


def test_demo_account_cannot_log_in_outside_demo_mode(client, personas, settings):
    type(personas["party_member"]).objects.filter(username="party_member").update(is_demo=True)
    settings.DEMO_MODE = False
    response = client.post(reverse("accounts:login"), {"username": "party_member", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert "演示账号只能在演示环境中使用" in response.content.decode()
    settings.DEMO_MODE = True
    response = client.post(reverse("accounts:login"), {"username": "party_member", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_a_fresh_backup_and_tampered_chain_are_seen(personas, settings, tmp_path, transactional_db):
    from dangjian.security import backup

    settings.BACKUP_DIR = str(tmp_path)
    backup.backup()
    assert _by_title(controls.run())["最近 26 小时内有备份"].status == controls.PASS
    with audit_unguarded():
        AuditEvent.objects.filter(seq=1).update(object_repr="x")
    assert _by_title(controls.run())["审计记录哈希链完整"].status == controls.FAIL


def test_break_glass_needs_a_reason_and_is_audited(orgs, personas, capsys):
    with pytest.raises(CommandError, match="原因"):
        call_command("break_glass")
    call_command("break_glass", reason="安全管理员手机丢失，需重置双因素认证", hours=1)
    out = capsys.readouterr().out
    assert "一次性密码" in out
    entry = BreakGlass.objects.get()
    assert entry.user.assignments.get().role.code == "security_admin"
    opened = AuditEvent.objects.get(action="account.break_glass.open")
    assert "手机丢失" in opened.after["reason"]
    assert _by_title(controls.run())["没有开启中的应急账号"].status == controls.FAIL
    call_command("break_glass", end=True)
    entry.refresh_from_db()
    assert entry.ended_at is not None
    assert not entry.user.__class__.objects.get(pk=entry.user_id).is_active
    assert AuditEvent.objects.filter(action="account.break_glass.close").exists()


def test_break_glass_account_expires_during_its_session(client, orgs, personas):
    from dangjian.security.testing import login

    user, password, entry = breakglass.open_account(reason="演练应急流程", hours=1)
    login(client, user.username, password)  # second factor required at first login
    start = timezone.now()
    for minutes in range(10, 60, 10):  # active use keeps the session alive until the expiry
        with time_machine.travel(start + timezone.timedelta(minutes=minutes)):
            assert client.get(reverse("accounts:password_change")).status_code == 200
    with time_machine.travel(start + timezone.timedelta(minutes=61)):
        response = client.get(reverse("accounts:password_change"))
        assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.ended_at is not None
    assert AuditEvent.objects.get(action="account.break_glass.close").after == {"why": "到期"}


def test_cli_check_deploy_exits_non_zero_and_lists_controls(tmp_path):
    env = {"DANGJIAN_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-m", "dangjian.cli", "manage", "migrate", "-v", "0"], env=env, check=True, timeout=300
    )
    result = subprocess.run(
        [sys.executable, "-m", "dangjian.cli", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "[未通过] DC-01" in result.stdout
    assert "处理：" in result.stdout
    assert "项未通过" in result.stdout

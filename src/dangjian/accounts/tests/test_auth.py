"""Login, lockout, forced password change, session limits, no default accounts (IA, AC-02)."""

import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.security.testing import login

User = get_user_model()


def test_migrations_create_no_account(db):
    assert User.objects.count() == 0


def test_login_success_and_failure_are_audited(client, personas):
    url = reverse("accounts:login")
    bad = client.post(url, {"username": "county_admin", "password": "wrong-Password1"})
    assert bad.status_code == 200
    assert "账号或密码不正确" in bad.content.decode()
    ok = client.post(url, {"username": "county_admin", "password": DEMO_PASSWORD})
    assert ok.status_code == 302
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert "auth.login_failed" in actions
    assert "auth.login" in actions


def test_login_page_shows_the_system_name_and_nothing_else(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "基层党建工作平台" in html
    assert "组织架构" not in html


def test_credentials_in_the_query_string_are_refused(client, db):
    assert client.get(reverse("accounts:login"), {"username": "a", "password": "b"}).status_code == 405


def test_lockout_after_five_failures(client, personas):
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"username": "county_admin", "password": "wrong-Password1"})
    locked = client.post(url, {"username": "county_admin", "password": DEMO_PASSWORD})
    assert locked.status_code == 403
    assert "锁定" in locked.content.decode()
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31)):
        assert client.post(url, {"username": "county_admin", "password": DEMO_PASSWORD}).status_code == 302


def test_demo_accounts_are_refused_outside_demo_mode(client, personas, settings):
    User.objects.filter(username="county_admin").update(is_demo=True)
    settings.DEMO_MODE = False
    r = client.post(reverse("accounts:login"), {"username": "county_admin", "password": DEMO_PASSWORD})
    assert r.status_code == 200
    assert "演示账号只能在演示环境中使用" in r.content.decode()
    settings.DEMO_MODE = True
    assert (
        client.post(reverse("accounts:login"), {"username": "county_admin", "password": DEMO_PASSWORD}).status_code
        == 302
    )


def test_bootstrap_admin_must_change_the_one_time_password(client, db, capsys):
    call_command("bootstrap_admin", "sysadmin", "--org-code", "R1", "--org-name", "中共某县委员会")
    out = capsys.readouterr().out
    password = out.split("一次性密码：")[1].split()[0]
    user = User.objects.get(username="sysadmin")
    assert user.must_change_password
    assert client.post(reverse("accounts:login"), {"username": "sysadmin", "password": password}).status_code == 302
    # IA-08: an administrator without an authenticator must enrol one before anything else
    assert client.get(reverse("orgs:tree")).url.startswith(reverse("security:enrol"))
    login(client, "sysadmin", password)
    assert client.get(reverse("orgs:tree")).url == reverse("accounts:password_change")
    r = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "Xinmima#2026", "new_password2": "Xinmima#2026"},
    )
    assert r.status_code == 302
    assert client.get(reverse("orgs:tree")).status_code == 200


def test_password_rules(client_as, personas):
    client = client_as("town_secretary")
    url = reverse("accounts:password_change")
    weak = client.post(url, {"old_password": DEMO_PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"})
    assert "至少 3 类" in weak.content.decode()
    assert (
        client.post(
            url, {"old_password": DEMO_PASSWORD, "new_password1": "Second#2026", "new_password2": "Second#2026"}
        ).status_code
        == 302
    )
    back = client.post(
        url, {"old_password": "Second#2026", "new_password1": DEMO_PASSWORD, "new_password2": DEMO_PASSWORD}
    )
    assert "最近 5 次" in back.content.decode()


def test_password_expires_after_90_days(client_as, personas):
    client = client_as("county_admin")
    assert client.get(reverse("orgs:tree")).status_code == 200
    User.objects.filter(username="county_admin").update(
        password_changed_at=timezone.now() - timezone.timedelta(days=91)
    )
    assert client.get(reverse("orgs:tree")).url == reverse("accounts:password_change")


def test_idle_session_expires(client, personas):
    login(client, "county_admin")
    assert client.get(reverse("orgs:tree")).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31)):
        assert client.get(reverse("orgs:tree")).status_code == 302


def test_administrator_idle_limit_is_shorter(client, personas):
    login(client, "auditor")
    assert client.get(reverse("audit:list")).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        assert client.get(reverse("audit:list")).status_code == 302


def test_absolute_session_limit(client, personas):
    login(client, "county_admin")
    start = timezone.now()
    for minutes in range(25, 12 * 60, 25):
        with time_machine.travel(start + timezone.timedelta(minutes=minutes)):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timezone.timedelta(hours=12, minutes=5)):
        assert client.get(reverse("home")).status_code == 302


def test_logout_clears_the_session_server_side(client, personas):
    client.post(reverse("accounts:login"), {"username": "county_admin", "password": DEMO_PASSWORD})
    cookie = client.cookies["sessionid"].value
    assert client.post(reverse("accounts:logout")).status_code == 302
    client.cookies["sessionid"] = cookie
    assert client.get(reverse("home")).status_code == 302

"""IA-08 two-factor login, IA-06 log out everywhere (docs/security.md)."""

import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.models import AuditEvent
from dangjian.demo.personas import DEMO_PASSWORD
from dangjian.security import actions, rules
from dangjian.security.checks import two_factor_policy
from dangjian.security.models import RecoveryCode, SessionIndex, TwoFactorDevice
from dangjian.security.testing import login


def _password_only(client, username):
    assert client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}).status_code == 302


def _enrolled(user):
    device = actions.start_enrolment(user)
    codes = actions.confirm_enrolment(user, actions.current_code(device), actor=user)
    return actions.confirmed_device(user), codes


def test_rules_table():
    table = [
        # roles, enrolled, for_all, expected
        ({"org_admin"}, False, False, True),
        ({"security_admin"}, False, False, True),
        ({"branch_secretary"}, False, False, False),
        ({"branch_secretary"}, True, False, True),
        ({"member"}, False, True, True),
        (set(), False, False, False),
    ]
    for roles, enrolled, for_all, expected in table:
        assert (
            rules.two_factor_required(
                roles, enrolled=enrolled, required_roles=rules.ADMIN_ROLES, required_for_all=for_all
            )
            is expected
        )
    assert rules.demo_exempt(demo_mode=True, is_demo_account=True)
    assert not rules.demo_exempt(demo_mode=False, is_demo_account=True)
    assert not rules.demo_exempt(demo_mode=True, is_demo_account=False)


def test_administrator_without_authenticator_must_enrol_first(client, personas):
    _password_only(client, "security_admin")
    for name in ("home", "accounts:user_list", "accounts:profile", "accounts:password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("security:enrol"))
    assert client.get("/api/v1/orgs/").status_code == 403
    page = client.get(reverse("security:enrol"))
    assert page.status_code == 200
    assert b"<svg" in page.content


def test_enrolment_stores_the_seed_encrypted_and_shows_recovery_codes_once(client, personas):
    user = personas["county_admin"]
    _password_only(client, "county_admin")
    client.get(reverse("security:enrol"))
    device = TwoFactorDevice.objects.get(user=user)
    secret = actions.secret_b32(device)
    assert secret not in device.seed
    assert bytes.hex(actions._seed(device)) not in device.seed
    assert device.seed.startswith("sm4gcm:")
    bad = client.post(
        reverse("security:enrol"), {"code": "000000" if actions.current_code(device) != "000000" else "111111"}
    )
    assert bad.status_code == 400
    ok = client.post(reverse("security:enrol"), {"code": actions.current_code(device)})
    assert ok.status_code == 200
    codes = ok.context["codes"]
    assert len(codes) == 10
    assert not RecoveryCode.objects.filter(digest__in=codes).exists()  # only digests are stored
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("security:enrol")).status_code == 302  # never shown again
    assert AuditEvent.objects.filter(action="account.2fa.enrol", object_id=str(user.pk)).exists()


def test_password_only_session_reaches_only_the_code_page(client, personas):
    _enrolled(personas["auditor"])
    _password_only(client, "auditor")
    response = client.get(reverse("audit:list"))
    assert response.url.startswith(reverse("security:verify"))
    assert client.get(reverse("security:verify")).status_code == 200


def test_code_is_single_use_and_recovery_code_works_once(personas):
    user = personas["county_admin"]
    device, codes = _enrolled(user)
    start = timezone.now() + timezone.timedelta(seconds=90)
    with time_machine.travel(start, tick=False):
        code = actions.current_code(device)
        assert actions.verify(user, code)
        assert not actions.verify(user, code)  # replay refused
    assert actions.verify(user, codes[0])
    assert not actions.verify(user, codes[0])
    events = list(AuditEvent.objects.values_list("action", flat=True))
    assert events.count("auth.2fa") == 2
    assert "auth.2fa_failed" in events


def test_five_wrong_codes_lock_the_second_factor(personas):
    user = personas["county_admin"]
    device, _codes = _enrolled(user)
    later = timezone.now() + timezone.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        wrong = "123456" if actions.current_code(device) != "123456" else "654321"
        for _ in range(5):
            assert not actions.verify(user, wrong)
        assert not actions.verify(user, actions.current_code(device))  # locked even with the right code
    assert AuditEvent.objects.filter(action="auth.2fa_locked").count() == 1
    with time_machine.travel(later + timezone.timedelta(minutes=31), tick=False):
        assert actions.verify(user, actions.current_code(device))


def test_login_with_second_factor_through_the_pages(client, personas):
    login(client, "county_admin")  # enrols
    client.post(reverse("accounts:logout"))
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        login(client, "county_admin")  # verifies
        assert client.get(reverse("orgs:tree")).status_code == 200


def test_business_roles_are_not_forced_but_may_opt_in(client, personas, settings):
    _password_only(client, "village_secretary")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("accounts:logout"))
    _enrolled(personas["village_secretary"])
    _password_only(client, "village_secretary")
    assert client.get(reverse("home")).url.startswith(reverse("security:verify"))
    settings.TWO_FACTOR_REQUIRED_FOR_ALL = True
    assert actions.needs_two_factor(personas["party_member"])


def test_demo_accounts_skip_the_second_factor_only_in_demo_mode(personas, settings):
    user = personas["county_admin"]
    user.is_demo = True
    settings.DEMO_MODE = True
    assert not actions.needs_two_factor(user)
    settings.DEMO_MODE = False
    assert actions.needs_two_factor(user)


def test_security_administrator_resets_a_lost_authenticator(client_as, personas):
    target = personas["county_admin"]
    _enrolled(target)
    other = Client()
    other.force_login(target)
    url = reverse("security:reset_2fa", args=[target.pk])
    assert client_as("system_admin").post(url).status_code == 403
    assert TwoFactorDevice.objects.filter(user=target).exists()
    response = client_as("security_admin").post(url)
    assert response.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=target).exists()
    assert not RecoveryCode.objects.filter(user=target).exists()
    assert other.get(reverse("home")).status_code == 302  # its sessions ended
    event = AuditEvent.objects.get(action="account.2fa.reset")
    assert event.actor_username == "security_admin"
    assert audit.verify() is None


def test_log_out_everywhere_uses_the_session_index(client_as, personas):
    user = personas["village_secretary"]
    phone, desk = Client(), Client()
    phone.force_login(user)
    desk.force_login(user)
    assert SessionIndex.objects.filter(user=user).count() == 2
    response = desk.post(reverse("security:account"), {"op": "logout_all"})
    assert response.status_code == 302
    assert phone.get(reverse("home")).status_code == 302
    assert not SessionIndex.objects.filter(user=user).exists()
    assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()
    assert AuditEvent.objects.filter(action="auth.logout_everywhere").exists()


def test_password_change_keeps_the_index_current(client, personas):
    from dangjian.accounts.actions import end_sessions

    user = personas["village_secretary"]
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": "Xinmima#2026q", "new_password2": "Xinmima#2026q"},
    )
    assert response.status_code == 302
    assert SessionIndex.objects.filter(user=user, session_key=client.session.session_key).exists()
    end_sessions(user)
    assert client.get(reverse("home")).status_code == 302


def test_system_check_requires_2fa_for_every_administrator_role(settings):
    assert two_factor_policy(None) == []
    settings.TWO_FACTOR_REQUIRED_ROLES = ["system_admin"]
    assert [e.id for e in two_factor_policy(None)] == ["dangjian.P013"]

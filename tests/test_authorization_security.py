"""Authorization matrix for the security pages: without permission 403, in scope 200/302, out of scope
404, and refused requests change nothing."""

import pytest
from django.urls import reverse

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role
from dangjian.security import actions
from dangjian.security.models import SecurityAlert, TwoFactorDevice


def _enrol(user):
    device = actions.start_enrolment(user)
    actions.confirm_enrolment(user, actions.current_code(device), actor=user)


@pytest.fixture
def town_security(orgs, personas):
    """A security administrator whose scope is 东山镇 only, and an account placed in 西河镇."""
    admin, _ = account_actions.create_user("town_security", actor=None, password="Anquan#2026x")
    account_actions.assign_role(admin, Role.objects.get(code="security_admin"), orgs["town"], actor=None)
    outsider, _ = account_actions.create_user("town2_secretary", actor=None, password="Shuji#2026xx")
    account_actions.assign_role(outsider, Role.objects.get(code="branch_secretary"), orgs["village3"], actor=None)
    return admin, outsider


@pytest.mark.parametrize("username", ["village_secretary", "county_admin", "auditor", "system_admin", "party_member"])
def test_reset_2fa_needs_the_permission(client_as, personas, username):
    target = personas["town_secretary"]
    _enrol(target)
    response = client_as(username).post(reverse("security:reset_2fa", args=[target.pk]))
    assert response.status_code == 403
    assert TwoFactorDevice.objects.filter(user=target).exists()


def test_reset_2fa_in_scope_and_out_of_scope(client, town_security, personas):
    admin, outsider = town_security
    inside = personas["village_secretary"]
    _enrol(inside)
    _enrol(outsider)
    client.force_login(admin)
    assert client.post(reverse("security:reset_2fa", args=[inside.pk])).status_code == 302
    assert not TwoFactorDevice.objects.filter(user=inside).exists()
    assert client.post(reverse("security:reset_2fa", args=[outsider.pk])).status_code == 404
    assert TwoFactorDevice.objects.filter(user=outsider).exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [("security_admin", 200), ("auditor", 200), ("system_admin", 403), ("county_admin", 403), ("party_member", 403)],
)
def test_alerts_page(client_as, personas, username, status):
    alert = actions.raise_alert("other", "测试告警")
    client = client_as(username)
    assert client.get(reverse("security:alerts")).status_code == status
    client.post(reverse("security:alerts"), {"alert": alert.pk})
    assert (SecurityAlert.objects.get().resolved_at is not None) == (status == 200)


@pytest.mark.parametrize("username", ["party_member", "village_secretary", "auditor"])
def test_own_security_page_for_everyone(client_as, personas, username):
    assert client_as(username).get(reverse("security:account")).status_code == 200

"""Account administration pages: who may do what, and the separation of duties."""

from django.urls import reverse

from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.core.models import AuditEvent


def test_system_admin_creates_an_account_with_a_one_time_password(client_as, personas):
    client = client_as("system_admin")
    r = client.post(reverse("accounts:user_create"), {"username": "new_secretary", "display_name": "新书记"})
    assert r.status_code == 200
    assert "一次性密码" in r.content.decode()
    user = User.objects.get(username="new_secretary")
    assert user.must_change_password
    assert AuditEvent.objects.filter(action="account.create", object_id=str(user.pk)).exists()


def test_security_admin_grants_and_revokes_roles(client_as, personas, orgs):
    client = client_as("security_admin")
    member = personas["party_member"]
    url = reverse("accounts:user_detail", args=[member.pk])
    role = Role.objects.get(code="organizing_member")
    r = client.post(url, {"op": "assign", "role": role.pk, "org": orgs["village"].pk})
    assert r.status_code == 302
    assignment = RoleAssignment.objects.get(user=member, role=role)
    client.post(url, {"op": "revoke", "assignment": assignment.pk})
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_security_admin_cannot_create_accounts_and_system_admin_cannot_grant(client_as, personas, orgs):
    assert client_as("security_admin").get(reverse("accounts:user_create")).status_code == 403
    client = client_as("system_admin")
    member = personas["party_member"]
    client.post(
        reverse("accounts:user_detail", args=[member.pk]),
        {"op": "assign", "role": Role.objects.get(code="org_admin").pk, "org": orgs["county"].pk},
    )
    assert not RoleAssignment.objects.filter(user=member, role__code="org_admin").exists()


def test_business_roles_see_no_account_pages(client_as, personas):
    for username in ("county_admin", "village_secretary", "auditor"):
        assert client_as(username).get(reverse("accounts:user_list")).status_code == 403


def test_disabling_an_account_ends_its_sessions(client, client_as, personas):
    from django.test import Client

    victim = Client()
    victim.force_login(personas["town_secretary"])
    assert victim.get(reverse("orgs:tree")).status_code == 200
    admin = client_as("system_admin")
    admin.post(reverse("accounts:user_detail", args=[personas["town_secretary"].pk]), {"op": "disable"})
    assert victim.get(reverse("orgs:tree")).status_code == 302
    assert AuditEvent.objects.filter(action="account.disable").exists()


def test_reset_password_forces_a_change(client_as, personas):
    r = client_as("system_admin").post(
        reverse("accounts:user_detail", args=[personas["party_member"].pk]), {"op": "reset"}
    )
    assert "一次性密码" in r.content.decode()
    assert User.objects.get(username="party_member").must_change_password


def test_unlock_lifts_a_lockout(client, client_as, personas):
    from dangjian.demo.personas import DEMO_PASSWORD

    login = reverse("accounts:login")
    for _ in range(5):
        client.post(login, {"username": "party_member", "password": "Wrong#Pass1"})
    assert client.post(login, {"username": "party_member", "password": DEMO_PASSWORD}).status_code == 403
    client_as("security_admin").post(
        reverse("accounts:user_detail", args=[personas["party_member"].pk]), {"op": "unlock"}
    )
    client.logout()
    assert client.post(login, {"username": "party_member", "password": DEMO_PASSWORD}).status_code == 302

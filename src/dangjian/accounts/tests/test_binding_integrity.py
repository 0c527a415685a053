"""AC-12 / CRY-06: each role binding carries an HMAC-SM3; a row changed in the database grants nothing and the
alarm (audit event plus a security alert to the security and audit administrators) goes off once per row."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from dangjian.accounts import bindings
from dangjian.accounts.models import RoleAssignment
from dangjian.core.audit import verify
from dangjian.core.errors import OutOfScope
from dangjian.core.models import AuditEvent
from dangjian.core.scope import has_permission, scope_paths
from dangjian.security import alerts, controls
from dangjian.security.models import AlertKind, SecurityAlert


def _sql(statement: str, *params) -> None:
    """Change a row behind the application's back, as someone with database access would."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_every_grant_writes_a_verifying_mac(personas):
    rows = RoleAssignment.objects.select_related("role")
    assert rows.count() == len(personas)
    for row in rows:
        assert len(row.mac) == 64
        assert row.mac == bindings.mac_of(row)
    assert bindings.broken_rows() == []


def test_mac_covers_each_granting_field():
    base = bindings.binding_mac(1, 2, "org_admin", 3, "")
    assert base == bindings.binding_mac(1, 2, "org_admin", 3, "")
    for changed in [(9, 2, "org_admin", 3, ""), (1, 9, "org_admin", 3, ""), (1, 2, "member", 3, ""),
                    (1, 2, "org_admin", 9, ""), (1, 2, "org_admin", 3, "security")]:  # fmt: skip
        assert bindings.binding_mac(*changed) != base


@pytest.mark.parametrize(
    ("column", "target"),
    [("org_id", "root"), ("role_id", "security_admin_role")],
)
def test_a_binding_updated_in_the_database_grants_nothing_and_raises_the_alarm(orgs, personas, client, column, target):
    user = personas["village_secretary"]
    assignment = RoleAssignment.objects.get(user=user)
    value = (
        orgs["county"].pk if target == "root" else RoleAssignment.objects.get(user=personas["security_admin"]).role_id
    )
    assert scope_paths(_fresh(user), "members.view_member") == [orgs["village"].path]
    client.force_login(user)
    assert client.get(reverse("members:list")).status_code == 200

    _sql(f"UPDATE accounts_roleassignment SET {column} = %s WHERE id = %s", value, assignment.pk)

    fresh = _fresh(user)
    assert not has_permission(fresh, "members.view_member")
    assert not has_permission(fresh, "accounts.assign_role")
    assert client.get(reverse("members:list")).status_code == 403  # access denied
    event = AuditEvent.objects.get(action="account.role.integrity")
    assert event.object_id == str(assignment.pk)
    assert event.outcome == "failure"
    assert event.after[column.removesuffix("_id") + "_id"] == value
    alert = SecurityAlert.objects.get(kind=AlertKind.ROLE_BINDING)
    assert str(assignment.pk) in alert.message
    assert AuditEvent.objects.filter(action="security.alert").count() == 1
    # once per broken row, not per request (nor per process: the stored alert is found too)
    client.get(reverse("members:list"))
    bindings._alarmed.clear()
    client.get(reverse("home"))
    assert SecurityAlert.objects.filter(kind=AlertKind.ROLE_BINDING).count() == 1
    assert AuditEvent.objects.filter(action="account.role.integrity").count() == 1
    assert verify() is None
    # the administrators see it as a to-do, and the deployment check fails on it
    client.force_login(personas["security_admin"])
    assert "角色授权校验失败" in client.get(reverse("todos")).content.decode()
    check = {r.title: r for r in controls.run()}["角色授权完整性（HMAC-SM3）"]
    assert check.status == controls.FAIL
    assert str(assignment.pk) in check.detail


def test_a_copied_or_removed_mac_does_not_help(orgs, personas):
    """Copying the security administrator's MAC onto another row, or clearing it, verifies no better."""
    mine = RoleAssignment.objects.get(user=personas["party_member"])
    theirs = RoleAssignment.objects.get(user=personas["security_admin"])
    _sql(
        "UPDATE accounts_roleassignment SET role_id = %s, org_id = %s, mac = %s WHERE id = %s",
        theirs.role_id, theirs.org_id, theirs.mac, mine.pk,
    )  # fmt: skip
    assert not has_permission(_fresh(personas["party_member"]), "accounts.assign_role")
    _sql("UPDATE accounts_roleassignment SET mac = '' WHERE id = %s", mine.pk)
    assert scope_paths(_fresh(personas["party_member"]), "orgs.view_org") == []
    # the same row with the same granting fields: still the one alert
    assert SecurityAlert.objects.filter(kind=AlertKind.ROLE_BINDING).count() == 1


def test_a_broken_binding_seen_inside_a_rolled_back_transaction_still_raises_the_alarm(orgs, personas):
    """A refusal caused by the broken row rolls the action's transaction back; the alarm is kept and written
    after it (`security.alerts.flush`, called when the request's response leaves)."""
    user = personas["town_secretary"]
    assignment = RoleAssignment.objects.get(user=user)
    _sql("UPDATE accounts_roleassignment SET org_id = %s WHERE id = %s", orgs["county"].pk, assignment.pk)

    def refused_action():
        with transaction.atomic():
            if not scope_paths(_fresh(user), "orgs.add_org"):
                raise OutOfScope()

    with pytest.raises(OutOfScope):
        refused_action()
    assert not SecurityAlert.objects.exists()
    alerts.flush()
    assert SecurityAlert.objects.filter(kind=AlertKind.ROLE_BINDING).count() == 1
    assert AuditEvent.objects.filter(action="account.role.integrity").count() == 1


def test_intact_bindings_raise_nothing(personas, client_as):
    assert client_as("county_admin").get(reverse("members:list")).status_code == 200
    assert not SecurityAlert.objects.exists()
    assert {r.title: r for r in controls.run()}["角色授权完整性（HMAC-SM3）"].status == controls.PASS

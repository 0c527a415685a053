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


# ------------------------------------------------------------------ rotating the rolebind key


@pytest.fixture
def new_rolebind_key(monkeypatch):
    """Replace the `rolebind` key as an operator would (the environment wins over the key file); the old key is
    returned. The provider reads a key once per process, so its memo and the verdicts are cleared around it."""
    from dangjian.core import crypto

    old = crypto.provider().key(bindings.KEY_PURPOSE)
    monkeypatch.setenv("DANGJIAN_KEY_ROLEBIND", "ab" * 32)
    crypto.provider()._cache.pop(bindings.KEY_PURPOSE, None)
    bindings._verdict.cache_clear()
    yield old
    crypto.provider()._cache.pop(bindings.KEY_PURPOSE, None)
    bindings._verdict.cache_clear()


def test_after_a_key_change_bindings_grant_nothing_until_rekeyed(orgs, personas, new_rolebind_key, tmp_path):
    from django.core.management import call_command

    user = personas["village_secretary"]
    assert sorted(bindings.broken_rows()) == sorted(RoleAssignment.objects.values_list("pk", flat=True))
    assert scope_paths(_fresh(user), "members.view_member") == []

    key_file = tmp_path / "rolebind.old"
    key_file.write_text(new_rolebind_key.hex())
    call_command("rekey_role_bindings", "--old-key-file", str(key_file), "--dry-run")
    assert bindings.broken_rows()  # a dry run writes nothing

    call_command("rekey_role_bindings", "--old-key-file", str(key_file))
    assert bindings.broken_rows() == []
    assert scope_paths(_fresh(user), "members.view_member") == [orgs["village"].path]
    event = AuditEvent.objects.get(action="account.role.rekey")
    assert event.after == {"rekeyed": len(personas), "current": 0, "broken": []}

    again = bindings.rekey(new_rolebind_key)  # running it again changes nothing
    assert (again.rekeyed, again.current, again.broken) == (0, len(personas), [])
    assert verify() is None


def test_rekeying_does_not_launder_a_row_changed_in_the_database(orgs, personas, new_rolebind_key, tmp_path):
    from django.core.management import CommandError, call_command

    assignment = RoleAssignment.objects.get(user=personas["village_secretary"])
    _sql("UPDATE accounts_roleassignment SET org_id = %s WHERE id = %s", orgs["county"].pk, assignment.pk)
    key_file = tmp_path / "rolebind.old"
    key_file.write_text(new_rolebind_key.hex())

    with pytest.raises(CommandError, match=f"新旧密钥都核对不上.*{assignment.pk}"):
        call_command("rekey_role_bindings", "--old-key-file", str(key_file))
    assert bindings.broken_rows() == [assignment.pk]
    assert scope_paths(_fresh(personas["village_secretary"]), "members.view_member") == []
    alerts.flush()
    assert SecurityAlert.objects.filter(kind=AlertKind.ROLE_BINDING, message__contains=str(assignment.pk)).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("not hex", "不是十六进制"), ("abcd", "不足 16 字节"), (None, "无法读取旧密钥文件")],
)
def test_rekey_refuses_a_bad_old_key_file(personas, tmp_path, content, message):
    from django.core.management import CommandError, call_command

    key_file = tmp_path / "rolebind.old"
    if content is not None:
        key_file.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("rekey_role_bindings", "--old-key-file", str(key_file))


def test_rekey_refuses_the_current_key_as_the_old_one(personas, tmp_path):
    from django.core.management import CommandError, call_command

    from dangjian.core import crypto

    key_file = tmp_path / "rolebind.old"
    key_file.write_text(crypto.provider().key(bindings.KEY_PURPOSE).hex())
    with pytest.raises(CommandError, match="旧密钥与当前密钥相同"):
        call_command("rekey_role_bindings", "--old-key-file", str(key_file))


# ------------------------------------------------------------------ the built-in roles' definitions


def test_a_builtin_role_changed_in_the_database_grants_nothing_and_raises_the_alarm(orgs, personas):
    from dangjian.accounts.models import Role
    from dangjian.accounts.roles import sync_builtin_roles

    user = personas["village_secretary"]
    assignment = RoleAssignment.objects.select_related("role").get(user=user)
    role = assignment.role
    assert scope_paths(_fresh(user), "members.view_member") == [orgs["village"].path]
    assert not has_permission(_fresh(user), "accounts.reset_2fa")

    # someone with database access gives the village secretaries' role a security administrator's permission
    Role.objects.filter(pk=role.pk).update(permissions=[*role.permissions, "accounts.reset_2fa"])
    assert not has_permission(_fresh(user), "accounts.reset_2fa")
    assert scope_paths(_fresh(user), "members.view_member") == []
    assert bindings.broken_rows() == [assignment.pk]
    alerts.flush()
    alert = SecurityAlert.objects.get(kind=AlertKind.ROLE_BINDING)
    assert f"角色「{role.code}」的权限与系统内置定义不符" in alert.message
    event = AuditEvent.objects.get(action="account.role.integrity")
    assert event.object_id == str(assignment.pk)
    assert event.after["role_changed"] is True

    sync_builtin_roles(Role)  # what every migrate does
    assert scope_paths(_fresh(user), "members.view_member") == [orgs["village"].path]
    assert bindings.broken_rows() == []


def test_a_builtin_role_losing_a_permission_is_caught_as_well(orgs, personas):
    from dangjian.accounts.models import Role

    user = personas["village_secretary"]
    role = RoleAssignment.objects.select_related("role").get(user=user).role
    Role.objects.filter(pk=role.pk).update(permissions=[p for p in role.permissions if p != "members.view_member"])
    assert scope_paths(_fresh(user), "orgs.view_org") == []


def test_roles_that_are_not_built_in_are_bound_only_through_the_application(orgs, personas):
    """A role created for a deployment's own needs (here: by a test) is not compared with the code; pointing a
    binding at it behind the application's back fails the binding's MAC (role id and code are covered)."""
    from dangjian.accounts.models import Role

    custom = Role.objects.create(code="custom_reader", name="只读", permissions=["orgs.view_org", "accounts.reset_2fa"])
    assignment = RoleAssignment.objects.get(user=personas["village_secretary"])
    _sql("UPDATE accounts_roleassignment SET role_id = %s WHERE id = %s", custom.pk, assignment.pk)
    assert not has_permission(_fresh(personas["village_secretary"]), "accounts.reset_2fa")
    assert bindings.broken_rows() == [assignment.pk]

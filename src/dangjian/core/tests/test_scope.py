"""The scope choke point: subtree visibility per role, permission vs scope, immediate revocation."""

import pytest

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role, RoleAssignment
from dangjian.core.models import AuditEvent
from dangjian.core.scope import ScopeError, forget_grants, has_permission, restrict
from dangjian.orgs.models import Org


def visible_keys(orgs, user, action="view"):
    ids = set(restrict(Org.objects.all(), user, action).values_list("id", flat=True))
    return {k for k, o in orgs.items() if o.pk in ids}


def test_county_admin_sees_the_whole_county(orgs, personas):
    assert visible_keys(orgs, personas["county_admin"]) == set(orgs)


def test_town_secretary_sees_the_town_subtree(orgs, personas):
    assert visible_keys(orgs, personas["town_secretary"]) == {"town", "village", "village2", "general", "general_1"}


def test_village_secretary_sees_only_the_branch(orgs, personas):
    assert visible_keys(orgs, personas["village_secretary"]) == {"village"}
    assert visible_keys(orgs, personas["village_secretary"], "move") == set()


def test_user_without_roles_sees_nothing(orgs, nobody):
    assert visible_keys(orgs, nobody) == set()
    assert not has_permission(nobody, "orgs.view_org")


def test_administrator_duties_hold_no_business_permission_they_were_not_given(orgs, personas):
    assert visible_keys(orgs, personas["auditor"]) == set()
    # The security administrator reads the tree (to place roles) but may not change it.
    assert visible_keys(orgs, personas["security_admin"]) == set(orgs)
    assert visible_keys(orgs, personas["security_admin"], "change") == set()


def test_revoking_a_role_takes_effect_at_once(orgs, personas):
    user = personas["town_secretary"]
    assert visible_keys(orgs, user)
    assignment = RoleAssignment.objects.get(user=user)
    account_actions.revoke_role(assignment, actor=None)
    forget_grants(user)
    assert visible_keys(orgs, user) == set()


def test_inactive_user_sees_nothing(orgs, personas):
    user = personas["county_admin"]
    user.is_active = False
    forget_grants(user)
    assert visible_keys(orgs, user) == set()


def test_models_without_scope_path_refuse_to_be_restricted(personas):
    with pytest.raises(ScopeError):
        restrict(Role.objects.all(), personas["county_admin"])


def test_audit_admin_sees_events_of_the_subtree_and_unplaced_ones(orgs, personas):
    from dangjian.core import audit

    audit.record("test.unplaced", object_repr="登录")
    audit.record("test.placed", object_repr="村", org_path=orgs["village"].path)
    seen = set(restrict(AuditEvent.objects.all(), personas["auditor"]).values_list("action", flat=True))
    assert {"test.unplaced", "test.placed"} <= seen
    assert not restrict(AuditEvent.objects.all(), personas["county_admin"]).exists()


def test_dissolved_assignment_org_grants_nothing(orgs, personas):
    Org.objects.filter(pk=orgs["village"].pk).update(dissolved_on="2020-01-01")
    user = personas["village_secretary"]
    forget_grants(user)
    assert visible_keys(orgs, user) == set()

"""Test helpers: an account holding the dues permissions on one subtree (the built-in roles do not yet)."""

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role

DUES_PERMISSIONS = ["dues.view_bill", "dues.change_bill", "orgs.view_org", "members.view_member"]
VIEW_ONLY = ["dues.view_bill", "orgs.view_org", "members.view_member"]


def dues_user(orgs, username: str = "dues_clerk", *, on: str = "town", permissions=None):
    """A user holding a test-local role with `permissions` (default: view and change bills) on `orgs[on]`."""
    permissions = list(permissions or DUES_PERMISSIONS)
    code = "dues_test_" + ("rw" if "dues.change_bill" in permissions else "ro")
    role, _ = Role.objects.get_or_create(code=code, defaults={"name": f"党费测试{code}", "permissions": permissions})
    user, _ = account_actions.create_user(username, actor=None, password="Dues#Clerk2026x")
    account_actions.assign_role(user, role, orgs[on], actor=None)
    return user

"""Fixtures of the points tests: a points clerk and a branch approver on 东山镇, the base-60 template adopted
by the county from 2026-01-01."""

from datetime import date

import pytest

from dangjian.accounts import actions as account_actions
from dangjian.accounts.models import Role
from dangjian.points import actions

ALL = [
    "points.view_pointentry", "points.change_pointentry", "points.approve_pointentry", "points.view_pointruleset",
    "points.change_pointruleset", "orgs.view_org", "members.view_member",
]  # fmt: skip
VIEW_ONLY = ["points.view_pointentry", "points.view_pointruleset", "orgs.view_org", "members.view_member"]


def points_user(orgs, username, *, on="town", permissions=ALL):
    code = f"points_test_{len(permissions)}"
    role, _ = Role.objects.get_or_create(code=code, defaults={"name": code, "permissions": list(permissions)})
    user, _ = account_actions.create_user(username, actor=None, password="Points#Clerk2026x")
    account_actions.assign_role(user, role, orgs[on], actor=None)
    return user


@pytest.fixture
def clerk(orgs):
    return points_user(orgs, "points_clerk")


@pytest.fixture
def approver(orgs):
    return points_user(orgs, "points_approver")


@pytest.fixture
def viewer(orgs):
    return points_user(orgs, "points_viewer", permissions=VIEW_ONLY)


@pytest.fixture
def rule_set(orgs):
    return actions.create_rule_set(orgs["county"], actor=None, template="base60", effective_from=date(2026, 1, 1))

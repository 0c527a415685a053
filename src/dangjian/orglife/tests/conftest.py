"""Fixtures of the orglife tests: until the built-in roles carry the orglife permissions, a test role
with them (and the org and roster read permissions) is assigned on 东山镇 or on the county."""

import pytest

PERMISSIONS = ["orglife.view_meeting", "orglife.change_meeting", "orgs.view_org", "members.view_member"]


@pytest.fixture
def orglife_role(db):
    from dangjian.accounts.models import Role

    return Role.objects.create(code="test_orglife", name="测试", permissions=PERMISSIONS)


@pytest.fixture
def orglife_user(orgs, orglife_role):
    """make("name", "town") → a user holding the test role on that org."""
    from dangjian.accounts import actions

    def make(username: str, org_key: str = "town"):
        user, _ = actions.create_user(username, actor=None, password="Orglife#2026x")
        actions.assign_role(user, orglife_role, orgs[org_key], actor=None)
        return user

    return make


@pytest.fixture
def town_officer(orglife_user):
    """Holds the orglife permissions on 东山镇 (柳树村, 杨庄村 and 石桥村 in scope)."""
    return orglife_user("town_officer", "town")


@pytest.fixture
def village_officer(orglife_user):
    """Holds the orglife permissions on 柳树村党支部 only."""
    return orglife_user("village_officer", "village")


@pytest.fixture
def county_officer(orglife_user):
    return orglife_user("county_officer", "county")

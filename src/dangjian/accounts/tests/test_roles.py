"""Roles as data, 三员分立 and the grant rules (AC-06, AC-07)."""

import pytest
from django.db import IntegrityError, transaction

from dangjian.accounts import actions
from dangjian.accounts.models import Role, RoleAssignment
from dangjian.core.errors import OutOfScope, RuleViolation


def test_builtin_roles_exist(db):
    codes = set(Role.objects.values_list("code", flat=True))
    assert {
        "org_admin",
        "committee_secretary",
        "branch_secretary",
        "organizing_member",
        "member",
        "system_admin",
        "security_admin",
        "audit_admin",
    } <= codes


def test_no_account_holds_two_administrator_duties(orgs, personas):
    with pytest.raises(RuleViolation, match="三员"):
        actions.assign_role(personas["auditor"], Role.objects.get(code="security_admin"), orgs["county"], actor=None)


def test_database_refuses_a_second_duty_too(orgs, personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(
            user=personas["auditor"],
            role=Role.objects.get(code="system_admin"),
            org=orgs["county"],
            separation="system",
        )


def test_administrator_cannot_hold_business_roles(orgs, personas):
    with pytest.raises(RuleViolation, match="业务角色"):
        actions.assign_role(personas["auditor"], Role.objects.get(code="org_admin"), orgs["county"], actor=None)


def test_only_the_security_administrator_grants_roles(orgs, personas):
    role = Role.objects.get(code="branch_secretary")
    with pytest.raises(OutOfScope):
        actions.assign_role(personas["party_member"], role, orgs["village"], actor=personas["county_admin"])
    actions.assign_role(personas["party_member"], role, orgs["village"], actor=personas["security_admin"])
    assert RoleAssignment.objects.filter(user=personas["party_member"], role=role).exists()


def test_nobody_grants_themselves_a_role(orgs, personas):
    with pytest.raises(RuleViolation):
        actions.assign_role(
            personas["security_admin"],
            Role.objects.get(code="member"),
            orgs["village"],
            actor=personas["security_admin"],
        )


def test_usernames_are_unique_ignoring_case(db):
    actions.create_user("Admin1", actor=None, password="Abcdef#2026")
    with pytest.raises(RuleViolation, match="已存在"):
        actions.create_user("admin1", actor=None, password="Abcdef#2026")

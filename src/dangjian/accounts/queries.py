"""Read side of accounts: which permissions a user holds where.

AC-12: every load of bindings that decides what a user may do verifies each row's MAC (`accounts.bindings`); the
grants are also checked against the code's definition of each built-in role. A row that fails either check is
left out (it grants nothing) and raises the alarm.
"""

from collections import defaultdict

from dangjian.accounts import bindings
from dangjian.accounts.models import RoleAssignment
from dangjian.core.sql import Precompiled

# Read on every request (core.scope.grants): compiled to SQL once per process, run with the user's id; each row
# carries the binding's MAC columns (bindings.FIELDS) and is verified before it grants anything.
_GRANT_ROWS = Precompiled(
    lambda user_id: RoleAssignment.objects.filter(user_id=user_id, org__dissolved_on__isnull=True).values_list(
        *bindings.FIELDS, "role__permissions", "org__path"
    ),
    -8_301_001,
)

_N = len(bindings.FIELDS)


def assignment_paths_by_permission(user) -> dict[str, list[str]]:
    """Permission code → org paths of the user's assignments granting it (orgs not yet dissolved).

    Read from the database on every call (the statement is compiled once, its rows are always live)."""
    result: dict[str, list[str]] = defaultdict(list)
    for row in bindings.with_intact_roles(bindings.verified(_GRANT_ROWS.rows(user.pk)), permissions_at=_N):
        permissions, path = row[_N:]
        for perm in permissions or []:
            result[perm].append(path)
    return dict(result)


def role_codes(user) -> set[str]:
    cached = getattr(user, "_dangjian_role_codes", None)
    if cached is None:
        rows = bindings.verified(list(RoleAssignment.objects.filter(user=user).values_list(*bindings.FIELDS)))
        cached = {row[3] for row in rows}
        user._dangjian_role_codes = cached
    return cached


def separation_duties(user) -> set[str]:
    rows = RoleAssignment.objects.filter(user=user).exclude(separation="").values_list(*bindings.FIELDS)
    return {row[5] for row in bindings.verified(list(rows))}


def is_admin_duty_holder(user) -> bool:
    return bool(separation_duties(user))


def assignments_for(user):
    return RoleAssignment.objects.filter(user=user).select_related("role", "org").order_by("org__path")

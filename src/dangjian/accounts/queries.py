"""Read side of accounts: which permissions a user holds where."""

from collections import defaultdict

from dangjian.accounts.models import RoleAssignment
from dangjian.core.sql import Precompiled

# Read on every request (core.scope.grants): compiled to SQL once per process, run with the user's id.
_GRANT_ROWS = Precompiled(
    lambda user_id: RoleAssignment.objects.filter(user_id=user_id, org__dissolved_on__isnull=True).values_list(
        "role__permissions", "org__path"
    ),
    -8_301_001,
)


def assignment_paths_by_permission(user) -> dict[str, list[str]]:
    """Permission code → org paths of the user's assignments granting it (orgs not yet dissolved).

    Read from the database on every call (the statement is compiled once, its rows are always live)."""
    result: dict[str, list[str]] = defaultdict(list)
    for permissions, path in _GRANT_ROWS.rows(user.pk):
        for perm in permissions or []:
            result[perm].append(path)
    return dict(result)


def role_codes(user) -> set[str]:
    cached = getattr(user, "_dangjian_role_codes", None)
    if cached is None:
        cached = set(RoleAssignment.objects.filter(user=user).values_list("role__code", flat=True))
        user._dangjian_role_codes = cached
    return cached


def separation_duties(user) -> set[str]:
    return set(RoleAssignment.objects.filter(user=user).exclude(separation="").values_list("separation", flat=True))


def is_admin_duty_holder(user) -> bool:
    return bool(separation_duties(user))


def assignments_for(user):
    return RoleAssignment.objects.filter(user=user).select_related("role", "org").order_by("org__path")

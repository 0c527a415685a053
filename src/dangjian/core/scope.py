"""THE data-scope choke point: every query for organization data goes through `restrict`.

A role assignment grants a role on an org, and covers that org's subtree. A model says where its
org path lives with the class attribute ``scope_path``: ``"path"`` on Org, ``"org__path"`` on
things placed in an org, a tuple when a row belongs to two orgs (a transfer is seen by both sides).
``scope_unplaced`` (a Q) names rows that belong to no org, visible only from an assignment on a
root; ``scope_distinct`` marks a path reached through a to-many relation.

``restrict(queryset, user, action)`` keeps the rows whose path lies in the subtree of an
assignment whose role grants ``<app_label>.<action>_<model_name>`` (or `action` itself when it is a
full permission code); a user with no such grant gets an empty queryset. Grants are read once per
request object and never cached beyond it, so a revoked role stops working at the next request
(ASVS 8.3.2).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dangjian.core.tree import LABEL_WIDTH, collapse_paths


class ScopeError(Exception):
    """A model was asked to be restricted without saying where its org path lives."""


def permission_code(model: type[models.Model], action: str) -> str:
    if "." in action:
        return action
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def grants(user) -> dict[str, list[str]]:
    """Map permission code → collapsed list of subtree paths where the user holds it."""
    cached = getattr(user, "_dangjian_grants", None)
    if cached is not None:
        return cached
    result: dict[str, list[str]] = {}
    if user is not None and user.is_authenticated and user.is_active:
        from dangjian.accounts.queries import assignment_paths_by_permission

        result = {perm: collapse_paths(paths) for perm, paths in assignment_paths_by_permission(user).items()}
    user._dangjian_grants = result
    return result


def forget_grants(user) -> None:
    """Drop the per-request cache after the user's roles changed within the same request."""
    if hasattr(user, "_dangjian_grants"):
        del user._dangjian_grants


def scope_paths(user, perm: str) -> list[str]:
    return grants(user).get(perm, [])


def has_permission(user, perm: str) -> bool:
    """Whether the user holds the permission anywhere (used to choose 403 over 404)."""
    return bool(scope_paths(user, perm))


def path_filter(field: str, paths: list[str], *, unplaced: Q | None = None) -> Q:
    """OR of the subtree ranges; rows that belong to no org (`unplaced`) only from a root assignment."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__in_subtree": p})
    if unplaced is not None and any(len(p) == LABEL_WIDTH for p in paths):
        q |= unplaced
    return q


def restrict(queryset: models.QuerySet, user, action: str = "view") -> models.QuerySet:
    model = queryset.model
    field = getattr(model, "scope_path", None)
    if field is None:
        raise ScopeError(f"{model.__name__} has no scope_path; it cannot be restricted")
    paths = scope_paths(user, permission_code(model, action))
    if not paths:
        return queryset.none()
    fields = field if isinstance(field, tuple | list) else (field,)
    q = Q(pk__in=[])
    for name in fields:
        q |= path_filter(name, paths, unplaced=getattr(model, "scope_unplaced", None))
    restricted = queryset.filter(q)
    # A path reached through a to-many relation (a user's assignments) would repeat rows.
    return restricted.distinct() if getattr(model, "scope_distinct", False) else restricted


def user_may_act_on_path(user, perm: str, path: str) -> bool:
    """Whether the node at `path` lies inside a subtree where the user holds `perm`."""
    return any(path.startswith(p) for p in scope_paths(user, perm))


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        return restrict(self, user, action)

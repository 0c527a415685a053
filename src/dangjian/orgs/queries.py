"""Read side of the org tree: scoped lists, children with subtree counts, search, the tree as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from dangjian.core.scope import restrict, scope_paths
from dangjian.core.tree import LABEL_WIDTH, ancestor_paths
from dangjian.orgs.models import CommitteeTerm, Org, OrgEdge, OrgOfficer, OrgRole


def visible(user, action: str = "view", *, include_dissolved: bool = False):
    qs = Org.objects.all() if include_dissolved else Org.objects.active()
    return restrict(qs, user, action)


def top_orgs(user):
    """The highest orgs the user may see: the orgs of their (collapsed) view assignments."""
    paths = scope_paths(user, "orgs.view_org")
    return Org.objects.active().filter(path__in=paths).order_by("sort_order", "path")


@dataclass
class SubtreeTotals:
    orgs: int = 0
    members: int = 0
    full_members: int = 0


def subtree_totals_by_prefix(parent_path: str, child_depth: int) -> dict[str, SubtreeTotals]:
    """For every child of the node at `parent_path`: org count and member sums of its subtree, in one query."""
    width = (child_depth + 1) * LABEL_WIDTH
    rows = (
        Org.objects.active()
        .filter(path__in_subtree=parent_path, depth__gte=child_depth)
        .annotate(prefix=Substr("path", 1, width))
        .values("prefix")
        .annotate(orgs=Count("id"), members=Sum("member_count"), full=Sum("full_member_count"))
        .order_by()
    )
    return {r["prefix"]: SubtreeTotals(r["orgs"], r["members"] or 0, r["full"] or 0) for r in rows}


def subtree_totals(org: Org) -> SubtreeTotals:
    agg = (
        Org.objects.active()
        .filter(path__in_subtree=org.path)
        .aggregate(orgs=Count("id"), members=Sum("member_count"), full=Sum("full_member_count"))
    )
    return SubtreeTotals(agg["orgs"], agg["members"] or 0, agg["full"] or 0)


def subtree_totals_and_kinds(org: Org) -> tuple[SubtreeTotals, dict[str, int]]:
    """`subtree_totals(org)` and the number of active orgs of each kind in the subtree, from one grouped query
    (the org page shows both)."""
    rows = (
        Org.objects.active()
        .filter(path__in_subtree=org.path)
        .values("kind")
        .annotate(n=Count("id"), members=Sum("member_count"), full=Sum("full_member_count"))
        .order_by()
    )
    kinds, orgs, members, full = {}, 0, 0, 0
    for r in rows:
        kinds[r["kind"]] = r["n"]
        orgs += r["n"]
        members += r["members"] or 0
        full += r["full"] or 0
    return SubtreeTotals(orgs, members, full), kinds


def children(user, org: Org, *, include_dissolved: bool = False) -> list[tuple[Org, SubtreeTotals]]:
    """Visible children of `org`, each with the totals of its subtree (two queries in all)."""
    qs = visible(user, include_dissolved=include_dissolved).filter(parent=org).order_by("sort_order", "name")
    kids = list(qs)
    totals = subtree_totals_by_prefix(org.path, org.depth + 1) if kids else {}
    return [
        (k, totals.get(k.path, SubtreeTotals(1 if not k.is_dissolved else 0, k.member_count, k.full_member_count)))
        for k in kids
    ]


def nodes_with_totals(orgs: list[Org]) -> list[tuple[Org, SubtreeTotals]]:
    """Totals for an arbitrary list of orgs (tree roots, search hits): one query per org, few orgs."""
    return [(o, subtree_totals(o)) for o in orgs]


def search(user, text: str, limit: int = 30):
    """Find visible orgs by name fragment, pinyin initials or exact code."""
    text = text.strip()
    if not text:
        return Org.objects.none()
    cond = Q(name__icontains=text) | Q(short_name__icontains=text) | Q(code=text)
    if text.isascii() and text.isalnum():
        cond |= Q(name_initials__contains=text.lower())
    return visible(user).filter(cond).order_by("depth", "sort_order", "name")[:limit]


def ancestors(user, org: Org) -> list[Org]:
    """The visible ancestors of `org`, root first (for breadcrumbs)."""
    paths = ancestor_paths(org.path)
    if not paths:
        return []
    return list(visible(user, include_dissolved=True).filter(path__in=paths).order_by("depth"))


def has_children_map(org_ids: list[int]) -> set[int]:
    return set(Org.objects.active().filter(parent_id__in=org_ids).values_list("parent_id", flat=True).distinct())


def current_term(org: Org) -> CommitteeTerm | None:
    return CommitteeTerm.objects.filter(org=org).order_by("-elected_on").first()


def current_officers(org: Org) -> list[OrgOfficer]:
    return list(OrgOfficer.objects.filter(org=org, ends_on__isnull=True).order_by("role", "starts_on"))


def secretary_name(org: Org) -> str:
    officer = OrgOfficer.objects.filter(org=org, role=OrgRole.SECRETARY, ends_on__isnull=True).first()
    return officer.name if officer else ""


# ------------------------------------------------------------------ the tree as of a past day


def parent_map_as_of(day: date) -> dict[int, int | None]:
    """Org id → parent id on `day`, for every org that existed then (from the parent history)."""
    edges = OrgEdge.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    return dict(edges.values_list("org_id", "parent_id"))


def subtree_ids_as_of(root_id: int, day: date) -> set[int]:
    """Ids of the orgs under `root_id` (itself included) as the tree stood on `day`."""
    parents = parent_map_as_of(day)
    children: dict[int | None, list[int]] = {}
    for org_id, parent_id in parents.items():
        children.setdefault(parent_id, []).append(org_id)
    if root_id not in parents:
        return set()
    out, stack = set(), [root_id]
    while stack:
        node = stack.pop()
        out.add(node)
        stack.extend(children.get(node, []))
    return out


def subtree_ids_cte(root_id: int) -> list[int]:
    """Reference implementation with a recursive CTE over `parent` (for tests and benchmarks)."""
    table = Org._meta.db_table
    sql = (
        f"WITH RECURSIVE sub(id) AS (SELECT id FROM {table} WHERE id = %s "
        f"UNION ALL SELECT o.id FROM {table} o JOIN sub ON o.parent_id = sub.id) SELECT id FROM sub"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [root_id])
        return [row[0] for row in cur.fetchall()]


@dataclass
class Drift:
    org_id: int
    path: str
    expected_path: str
    depth: int
    expected_depth: int


def check_tree() -> list[Drift]:
    """Every org whose stored path or depth differs from what its parent chain says."""
    from dangjian.core.tree import depth_of, expected_paths

    rows = list(Org.objects.values_list("id", "parent_id", "path", "depth"))
    expected = expected_paths({r[0]: r[1] for r in rows})
    out = []
    for org_id, _parent, path, depth in rows:
        want = expected[org_id]
        if path != want or depth != depth_of(want):
            out.append(Drift(org_id, path, want, depth, depth_of(want)))
    return out


def chosen_org(user, raw, perm: str) -> Org:
    """The org a page or endpoint works on: the one named by id `raw` (``?org=``) among the orgs where the user
    holds `perm`, or by default the root of the user's first subtree for it. Anything else is an Http404."""
    from django.http import Http404

    orgs = restrict(Org.objects.all(), user, perm)
    raw = str(raw or "")
    if raw:
        org = orgs.filter(pk=raw).first() if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    else:
        paths = scope_paths(user, perm)
        org = orgs.filter(path=paths[0]).first() if paths else None
    if org is None:
        raise Http404("党组织不存在或不在您的管辖范围内")
    return org

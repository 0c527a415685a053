"""The derived-path tree: labels, path arithmetic, the subtree lookup and its query plan."""

import contextlib
from datetime import date

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core import tree
from dangjian.core.errors import RuleViolation
from dangjian.orgs import actions, queries
from dangjian.orgs.models import Org


@pytest.mark.parametrize(
    ("pk", "label"),
    [(0, "000000"), (1, "000001"), (35, "00000z"), (36, "000010"), (36**6 - 1, "zzzzzz")],
)
def test_label_is_fixed_width_base36(pk, label):
    assert tree.label(pk) == label


def test_label_rejects_ids_that_do_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        tree.label(36**6)


def test_labels_sort_like_ids():
    ids = [1, 9, 10, 35, 36, 100, 1295, 1296, 50000]
    assert sorted(ids, key=tree.label) == ids


def test_path_helpers():
    path = tree.label(1) + tree.label(40) + tree.label(7)
    assert tree.depth_of(path) == 2
    assert tree.ids_in_path(path) == [1, 40, 7]
    assert tree.ancestor_paths(path) == [tree.label(1), tree.label(1) + tree.label(40)]


def test_collapse_paths_drops_nested_ranges():
    a, b = tree.label(1), tree.label(2)
    assert tree.collapse_paths([a + tree.label(5), a, b, a]) == [a, b]


def test_expected_paths_and_cycle_detection():
    parents = {1: None, 2: 1, 3: 2, 4: 1}
    paths = tree.expected_paths(parents)
    assert paths[3] == tree.label(1) + tree.label(2) + tree.label(3)
    with pytest.raises(ValueError, match="cycle"):
        tree.expected_paths({1: 2, 2: 1})


def test_in_subtree_matches_the_recursive_cte(orgs):
    for org in orgs.values():
        by_path = set(Org.objects.filter(path__in_subtree=org.path).values_list("id", flat=True))
        assert by_path == set(queries.subtree_ids_cte(org.pk))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plan")
def test_subtree_query_uses_the_path_index_on_sqlite(orgs):
    qs = Org.objects.filter(path__in_subtree=orgs["town"].path).values_list("id")
    plan = qs.explain()
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
    assert "SCAN" not in plan.replace("SCAN CONSTANT", ""), plan


def test_subtree_query_plan_on_postgresql(orgs):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL query plan")
    with connection.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
    plan = Org.objects.filter(path__in_subtree=orgs["town"].path).values_list("id").explain()
    assert "Index" in plan, plan


ops = st.lists(
    st.tuples(st.sampled_from(["create", "move"]), st.integers(0, 10_000), st.integers(0, 10_000)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
def test_random_creates_and_moves_keep_the_tree_consistent(orgs, ops):
    """After any sequence of creates and moves, check_tree finds nothing and in_subtree equals the CTE."""
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        counter = Org.objects.count()
        for op, a, b in ops:
            nodes = list(Org.objects.active().exclude(kind__in=["branch", "joint_branch"]).order_by("pk"))
            everything = list(Org.objects.active().exclude(parent=None).order_by("pk"))
            if op == "create":
                parent = nodes[a % len(nodes)]
                counter += 1
                kind = "branch" if parent.kind == "general_branch" else "general_branch"
                actions.create_org(
                    parent,
                    actor=None,
                    name=f"节点{counter}",
                    kind=kind,
                    code=f"H{counter}",
                    established_on=date(2010, 1, 1),
                )
            else:
                org = everything[a % len(everything)]
                target = nodes[b % len(nodes)]
                org.refresh_from_db()
                target.refresh_from_db()
                # Refused moves (cycles, kinds, same parent) raise RuleViolation and must change nothing.
                with contextlib.suppress(RuleViolation):
                    actions.move_org(org, target, actor=None, on=date(2020, 1, 1))
        assert queries.check_tree() == []
        for org in Org.objects.all():
            assert set(Org.objects.filter(path__in_subtree=org.path).values_list("id", flat=True)) == set(
                queries.subtree_ids_cte(org.pk)
            )
        transaction.savepoint_rollback(sid)

"""Tree actions beyond the views: history for "as of" queries, repair, bulk creation."""

from datetime import date

import pytest

from dangjian.core.errors import ConcurrentEdit, RuleViolation
from dangjian.orgs import actions, queries
from dangjian.orgs.models import Org


def test_tree_as_of_a_past_day_survives_moves_and_dissolution(orgs):
    village2 = orgs["village2"]
    actions.move_org(village2, orgs["town2"], actor=None, on=date(2024, 3, 1))
    actions.dissolve_org(Org.objects.get(pk=orgs["organ_branch"].pk), actor=None, on=date(2025, 1, 1))
    before = queries.subtree_ids_as_of(orgs["town"].pk, date(2024, 2, 29))
    after = queries.subtree_ids_as_of(orgs["town"].pk, date(2024, 3, 1))
    assert village2.pk in before
    assert village2.pk not in after
    assert village2.pk in queries.subtree_ids_as_of(orgs["town2"].pk, date(2024, 3, 1))
    assert orgs["organ_branch"].pk in queries.subtree_ids_as_of(orgs["county"].pk, date(2024, 12, 31))
    assert orgs["organ_branch"].pk not in queries.subtree_ids_as_of(orgs["county"].pk, date(2025, 1, 1))
    assert queries.subtree_ids_as_of(orgs["county"].pk, date(1999, 12, 31)) == set()


def test_check_tree_finds_and_repairs_drift(orgs):
    Org.objects.filter(pk=orgs["general_1"].pk).update(path="zzzzzz")
    Org.objects.filter(pk=orgs["village"].pk).update(depth=7)
    drifts = queries.check_tree()
    assert {d.org_id for d in drifts} == {orgs["general_1"].pk, orgs["village"].pk}
    assert actions.repair_tree() == 2
    assert queries.check_tree() == []


def test_check_tree_command(orgs, capsys):
    from django.core.management import call_command

    call_command("check_tree")
    assert "未发现问题" in capsys.readouterr().out
    Org.objects.filter(pk=orgs["general_1"].pk).update(path="zzzzzz")
    with pytest.raises(SystemExit):
        call_command("check_tree")
    call_command("check_tree", "--fix")
    assert "已修复 1 处" in capsys.readouterr().out
    assert queries.check_tree() == []


def test_move_with_a_stale_version_is_refused(orgs):
    stale = Org.objects.get(pk=orgs["village2"].pk)
    actions.update_org(Org.objects.get(pk=stale.pk), actor=None, short_name="杨庄")
    with pytest.raises(ConcurrentEdit):
        actions.move_org(stale, orgs["town2"], actor=None)
    assert Org.objects.get(pk=stale.pk).parent_id == orgs["town"].pk


def test_a_branch_cannot_hold_orgs(orgs):
    with pytest.raises(RuleViolation) as err:
        actions.create_org(orgs["village"], actor=None, name="小组", kind="branch", code="K1")
    assert err.value.rule_id == "TREE-KIND"


def test_creation_before_the_parent_existed_is_refused(orgs):
    with pytest.raises(RuleViolation) as err:
        actions.create_org(
            orgs["town"], actor=None, name="早产支部", kind="branch", code="K2", established_on=date(1990, 1, 1)
        )
    assert err.value.rule_id == "TREE-DATES"


def test_move_keeps_depths_and_paths_of_the_whole_subtree(orgs):
    general = Org.objects.get(pk=orgs["general"].pk)
    actions.move_org(general, orgs["organs"], actor=None)
    child = Org.objects.get(pk=orgs["general_1"].pk)
    assert child.path.startswith(orgs["organs"].path)
    assert child.depth == orgs["organs"].depth + 2
    assert queries.check_tree() == []

"""`dangjian stats show`: the stats_show management command in-process, and its mapping in the CLI."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dangjian.members import actions as member_actions

pytestmark = pytest.mark.django_db


def show(*args) -> str:
    out = StringIO()
    call_command("stats_show", *args, stdout=out)
    return out.getvalue()


def test_json_maps_codes_to_values(orgs, people):
    data = json.loads(show(orgs["county"].code, "--as-of", "2026-06-15", "--format", "json"))
    assert data["org"]["code"] == orgs["county"].code
    assert data["as_of"] == "2026-06-15"
    values = data["indicators"]
    assert values["members.total"] == 4
    assert values["members.probationary"] == 1
    assert values["orgs.branches"] == 5
    assert isinstance(values["orglife.completion_rate"], float)
    assert values["dues.collection_rate"] is None
    assert data["reasons"]["dues.collection_rate"] == "—"
    assert values["recruitment.developed"] == 0  # the recruitment app registers its figures
    assert "members.total" not in data["reasons"]


def test_percentages_print_with_two_decimals(orgs, people):
    text = show(orgs["village"].code, "--as-of", "2026-04-10", "--format", "json")
    assert '"orglife.completion_rate": 0.00' in text


def test_as_of_gives_the_past(orgs, people):
    member_actions.place(people["zhao"], orgs["village"], actor=None, on=date(2026, 4, 1), reason="转入")
    before = json.loads(show("中共西河镇委员会", "--as-of", "2026-03-31", "--format", "json"))
    after = json.loads(show("中共西河镇委员会", "--as-of", "2026-04-01", "--format", "json"))
    assert before["indicators"]["members.total"] == 1
    assert after["indicators"]["members.total"] == 0


def test_table_has_aligned_chinese_labels(orgs, people):
    text = show(orgs["town"].code, "--as-of", "2026-06-15")
    assert "中共东山镇委员会" in text
    lines = [line for line in text.splitlines() if "（名）" in line or "（个）" in line]
    assert any(line.startswith("党员总数（名）") and line.rstrip().endswith("3") for line in lines)
    from dangjian.stats.management.commands.stats_show import display_width

    assert len({display_width(line) for line in lines}) == 1  # labels padded, values right-aligned


def test_unknown_org_is_an_error(orgs):
    with pytest.raises(CommandError, match="找不到党组织"):
        show("不存在的党组织")


def test_bad_date_is_an_error(orgs):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        show(orgs["county"].code, "--as-of", "2026-13-01")


def test_ambiguous_name_lists_the_candidates(orgs):
    from dangjian.orgs import actions as org_actions

    org_actions.dissolve_org(orgs["organ_branch"], actor=None, on=date(2026, 1, 1))
    org_actions.create_org(
        parent=orgs["organs"], actor=None, name="县财政局机关党支部", kind="branch", code="T9999",
        established_on=date(2026, 1, 2),
    )  # fmt: skip
    with pytest.raises(CommandError) as exc:
        show("县财政局机关党支部")
    assert "T9999" in str(exc.value)
    assert orgs["organ_branch"].code in str(exc.value)


def test_cli_maps_stats_show_to_the_command(monkeypatch):
    from dangjian import cli

    seen = []
    monkeypatch.setattr(cli, "cmd_manage", lambda argv: seen.append(argv) or 0)
    assert cli.main(["stats", "show", "T0000", "--format", "json"]) == 0
    assert seen == [["stats_show", "T0000", "--format", "json"]]

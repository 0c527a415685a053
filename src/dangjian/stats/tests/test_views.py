"""Dashboard, drill-down, thresholds, annual tables, comparison and PDF: figures, scope and bad input."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.members import actions as member_actions
from dangjian.stats import annual, queries, rules
from dangjian.stats.indicators import NOT_CONNECTED, REGISTRY, Value, declare, register
from dangjian.stats.models import Threshold

pytestmark = pytest.mark.django_db


def url(name, **params):
    from urllib.parse import urlencode

    return reverse(name) + ("?" + urlencode(params) if params else "")


def test_dashboard_of_the_county(client_as, orgs, people):
    response = client_as("county_admin").get(url("stats:dashboard", org=orgs["county"].pk, as_of="2026-06-15"))
    assert response.status_code == 200
    charts = {c["id"]: c for c in response.context["charts"]}
    assert set(charts) >= {"category", "sex", "age", "join", "education", "ethnicity", "occupation", "kind", "sector"}
    assert {r["code"]: r["value"] for r in charts["category"]["rows"]} == {"full": 3, "probationary": 1}
    assert {r["code"]: r["value"] for r in charts["occupation"]["rows"]}["retired"] == 1
    assert {r["code"]: r["value"] for r in charts["kind"]["rows"]}["branch"] == 5
    body = response.content.decode()
    assert 'id="dashboard-data"' in body
    assert "dist/echarts.min.js" in body
    recruitment = {r["code"]: r for r in response.context["recruitment"]}
    assert recruitment["recruitment.developed"]["value"] == 0  # connected by the recruitment app; no cases yet
    assert "截至2026年6月15日" in body


def test_township_secretary_sees_the_township_by_default_and_never_another(client_as, orgs, people):
    client = client_as("town_secretary")
    response = client.get(url("stats:dashboard"))
    assert response.status_code == 200
    assert response.context["org"] == orgs["town"]
    for name in ("stats:dashboard", "stats:overview", "stats:annual", "stats:compare", "stats:summary_pdf"):
        assert client.get(url(name, org=orgs["town2"].pk)).status_code == 404, name
    drill = url("stats:drill", org=orgs["town2"].pk, dim="sex", cell="male")
    assert client.get(drill).status_code == 404


def test_no_role_is_403(client, nobody, orgs):
    client.force_login(nobody)
    for name in ("stats:dashboard", "stats:overview", "stats:drill", "stats:thresholds", "stats:annual"):
        assert client.get(url(name)).status_code == 403, name


def test_bad_dates_are_explained(client_as, orgs, people):
    client = client_as("county_admin")
    response = client.get(url("stats:dashboard", org=orgs["county"].pk, as_of="2026-13-40"))
    assert "无效" in response.context["notice"]
    response = client.get(url("stats:dashboard", org=orgs["county"].pk, as_of="1990-01-01"))
    assert "早于" in response.context["notice"]
    assert all(t["value"] in (0, None) for t in response.context["tiles"] if t["code"] != "orgs.warning_share")


def test_drill_down_to_children_and_the_roster(client_as, orgs, people):
    client = client_as("county_admin")
    response = client.get(url("stats:drill", org=orgs["county"].pk, as_of="2026-06-15", dim="sex", cell="male"))
    assert response.status_code == 200
    rows = {r["org"].pk: r for r in response.context["rows"]}
    assert rows[orgs["town"].pk]["value"] == 2
    assert rows[orgs["town2"].pk]["value"] == 1
    assert rows[orgs["town"].pk]["drill"]  # the town has children: drill again
    response = client.get(rows[orgs["town"].pk]["drill"])
    rows = {r["org"].pk: r for r in response.context["rows"]}
    assert rows[orgs["village"].pk]["value"] == 1
    assert rows[orgs["village"].pk]["roster"] == f"/members/?subtree={orgs['village'].pk}&sex=male"
    roster = client.get(rows[orgs["village"].pk]["roster"])
    assert roster.status_code == 200
    assert "张三丰" in roster.content.decode()
    assert client.get(url("stats:drill", org=orgs["county"].pk, dim="sex", cell="nope")).status_code == 404


def test_drill_down_of_an_indicator(client_as, orgs, people):
    client = client_as("county_admin")
    response = client.get(url("stats:drill", org=orgs["county"].pk, dim="indicator", cell="dues.collection_rate"))
    assert response.status_code == 200
    assert all(r["value"] is None and r["reason"] == "—" for r in response.context["rows"])


def test_thresholds_per_jurisdiction(client_as, orgs, personas):
    assert queries.bands_for(orgs["village"])["dues.collection_rate"].green == Decimal("95")
    client = client_as("county_admin")
    response = client.post(
        url("stats:thresholds", org=orgs["town"].pk),
        {"dues.collection_rate-green": "80", "dues.collection_rate-red": "60"},
    )
    assert response.status_code == 302
    band = queries.bands_for(orgs["village"])["dues.collection_rate"]
    assert (band.green, band.red) == (Decimal("80"), Decimal("60"))
    assert queries.bands_for(orgs["town2"])["dues.collection_rate"].green == Decimal("95")
    assert rules.rag(Decimal("70"), band) == rules.AMBER
    bad = client.post(
        url("stats:thresholds", org=orgs["town"].pk),
        {"dues.collection_rate-green": "50", "dues.collection_rate-red": "60"},
    )
    assert bad.status_code == 400
    assert Threshold.objects.get(org=orgs["town"]).green == Decimal("80")
    # a township secretary may read but not set thresholds
    secretary = client_as("town_secretary")
    assert secretary.get(url("stats:thresholds", org=orgs["town"].pk)).status_code == 200
    refused = secretary.post(
        url("stats:thresholds", org=orgs["town"].pk),
        {"dues.collection_rate-green": "1", "dues.collection_rate-red": "0"},
    )
    assert refused.status_code == 403
    assert Threshold.objects.get(org=orgs["town"]).green == Decimal("80")


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        (Decimal("95"), "higher", "green"),
        (Decimal("80"), "higher", "amber"),
        (Decimal("74.99"), "higher", "red"),
        (None, "higher", None),
        (Decimal("5"), "lower", "green"),
        (Decimal("10"), "lower", "amber"),
        (Decimal("15.01"), "lower", "red"),
    ],
)
def test_rag_rule(value, direction, expected):
    band = rules.Band(direction, Decimal("90") if direction == "higher" else Decimal("5"),
                      Decimal("75") if direction == "higher" else Decimal("15"))  # fmt: skip
    assert rules.rag(value, band) == expected


def _flows(orgs, people):
    member_actions.change_status(people["zhao"], "exited", actor=None, on=date(2025, 5, 1), exit_kind="withdrawal")


def test_annual_tables_children_sum_to_the_parent_in_every_cell(orgs, people):
    member_actions.add_member(
        orgs["general_1"], actor=None, name="孙小梅", id_number="", sex="female", birth_date=date(1999, 2, 2),
        ethnicity="回族", education="", stage="probationary", joined_on=date(2025, 6, 1), occupation="student",
    )  # fmt: skip
    member_actions.add_member(
        orgs["organ_branch"], actor=None, name="钱正", id_number="", sex="male", birth_date=date(1980, 2, 2),
        ethnicity="汉族", education="master", stage="full", joined_on=date(2024, 1, 5), full_on=date(2025, 1, 5),
        occupation="official",
    )  # fmt: skip
    member_actions.change_status(
        people["zhao"], "exited", actor=None, on=date(2025, 5, 1), exit_kind="withdrawal", grounds="本人申请"
    )
    # 民主评议党员 of 2025: 柳树村 graded and closed (张三丰 合格), 第一党支部 still open (孙小梅 预备: no grade),
    # 杨庄村 graded 基本合格 and closed; an appraisal of 2024 does not count in 2025
    from dangjian.orglife import actions as life_actions

    closed = life_actions.open_appraisal(orgs["village"], actor=None, year=2025)
    life_actions.record_appraisal(
        closed, {e.pk: {"grade": "qualified"} for e in closed.entries.all() if e.graded}, actor=None
    )
    life_actions.close_appraisal(closed, actor=None)
    other = life_actions.open_appraisal(orgs["village2"], actor=None, year=2025)
    life_actions.record_appraisal(other, {e.pk: {"grade": "basic"} for e in other.entries.all()}, actor=None)
    life_actions.close_appraisal(other, actor=None)
    life_actions.open_appraisal(orgs["general_1"], actor=None, year=2025)
    life_actions.open_appraisal(orgs["village"], actor=None, year=2024)
    for parent_key in ("county", "town", "general"):
        parent = orgs[parent_key]
        tables = {t.code: t for t in annual.tables(parent, 2025)}
        for t in tables.values():
            if not t.connected:
                continue
            sums = dict.fromkeys(t.total, 0)
            for row in t.rows:
                child_values = (
                    {tt.code: tt for tt in annual.tables(row["org"], 2025)}[t.code].total
                    if row["org"]
                    else row["values"]
                )
                assert child_values == row["values"], (t.code, row["label"])
                for k, v in child_values.items():
                    sums[k] += v
            assert sums == t.total, (parent_key, t.code)
    county = {t.code: t for t in annual.tables(orgs["county"], 2025)}
    assert county["basic"].total["total"] == 4  # 张三丰, 王建国, 孙小梅, 钱正 (李秀英 joins in 2026, 赵德胜 left)
    assert county["developed"].total["total"] == 1  # 孙小梅
    assert county["converted"].total["total"] == 1  # 钱正
    assert county["exits"].total["total"] == 1
    assert county["exits"].total["exit_withdrawal"] == 1
    assert county["education"].total["edu_"] == 1
    appraisal = county["appraisal"]
    assert appraisal.connected
    # 柳树村: 张三丰 (graded 合格) and 李秀英 (预备, not graded); 杨庄村: 王建国 基本合格; 第一党支部: 孙小梅 (预备)
    assert appraisal.total == {
        "total": 4, "graded": 2, "grade_excellent": 0, "grade_qualified": 1, "grade_basic": 1,
        "grade_unqualified": 0, "grade_": 0, "ungraded": 2,
    }  # fmt: skip
    problems, count = annual.validation_problems(orgs["county"], 2025)
    assert count == 1
    assert problems[0].name == "孙小梅"
    assert "学历未填写" in problems[0].problems


def test_annual_page_and_xlsx(client_as, orgs, people):
    client = client_as("county_admin")
    response = client.get(url("stats:annual", org=orgs["county"].pk, year=2025))
    assert response.status_code == 200
    assert "党员基本情况" in response.content.decode()
    xlsx = client.get(url("stats:annual", org=orgs["county"].pk, year=2025, format="xlsx"))
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as z:
        assert "xl/workbook.xml" in z.namelist()
        assert "校验问题" in z.read("xl/workbook.xml").decode()


def test_compare_two_years_sortable(client_as, orgs, people):
    client = client_as("county_admin")
    response = client.get(url("stats:compare", org=orgs["county"].pk, year_a=2024, year_b=2025, sort="-b"))
    assert response.status_code == 200
    rows = {r["code"]: r for r in response.context["rows"]}
    assert rows["members.total"]["b"] == 3  # 李秀英 joined in 2026
    values = [r["b"] for r in response.context["children_rows"]]
    assert values == sorted(values, reverse=True)


def test_summary_pdf(client_as, orgs, people):
    response = client_as("county_admin").get(url("stats:summary_pdf", org=orgs["county"].pk, as_of="2026-06-15"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # one page, with a busy county (many breakdown cells) too
    from weasyprint import HTML

    from dangjian.stats import summary

    admin = response.wsgi_request.user
    data = queries.dashboard(admin, orgs["county"], date(2026, 6, 15), date(2026, 6, 15))
    assert len(HTML(string=summary.html(data)).render().pages) == 1


def test_templates_have_no_inline_script_style_or_handlers():
    from pathlib import Path

    import dangjian.stats

    folder = Path(dangjian.stats.__file__).parent / "templates" / "stats"
    for path in folder.glob("*.html"):
        if path.name == "summary_pdf.html":  # rendered to PDF by WeasyPrint, never served as a page
            continue
        text = path.read_text()
        for forbidden in ("<script>", "<style", "style=", "onclick"):
            assert forbidden not in text, (path.name, forbidden)


def test_other_apps_can_register_indicators():
    declare("test.widgets", "测试（个）", "orgs.view_org")
    assert REGISTRY["test.widgets"].placeholder
    # a source not yet connected is 未接入 with no number, never a zero
    assert REGISTRY["test.widgets"](None, date(2026, 1, 1)) == Value(None, NOT_CONNECTED)
    try:
        register("test.widgets", "测试（个）", "orgs.view_org", lambda snap: Value(7))
        assert REGISTRY["test.widgets"](None, date(2026, 1, 1)).number == 7
        with pytest.raises(ValueError, match="duplicate"):
            register("test.widgets", "测试（个）", "orgs.view_org", lambda snap: Value(8))
    finally:
        del REGISTRY["test.widgets"]


def test_a_transfer_out_of_the_system_is_not_an_exit(orgs, people):
    """党员出党 counts 出党 and deaths only: a member whose relationship went to an org outside the system
    leaves the roster (and the stock) without being an exit."""
    from dangjian.members import transfer_actions

    letter = transfer_actions.start_transfer(
        people["wang"], actor=None, to_org_name="中共某县委员会组织部", to_org_code="X0001", reason="迁居外省",
        issued_on=date(2025, 6, 1),
    )  # fmt: skip
    transfer_actions.confirm_external_receipt(letter, actor=None, on=date(2025, 6, 20))
    member_actions.change_status(
        people["zhao"], "exited", actor=None, on=date(2025, 5, 1), exit_kind="death", grounds="病故"
    )
    county = {t.code: t for t in annual.tables(orgs["county"], 2025)}
    assert county["exits"].total["total"] == 1
    assert county["exits"].total["exit_death"] == 1
    assert county["basic"].total["total"] == 1  # 张三丰 alone: 李秀英 joins in 2026, 王 and 赵 left in 2025


def test_recruitment_figures_drill_down_to_the_case_list(client_as, orgs, people):
    from dangjian.recruitment import actions as recruitment_actions

    recruitment_actions.start_new_applicant(
        orgs["village"], actor=None, on=date(2026, 6, 1), documents=["application_letter"],
        name="陈小军", sex="male", birth_date=date(2000, 5, 4),
    )  # fmt: skip
    client = client_as("county_admin")
    dashboard = client.get(url("stats:dashboard", org=orgs["county"].pk))
    row = next(r for r in dashboard.context["recruitment"] if r["code"] == "recruitment.applicants")
    assert row["value"] == 1
    # the pipeline and the structure warnings are charts with their table too
    charts = {c["id"]: c for c in dashboard.context["charts"]}
    assert {r["code"]: r["value"] for r in charts["recruitment"]["rows"]}["recruitment.applicants"] == 1
    assert sum(r["value"] for r in charts["warnings"]["rows"]) >= dashboard.context["warnings"].flagged
    assert 'data-chart="recruitment"' in dashboard.content.decode()
    drill = client.get(row["url"])
    assert drill.status_code == 200
    by_org = {r["org"].pk: r for r in drill.context["rows"] if r["org"]}
    assert by_org[orgs["town"].pk]["value"] == 1
    assert by_org[orgs["town2"].pk]["value"] == 0
    town_cases = by_org[orgs["town"].pk]["cases"]
    assert f"org={orgs['town'].pk}" in town_cases
    assert "state=applicant" in town_cases
    listing = client.get(town_cases)
    assert listing.status_code == 200
    assert [c.member.name for c in listing.context["page"].object_list] == ["陈小军"]
    empty = client.get(by_org[orgs["town2"].pk]["cases"])
    assert list(empty.context["page"].object_list) == []
    # the town drills again (it has children), and the developed-this-year figure lists that year's admissions
    town = client.get(by_org[orgs["town"].pk]["drill"])
    assert {r["org"].pk: r["value"] for r in town.context["rows"] if r["org"]}[orgs["village"].pk] == 1
    developed = queries.case_list_url(orgs["county"], "recruitment.developed", date(2026, 6, 15))
    assert "approved=2026" in developed
    assert list(client.get(developed).context["page"].object_list) == []

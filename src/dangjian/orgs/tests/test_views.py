"""Org pages through the test client: what each persona sees and may change."""

from datetime import date

from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.orgs.models import Org, OrgEdge


def test_tree_page_shows_the_top_of_the_users_scope(client_as, orgs):
    page = client_as("county_admin").get(reverse("orgs:tree"))
    assert page.status_code == 200
    assert "中共测试县委员会" in page.content.decode()


def test_village_secretary_sees_only_the_own_branch(client_as, orgs):
    client = client_as("village_secretary")
    tree = client.get(reverse("orgs:tree")).content.decode()
    assert "柳树村党支部" in tree
    assert "中共测试县委员会" not in tree
    assert client.get(reverse("orgs:detail", args=[orgs["village"].pk])).status_code == 200
    for key in ("county", "town", "village2", "organ_branch"):
        assert client.get(reverse("orgs:detail", args=[orgs[key].pk])).status_code == 404


def test_children_are_lazy_loaded_with_counts(client_as, orgs):
    Org.objects.filter(pk=orgs["general_1"].pk).update(member_count=12)
    html = client_as("county_admin").get(reverse("orgs:children", args=[orgs["town"].pk])).content.decode()
    assert "柳树村党支部" in html
    assert "石桥村党总支部委员会" in html
    assert "党员 0 / 12" in html  # the general branch: 0 direct, 12 in its subtree
    assert "中共西河镇委员会" not in html


def test_search_by_name_initials_and_code(client_as, orgs):
    client = client_as("county_admin")
    for text in ("柳树", "lscd", "T0002"):
        data = client.get(reverse("orgs:search"), {"q": text, "format": "json"}).json()
        assert [r["label"] for r in data["results"]] == ["柳树村党支部"], text


def test_search_is_scoped(client_as, orgs):
    data = client_as("village_secretary").get(reverse("orgs:search"), {"q": "村", "format": "json"}).json()
    assert [r["label"] for r in data["results"]] == ["柳树村党支部"]


def test_detail_page_shows_chain_children_leadership_and_warnings(client_as, orgs):
    from dangjian.orgs import actions

    actions.start_term(orgs["village"], actor=None, elected_on=date(2019, 1, 10), has_committee=False)
    actions.appoint_officer(orgs["village"], actor=None, role="secretary", name="王德胜", starts_on=date(2019, 1, 10))
    Org.objects.filter(pk=orgs["village"].pk).update(member_count=9, full_member_count=8)
    html = client_as("county_admin").get(reverse("orgs:detail", args=[orgs["village"].pk])).content.decode()
    assert "中共东山镇委员会" in html  # parent chain
    assert "书记：王德胜" in html
    assert "2024年1月10日" in html  # village term: 5 years (ORG-09)
    assert "正式党员7人以上，应设立支部委员会" in html  # ORG-05
    assert "应按期换届" in html


def test_county_admin_creates_renames_moves_and_dissolves(client_as, orgs):
    client = client_as("county_admin")
    response = client.post(
        reverse("orgs:create", args=[orgs["town2"].pk]),
        {
            "name": "新建村党支部",
            "kind": "branch",
            "sector": "rural",
            "code": "NEW001",
            "established_on": "2026-01-01",
            "sort_order": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()
    new = Org.objects.get(code="NEW001")
    assert new.parent_id == orgs["town2"].pk
    assert new.path.startswith(orgs["town2"].path)

    response = client.post(
        reverse("orgs:edit", args=[new.pk]),
        {
            "name": "新建村第一党支部",
            "kind": "branch",
            "sector": "rural",
            "code": "NEW001",
            "established_on": "2026-01-01",
            "sort_order": 0,
            "version": new.version,
        },
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.name == "新建村第一党支部"
    assert new.name_initials.startswith("xjc")

    response = client.post(
        reverse("orgs:move", args=[new.pk]), {"new_parent": orgs["town"].pk, "on": "2026-06-01", "version": new.version}
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.parent_id == orgs["town"].pk
    assert new.path.startswith(orgs["town"].path)
    assert OrgEdge.objects.filter(org=new).count() == 2

    response = client.post(
        reverse("orgs:dissolve", args=[new.pk]), {"on": "2026-07-01", "reason": "村庄合并", "version": new.version}
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.dissolved_on == date(2026, 7, 1)
    actions_logged = set(AuditEvent.objects.filter(object_id=str(new.pk)).values_list("action", flat=True))
    assert {"org.create", "org.update", "org.move", "org.dissolve"} <= actions_logged


def test_refusals_change_nothing(client_as, orgs):
    client = client_as("county_admin")
    before = AuditEvent.objects.count()
    # A cycle: the town under its own branch's general branch.
    r = client.post(
        reverse("orgs:move", args=[orgs["town"].pk]),
        {"new_parent": orgs["general"].pk, "version": orgs["town"].version},
    )
    assert r.status_code == 400
    assert "不能把党组织调整到它自己或它的下级组织之下" in r.content.decode()
    # A duplicate code.
    r = client.post(
        reverse("orgs:create", args=[orgs["town2"].pk]),
        {
            "name": "另一个支部",
            "kind": "branch",
            "sector": "rural",
            "code": "T0002",
            "established_on": "2026-01-01",
            "sort_order": 0,
        },
    )
    assert r.status_code == 400
    assert "组织代码" in r.content.decode()
    assert "已存在" in r.content.decode()
    # Dissolving an org that still has sub-organizations.
    r = client.post(
        reverse("orgs:dissolve", args=[orgs["general"].pk]), {"on": "2026-07-01", "reason": "x", "version": 1}
    )
    assert r.status_code == 400
    assert "还有下级党组织" in r.content.decode()
    # Dissolving an org that still has members.
    Org.objects.filter(pk=orgs["village2"].pk).update(member_count=3)
    r = client.post(
        reverse("orgs:dissolve", args=[orgs["village2"].pk]), {"on": "2026-07-01", "reason": "x", "version": 1}
    )
    assert r.status_code == 400
    assert "还有党员" in r.content.decode()
    assert AuditEvent.objects.count() == before
    assert Org.objects.filter(dissolved_on__isnull=False).count() == 0


def test_second_save_of_a_stale_form_is_refused(client_as, orgs):
    client = client_as("county_admin")
    url = reverse("orgs:edit", args=[orgs["village"].pk])
    form = {
        "kind": "branch",
        "sector": "rural",
        "code": "T0002",
        "established_on": "2000-01-01",
        "sort_order": 2,
        "version": 1,
    }
    assert client.post(url, {**form, "name": "第一次修改"}).status_code == 302
    r = client.post(url, {**form, "name": "第二次修改"})
    assert r.status_code == 400
    assert "已被他人修改" in r.content.decode()
    assert Org.objects.get(pk=orgs["village"].pk).name == "第一次修改"


def test_branch_secretary_cannot_move_out_of_scope(client_as, orgs):
    client = client_as("village_secretary")
    r = client.post(reverse("orgs:move", args=[orgs["village"].pk]), {"new_parent": orgs["town2"].pk, "version": 1})
    assert r.status_code == 403
    assert Org.objects.get(pk=orgs["village"].pk).parent_id == orgs["town"].pk


def test_town_secretary_cannot_create_outside_the_town(client_as, orgs):
    client = client_as("town_secretary")
    r = client.post(
        reverse("orgs:create", args=[orgs["town2"].pk]),
        {
            "name": "越权支部",
            "kind": "branch",
            "sector": "rural",
            "code": "BAD1",
            "established_on": "2026-01-01",
            "sort_order": 0,
        },
    )
    assert r.status_code == 404
    assert not Org.objects.filter(code="BAD1").exists()

"""The orgs endpoints: token auth, scope, the same actions and refusals as the UI."""

import pytest
from rest_framework.test import APIClient

from dangjian.accounts import actions as account_actions
from dangjian.core.models import AuditEvent
from dangjian.orgs.models import Org


@pytest.fixture
def api_as(personas):
    def make(username):
        _token, raw = account_actions.issue_token(personas[username], name="test", actor=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def test_token_is_required_and_checked(orgs, db):
    assert APIClient().get("/api/v1/orgs/").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer dj_not-a-token")
    assert bad.get("/api/v1/orgs/").status_code == 401


def test_only_the_digest_of_a_token_is_stored(personas):
    from dangjian.accounts.models import ApiToken

    token, raw = account_actions.issue_token(personas["county_admin"], name="脚本", actor=None)
    assert raw not in {token.digest, token.prefix}
    assert len(token.digest) == 64
    assert not ApiToken.objects.filter(digest=raw).exists()


def test_list_is_scoped_and_filterable(api_as, orgs):
    data = api_as("town_secretary").get("/api/v1/orgs/", {"limit": 100}).json()
    assert {o["name"] for o in data["results"]} == {
        "中共东山镇委员会",
        "柳树村党支部",
        "杨庄村党支部",
        "石桥村党总支部委员会",
        "第一党支部",
    }
    sub = api_as("county_admin").get("/api/v1/orgs/", {"subtree": orgs["town2"].pk}).json()
    assert [o["name"] for o in sub["results"]] == ["中共西河镇委员会", "河湾村党支部"]
    hits = api_as("county_admin").get("/api/v1/orgs/", {"q": "hwc"}).json()
    assert [o["name"] for o in hits["results"]] == ["河湾村党支部"]


def test_out_of_scope_detail_is_404(api_as, orgs):
    client = api_as("village_secretary")
    assert client.get(f"/api/v1/orgs/{orgs['village'].pk}/").status_code == 200
    assert client.get(f"/api/v1/orgs/{orgs['town'].pk}/").status_code == 404


def test_no_permission_is_403(api_as, orgs):
    assert api_as("auditor").get("/api/v1/orgs/").status_code == 403
    r = api_as("village_secretary").post(
        f"/api/v1/orgs/{orgs['village'].pk}/move/", {"parent": orgs["town2"].pk, "version": 1}
    )
    assert r.status_code == 403


def test_create_move_update_dissolve(api_as, orgs):
    client = api_as("county_admin")
    r = client.post(
        "/api/v1/orgs/",
        {"parent": orgs["town2"].pk, "name": "接口新建党支部", "kind": "branch", "sector": "rural", "code": "API1"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    new = r.json()
    r = client.patch(f"/api/v1/orgs/{new['id']}/", {"name": "接口改名党支部", "version": new["version"]}, format="json")
    assert r.status_code == 200
    assert r.json()["name"] == "接口改名党支部"
    stale = client.patch(f"/api/v1/orgs/{new['id']}/", {"name": "过期修改", "version": new["version"]}, format="json")
    assert stale.status_code == 409
    r = client.post(
        f"/api/v1/orgs/{new['id']}/move/", {"parent": orgs["town"].pk, "version": new["version"] + 1}, format="json"
    )
    assert r.status_code == 200
    assert r.json()["parent"] == orgs["town"].pk
    r = client.post(
        f"/api/v1/orgs/{new['id']}/dissolve/", {"reason": "合并", "version": r.json()["version"]}, format="json"
    )
    assert r.status_code == 200
    assert r.json()["dissolved_on"]
    assert AuditEvent.objects.filter(object_id=str(new["id"]), action__startswith="org.").count() == 4


def test_refusals_carry_the_rule_and_change_nothing(api_as, orgs):
    client = api_as("county_admin")
    before = Org.objects.count()
    r = client.post(
        f"/api/v1/orgs/{orgs['town'].pk}/move/", {"parent": orgs["general_1"].pk, "version": 1}, format="json"
    )
    assert r.status_code == 400
    assert r.json()["rule"] in {"TREE-CYCLE", "TREE-KIND"}
    r = client.post(
        "/api/v1/orgs/",
        {"parent": orgs["village"].pk, "name": "支部下的支部", "kind": "branch", "code": "X9"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["rule"] == "TREE-KIND"
    r = client.post(
        "/api/v1/orgs/", {"parent": orgs["town"].pk, "name": "", "kind": "branch", "code": "X8"}, format="json"
    )
    assert r.status_code == 400
    assert "name" in r.json()
    r = api_as("town_secretary").post(
        "/api/v1/orgs/", {"parent": orgs["town2"].pk, "name": "越权", "kind": "branch", "code": "X7"}, format="json"
    )
    assert r.status_code == 400
    assert "管辖范围" in str(r.json())
    assert Org.objects.count() == before

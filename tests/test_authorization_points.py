"""Generated authorization matrix for the 党员积分 pages (AZ-02): without permission 403, in scope 200/302,
out of scope 404, and the refused requests change nothing. A test-local role grants the points permissions
on 东山镇 (in scope: 杨庄村; out of scope: 河湾村)."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.points import actions
from dangjian.points.models import (
    PioneerMember,
    PioneerPost,
    PioneerRecord,
    PointEntry,
    PointExclusion,
    PointItem,
    PointRuleSet,
)
from dangjian.points.tests.conftest import VIEW_ONLY, points_user

JUNE = date(2026, 6, 1)


@pytest.fixture
def clerk(orgs):
    return points_user(orgs, "points_clerk")


@pytest.fixture
def data(orgs, people):
    """A rule set on 杨庄村 (inside) and on 河湾村 (outside), each with a pending entry."""
    out = {}
    for side, org_key, member_key in (("inside", "village2", "wang"), ("outside", "village3", "zhao")):
        rule_set = actions.create_rule_set(orgs[org_key], actor=None, template="base60", effective_from=JUNE)
        item = rule_set.items.get(code="volunteer")
        entry = actions.enter_points(people[member_key], item, actor=None, occurred_on=JUNE, evidence="服务记录")
        post = actions.create_post(orgs[org_key], actor=None, kind="pioneer_post", name="党员先锋岗", started_on=JUNE)
        actions.assign_pioneer(post, people[member_key], actor=None, role="岗长")
        out[side] = {"rule_set": rule_set, "entry": entry, "member": people[member_key], "item": item, "post": post}
    return out


def member_target(data, side):
    return data[side]["member"]


def entry_target(data, side):
    return data[side]["entry"]


def rule_set_target(data, side):
    return data[side]["rule_set"]


def post_target(data, side):
    return data[side]["post"]


def entry_payload(data):
    item = data["inside"]["item"]
    return {"step": "entry", "item": item.pk, "occurred_on": "2026-06-02", "quantity": "1", "evidence": "服务记录"}


VIEWS = [
    ("points:member", "get", member_target, None),
    ("points:member", "post", member_target, entry_payload),
    ("points:member", "post", member_target, {"step": "exclude", "year": "2026", "reason": "mobile",
                                              "decision_reference": "支委会"}),
    ("points:review", "post", entry_target, {"approve": "1"}),
    ("points:rule_set", "get", rule_set_target, None),
    ("points:rule_set", "post", rule_set_target, {"step": "version", "effective_from": "2026-09-01"}),
    ("points:pioneer", "get", post_target, None),
    ("points:pioneer", "post", post_target, lambda d: {"step": "assign", "member": d["inside"]["member"].pk}),
    ("points:pioneer", "post", post_target,
     lambda d: {"step": "record", "member": d["inside"]["member"].pk, "occurred_on": "2026-06-05",
                "content": "带头清理河道", "for_points": "on"}),
]  # fmt: skip
IDS = [f"{v[0]}-{v[1]}-{i}" for i, v in enumerate(VIEWS)]


def state():
    return (
        list(PointEntry.objects.order_by("pk").values_list("pk", "status", "points")),
        list(PointRuleSet.objects.order_by("pk").values_list("pk", "version", "base_score")),
        PointItem.objects.count(),
        PointExclusion.objects.count(),
        PioneerPost.objects.count(),
        list(PioneerMember.objects.order_by("pk").values_list("pk", "role")),
        PioneerRecord.objects.count(),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def call(client, data, name, method, target, payload, side):
    url = reverse(name, args=[target(data, side).pk])
    body = payload(data) if callable(payload) else payload
    return client.post(url, body or {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_without_permission_403_and_nothing_changes(client, data, nobody, name, method, target, payload):
    client.force_login(nobody)
    before = state()
    assert call(client, data, name, method, target, payload, "inside").status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_in_scope_succeeds(client, data, clerk, name, method, target, payload):
    client.force_login(clerk)
    response = call(client, data, name, method, target, payload, "inside")
    assert response.status_code == (302 if method == "post" else 200), response.content.decode()[-2000:]


@pytest.mark.parametrize(("name", "method", "target", "payload"), VIEWS, ids=IDS)
def test_out_of_scope_404_and_nothing_changes(client, data, clerk, name, method, target, payload):
    client.force_login(clerk)
    before = state()
    assert call(client, data, name, method, target, payload, "outside").status_code == 404
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "payload"), [v for v in VIEWS if v[1] == "post"])
def test_view_only_cannot_change(client, orgs, data, name, method, target, payload):
    client.force_login(points_user(orgs, "points_viewer", permissions=VIEW_ONLY))
    before = state()
    assert call(client, data, name, method, target, payload, "inside").status_code == 403
    assert state() == before


def test_every_pk_view_is_in_the_matrix():
    from dangjian.points import urls

    pk_views = {f"points:{p.name}" for p in urls.urlpatterns if "pk" in p.pattern.regex.groupindex}
    assert pk_views == {name for name, *_ in VIEWS}


ORG_PAGES = ["points:ranking", "points:pending", "points:rules", "points:pioneer_list"]


def test_every_points_url_is_covered():
    from dangjian.points import urls

    covered = {name for name, *_ in VIEWS} | set(ORG_PAGES) | {"points:recompute", "points:mine"}
    assert {f"points:{p.name}" for p in urls.urlpatterns} == covered


@pytest.mark.parametrize("name", ORG_PAGES)
def test_org_pages(client, orgs, data, clerk, nobody, name):
    client.force_login(nobody)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(clerk)
    assert client.get(reverse(name), {"org": orgs["village3"].pk}).status_code == 404
    assert client.get(reverse(name), {"org": orgs["village2"].pk}).status_code == 200


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("points:recompute", {"year": "2026"}),
        ("points:rules", {"template": "base70", "effective_from": "2026-08-01"}),
        ("points:pioneer_list", {"kind": "volunteer_team", "name": "志愿服务队", "started_on": "2026-06-01"}),
    ],
)
def test_org_posts(client, orgs, data, clerk, nobody, name, payload):
    before = state()
    client.force_login(nobody)
    assert client.post(reverse(name), {**payload, "org": orgs["village2"].pk}).status_code == 403
    client.force_login(clerk)
    assert client.post(reverse(name), {**payload, "org": orgs["village3"].pk}).status_code == 404
    assert state() == before
    assert client.post(reverse(name), {**payload, "org": orgs["village2"].pk}).status_code == 302


def test_mine_needs_only_a_login(client, nobody):
    client.force_login(nobody)
    assert client.get(reverse("points:mine")).status_code == 200


# --- API ------------------------------------------------------------------------------------------------


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


API_CALLS = [
    ("get", lambda d, o: f"/api/v1/point-entries/{d['entry'].pk}/", None, 200),
    ("post", lambda d, o: f"/api/v1/point-entries/{d['entry'].pk}/review/", lambda d, o: {"approve": True}, 200),
    ("post", lambda d, o: "/api/v1/point-entries/",
     lambda d, o: {"member": d["member"].pk, "item": d["item"].pk, "occurred_on": "2026-06-03",
                   "evidence": "服务记录"}, 201),
    ("get", lambda d, o: f"/api/v1/point-entries/scores/?org={o.pk}&year=2026", None, 200),
    ("get", lambda d, o: f"/api/v1/point-rule-sets/{d['rule_set'].pk}/", None, 200),
    ("post", lambda d, o: f"/api/v1/point-rule-sets/{d['rule_set'].pk}/version/",
     lambda d, o: {"effective_from": "2026-09-01"}, 201),
    ("post", lambda d, o: "/api/v1/point-rule-sets/",
     lambda d, o: {"org": o.pk, "template": "base70", "effective_from": "2026-08-01"}, 201),
    ("get", lambda d, o: f"/api/v1/pioneer-posts/{d['post'].pk}/", None, 200),
    ("post", lambda d, o: "/api/v1/pioneer-posts/",
     lambda d, o: {"org": o.pk, "kind": "responsibility_zone", "name": "党员责任区", "started_on": "2026-06-01"}, 201),
    ("post", lambda d, o: f"/api/v1/pioneer-posts/{d['post'].pk}/assign/",
     lambda d, o: {"member": d["member"].pk, "role": "组员"}, 200),
    ("post", lambda d, o: f"/api/v1/pioneer-posts/{d['post'].pk}/record/",
     lambda d, o: {"member": d["member"].pk, "occurred_on": "2026-06-05", "content": "带头清理河道"}, 201),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "payload", "ok"), API_CALLS, ids=range(len(API_CALLS)))
def test_api_matrix(orgs, data, clerk, nobody, method, url, payload, ok):
    def send(user, side):
        d, o = data[side], orgs["village2" if side == "inside" else "village3"]
        client = _api(user)
        if method == "post":
            return client.post(url(d, o), payload(d, o), format="json")
        return client.get(url(d, o))

    before = state()
    assert send(nobody, "inside").status_code == 403
    assert send(clerk, "outside").status_code in (400, 404)
    assert state() == before
    response = send(clerk, "inside")
    assert response.status_code == ok, response.content.decode()[-1000:]


def test_api_lists_are_scoped(orgs, data, clerk):
    client = _api(clerk)
    rows = client.get("/api/v1/point-entries/").json()["results"]
    assert {r["member_name"] for r in rows} == {"王建国"}
    scores = client.get("/api/v1/point-entries/scores/", {"org": orgs["town"].pk, "year": 2026}).json()
    assert "赵德胜" not in {s["name"] for s in scores}
    sets = client.get("/api/v1/point-rule-sets/").json()["results"]
    assert [s["org"] for s in sets] == [orgs["village2"].pk]
    posts = client.get("/api/v1/pioneer-posts/").json()["results"]
    assert [p["org"] for p in posts] == [orgs["village2"].pk]

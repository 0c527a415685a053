"""The points API's query parameters."""

import pytest


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/point-entries/?year=0", "year"),
        ("/api/v1/point-entries/?year=16205086", "year"),
        ("/api/v1/point-entries/?member=99999999999999999999", "member"),
        ("/api/v1/point-entries/scores/?org={county}&year=0", "year"),
    ],
)
def test_out_of_range_numbers_are_a_400_naming_the_parameter(client_as, orgs, url, field):
    """Found by the schemathesis run: a year outside the calendar was a 500."""
    response = client_as("county_admin").get(url.format(county=orgs["county"].pk))
    assert response.status_code == 400
    assert field in response.json()


def test_pioneer_roles_in_the_api(orgs, people, rule_set, clerk, approver):
    """EDU-06 through /api/v1/pioneer-posts/: set up each kind, assign members, record duty (for points too)."""
    from rest_framework.test import APIClient

    from dangjian.points.models import EntryStatus, PointEntry

    api = APIClient()
    api.force_authenticate(clerk)
    created = {}
    for kind in ("model_post", "pioneer_post", "responsibility_zone", "volunteer_team", "pioneer_project"):
        body = {"org": orgs["village"].pk, "kind": kind, "name": f"{kind} 一", "started_on": "2026-03-01"}
        response = api.post("/api/v1/pioneer-posts/", body, format="json")
        assert response.status_code == 201, response.content
        created[kind] = response.json()["id"]
    team = created["volunteer_team"]
    zhang = people["zhang"]
    assert api.post(f"/api/v1/pioneer-posts/{team}/assign/", {"member": zhang.pk, "role": "队长"},
                    format="json").status_code == 200  # fmt: skip
    duty = {"member": zhang.pk, "occurred_on": "2026-06-05", "content": "组织义诊", "for_points": True}
    recorded = api.post(f"/api/v1/pioneer-posts/{team}/record/", duty, format="json")
    assert recorded.status_code == 201
    assert recorded.json()["point_status"] == EntryStatus.PENDING
    assert PointEntry.objects.get(pk=recorded.json()["point_entry"]).item.code == "pioneer_duty"
    detail = api.get(f"/api/v1/pioneer-posts/{team}/").json()
    assert [(m["member_name"], m["role"]) for m in detail["members"]] == [("张三丰", "队长")]
    assert [r["content"] for r in detail["records"]] == ["组织义诊"]
    zones = api.get("/api/v1/pioneer-posts/", {"kind": "responsibility_zone"}).json()["results"]
    assert [z["id"] for z in zones] == [created["responsibility_zone"]]
    not_on_post = {"member": people["li"].pk, "occurred_on": "2026-06-05", "content": "x"}
    assert api.post(f"/api/v1/pioneer-posts/{team}/record/", not_on_post, format="json").status_code == 400
    assert (
        api.post(f"/api/v1/pioneer-posts/{team}/assign/", {"member": people["zhao"].pk}, format="json").status_code
        == 400
    )  # fmt: skip  (河湾村: outside the clerk's 东山镇)

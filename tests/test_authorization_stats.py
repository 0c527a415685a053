"""Generated authorization matrix for the statistics pages and API (AZ-02): without permission 403, in scope
200/302, out of scope 404 (a township secretary never sees another township's figures) — and refused
threshold writes change nothing."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.stats.models import Threshold

THRESHOLD_POST = {"dues.collection_rate-green": "90", "dues.collection_rate-red": "70"}

# (url name, method, extra query, payload, member figures only)
PAGES = [
    ("stats:dashboard", "get", {"as_of": "2026-06-15"}, None, False),
    ("stats:overview", "get", {"as_of": "2026-06-15"}, None, False),
    ("stats:drill", "get", {"dim": "sex", "cell": "male"}, None, True),
    ("stats:drill", "get", {"dim": "kind", "cell": "branch"}, None, False),
    ("stats:thresholds", "get", {}, None, False),
    ("stats:thresholds", "post", {}, THRESHOLD_POST, False),
    ("stats:annual", "get", {"year": "2025"}, None, True),
    ("stats:annual", "get", {"year": "2025", "format": "xlsx"}, None, True),
    ("stats:compare", "get", {"year_a": "2024", "year_b": "2025"}, None, True),
    ("stats:summary_pdf", "get", {"as_of": "2026-06-15"}, None, False),
]
PAGE_IDS = [f"{p[0]}-{p[1]}-{'-'.join(p[2].values()) or 'plain'}" for p in PAGES]
ENDPOINTS = [
    ("api:stats-indicators", {"as_of": "2026-06-15"}, False),
    ("api:stats-dashboard", {"as_of": "2026-06-15"}, False),
    ("api:stats-annual", {"year": "2025"}, True),
]
ENDPOINT_IDS = [e[0] for e in ENDPOINTS]


def page(client, name, method, org, extra, payload):
    url = reverse(name) + "?" + urlencode({"org": org.pk, **extra})
    return client.post(url, payload or {}) if method == "post" else client.get(url)


def endpoint(client, name, org, extra):
    return client.get(reverse(name, args=[org.pk]) + "?" + urlencode(extra))


def state():
    return (
        list(Threshold.objects.order_by("pk").values_list("pk", "org_id", "code", "green", "red", "version")),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


@pytest.mark.parametrize(("name", "method", "extra", "payload", "members_only"), PAGES, ids=PAGE_IDS)
def test_page_without_permission_403(client, orgs, people, nobody, name, method, extra, payload, members_only):
    client.force_login(nobody)
    before = state()
    assert page(client, name, method, orgs["town"], extra, payload).status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "method", "extra", "payload", "members_only"), PAGES, ids=PAGE_IDS)
def test_page_in_scope(client_as, orgs, people, name, method, extra, payload, members_only):
    # the county administrator holds every statistics permission, thresholds included
    response = page(client_as("county_admin"), name, method, orgs["town"], extra, payload)
    assert response.status_code == (302 if method == "post" else 200)
    if method == "get":
        response = page(client_as("town_secretary"), name, method, orgs["village"], extra, payload)
        assert response.status_code == 200


@pytest.mark.parametrize(("name", "method", "extra", "payload", "members_only"), PAGES, ids=PAGE_IDS)
def test_page_out_of_scope_404(client_as, orgs, people, name, method, extra, payload, members_only):
    client = client_as("town_secretary")
    before = state()
    response = page(client, name, method, orgs["town2"], extra, payload)
    assert response.status_code == 404
    assert page(client, name, method, orgs["county"], extra, payload).status_code == 404  # above the township
    assert state() == before


@pytest.mark.parametrize(("name", "method", "extra", "payload", "members_only"), PAGES, ids=PAGE_IDS)
def test_page_member_figures_need_the_member_permission(client_as, orgs, people, name, method, extra, payload,
                                                        members_only):  # fmt: skip
    client = client_as("security_admin")  # sees the org tree, holds no member permission
    response = page(client, name, method, orgs["town"], extra, payload)
    if members_only:
        assert response.status_code in (403, 404)
    elif method == "get":
        assert response.status_code == 200
        assert b"\xe5\x85\x9a\xe5\x91\x98\xc2\xb7" not in response.content  # no 党员· chart


@pytest.mark.parametrize(("name", "extra", "members_only"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_endpoint_matrix(client, client_as, orgs, people, nobody, name, extra, members_only):
    client.force_login(nobody)
    assert endpoint(client, name, orgs["town"], extra).status_code == 403
    secretary = client_as("town_secretary")
    assert endpoint(secretary, name, orgs["town"], extra).status_code == 200
    assert endpoint(secretary, name, orgs["village"], extra).status_code == 200
    assert endpoint(secretary, name, orgs["town2"], extra).status_code == 404
    assert endpoint(secretary, name, orgs["county"], extra).status_code == 404
    security = client_as("security_admin")
    expected = 403 if members_only else 200
    assert endpoint(security, name, orgs["town"], extra).status_code == expected


def test_api_figures_match_the_pages(client_as, orgs, people):
    client = client_as("county_admin")
    data = endpoint(client, "api:stats-indicators", orgs["county"], {"as_of": "2026-06-15"}).json()
    assert data["indicators"]["members.total"] == 4
    assert data["indicators"]["recruitment.developed"] == 0  # registered by the recruitment app
    assert data["reasons"]["dues.collection_rate"] == "—"
    assert "recruitment.developed" not in data["reasons"]
    dash = endpoint(client, "api:stats-dashboard", orgs["county"], {"as_of": "2026-06-15"}).json()
    category = next(c for c in dash["charts"] if c["id"] == "category")
    assert category["total"] == 4
    tables = endpoint(client, "api:stats-annual", orgs["county"], {"year": "2025"}).json()["tables"]
    basic = next(t for t in tables if t["code"] == "basic")
    assert basic["total"]["total"] == sum(r["values"]["total"] for r in basic["rows"])
    assert endpoint(client, "api:stats-annual", orgs["county"], {"year": "2999"}).status_code == 400
    assert endpoint(client, "api:stats-indicators", orgs["county"], {"as_of": "x"}).status_code == 400


def test_every_stats_view_is_in_the_matrix():
    from dangjian.stats import urls

    assert {f"stats:{p.name}" for p in urls.urlpatterns} == {name for name, *_ in PAGES}

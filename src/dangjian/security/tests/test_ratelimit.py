"""IP-06 / REL-06: rate limits per account and per address with a 429 in Chinese."""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.security import rules


def test_parse_rate_table():
    for rate, expected in [("5/m", (5, 60)), ("10/h", (10, 3600)), ("3/15m", (3, 900)), ("100/d", (100, 86400))]:
        assert rules.parse_rate(rate) == expected
    assert rules.window_start(125.0, 60) == 120


@pytest.fixture
def tight(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/m", "search": "4/m", "export": "2/h", "api": "5/m"}
    settings.RATE_LIMIT_ADDRESS_FACTOR = 2
    return settings


def test_login_is_limited_per_account_with_a_chinese_429(client, personas, tight):
    url = reverse("accounts:login")
    for _ in range(3):
        assert client.post(url, {"username": "county_admin", "password": "wrong-Pass1"}).status_code == 200
    refused = client.post(url, {"username": "county_admin", "password": "wrong-Pass1"})
    assert refused.status_code == 429
    assert "登录过于频繁" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert AuditEvent.objects.filter(action="security.rate_limited").count() == 1
    # another account from the same address still gets through, up to the address limit (3 × 2)
    assert client.post(url, {"username": "auditor", "password": "wrong-Pass1"}).status_code == 200
    assert client.post(url, {"username": "auditor", "password": "wrong-Pass1"}).status_code == 200
    assert client.post(url, {"username": "auditor", "password": "wrong-Pass1"}).status_code == 429  # address


def test_address_limit_applies_across_accounts(personas, tight):
    url = reverse("accounts:login")
    codes = []
    for i in range(7):
        c = Client(REMOTE_ADDR="10.0.0.7")
        codes.append(c.post(url, {"username": f"someone{i}", "password": "x"}).status_code)
    assert codes[:6] == [200] * 6
    assert codes[6] == 429
    other = Client(REMOTE_ADDR="10.0.0.8")
    assert other.post(url, {"username": "someone0", "password": "x"}).status_code == 200


def test_search_export_and_api_are_limited(client_as, personas, tight):
    client = client_as("county_admin")
    search = reverse("orgs:search")
    statuses = [client.get(search, {"q": "dsz"}).status_code for _ in range(5)]
    assert statuses[:4] == [200] * 4
    assert statuses[4] == 429
    api = [client.get("/api/v1/orgs/").status_code for _ in range(6)]
    assert api[5] == 429
    refused = client.get("/api/v1/orgs/")
    assert refused.json()["detail"].startswith("接口调用过于频繁")
    export = reverse("audit:export")
    auditor = client_as("auditor")
    caches["ratelimit"].clear()
    assert [auditor.get(export).status_code for _ in range(3)][2] == 429


def test_limits_can_be_switched_off(client, personas, tight):
    tight.RATE_LIMITS_ENABLED = False
    url = reverse("accounts:login")
    assert all(client.post(url, {"username": f"x{i}", "password": "y"}).status_code == 200 for i in range(8))


def test_file_cache_shares_counts_between_processes(tmp_path, rf):
    from django.core.cache.backends.filebased import FileBasedCache

    from dangjian.security import ratelimit

    first = FileBasedCache(str(tmp_path), {})
    second = FileBasedCache(str(tmp_path), {})  # a second worker process sees the same directory
    first.add("k", 1, 60)
    second.incr("k")
    assert first.get("k") == 2
    request = rf.post("/accounts/login/", {"username": "a"})
    assert ratelimit.classify(request) == "login"
